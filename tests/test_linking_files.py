"""``tracker link-file`` and ``tracker eval linking`` as docs/interfaces.md describes them, the
labelled development set, and 1,000 off-topic real abstracts that must stay unlinked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app

DEV = Path(__file__).parent / "data" / "dev"
PUBMEDQA = Path(__file__).parent / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"
PRODUCTS = sorted(DEV.glob("products_*.jsonl"))
GOLD = sorted(DEV.glob("papers_*.jsonl"))
# each part of the development set is labelled against its own catalogue (the same real
# product may appear in two catalogues under two ids)
SETS = {"ab": ([DEV / "papers_a.jsonl", DEV / "papers_b.jsonl"],
               [DEV / "products_a.jsonl", DEV / "products_b.jsonl"]),
        "c": ([DEV / "papers_c.jsonl"], [DEV / "products_c.jsonl"]),
        "d": ([DEV / "papers_d.jsonl"], [DEV / "products_d.jsonl"]),
        "e": ([DEV / "papers_e.jsonl"], [DEV / "products_e.jsonl"])}


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    products = _write(tmp_path / "products.jsonl", [
        json.dumps({"id": "lunit-insight-cxr", "name": "Lunit INSIGHT CXR", "company": "Lunit Inc.",
                    "modality": ["X-ray"]}),
        json.dumps({"id": "no-company", "name": "Nameless"}),
    ])
    papers = _write(tmp_path / "papers.jsonl", [
        json.dumps({"id": "PMID:1", "title": "Lunit INSIGHT CXR in the emergency department",
                    "abstract": "Methods: Lunit INSIGHT CXR analysed 1,135 chest radiographs."}),
        "{not json",
        json.dumps({"id": "PMID:2"}),
        json.dumps({"id": "PMID:3", "title": "Outcomes of hip surgery"}),
    ])
    return products, papers


def test_link_file_writes_links_and_reports_bad_lines(tmp_path: Path, files: tuple[Path, Path]) -> None:
    products, papers = files
    out = tmp_path / "out" / "links.jsonl"
    result = CliRunner().invoke(app, ["link-file", "--products", str(products), "--papers",
                                      str(papers), "--out", str(out), "--no-embeddings"])
    assert result.exit_code == 3
    assert f"{products}:2: missing required field(s): company" in result.stderr
    assert f"{papers}:2: not valid JSON" in result.stderr
    assert f"{papers}:3: missing required field(s): title" in result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["paper_id"], r["product_id"]) for r in rows] == [("PMID:1", "lunit-insight-cxr")]
    assert set(rows[0]) == {"paper_id", "product_id", "score", "method", "evidence"}
    assert [p.name for p in out.parent.iterdir()] == ["links.jsonl"]  # no temp file left


def test_link_file_exit_zero_on_clean_input(tmp_path: Path, files: tuple[Path, Path]) -> None:
    products, papers = files
    clean = _write(tmp_path / "clean.jsonl", [papers.read_text().splitlines()[0]])
    good = _write(tmp_path / "good.jsonl", [products.read_text().splitlines()[0]])
    result = CliRunner().invoke(app, ["link-file", "--products", str(good), "--papers", str(clean),
                                      "--out", str(tmp_path / "l.jsonl"), "--no-embeddings"])
    assert result.exit_code == 0, result.output


@pytest.mark.skipif(not GOLD, reason="development set not present")
@pytest.mark.parametrize("part", sorted(SETS))
def test_dev_set_precision_and_recall_without_embeddings(part: str) -> None:
    gold, products = SETS[part]
    args = ["eval", "linking", "--json", "--no-embeddings"]
    for path in gold:
        args += ["--gold", str(path)]
    for path in products:
        args += ["--products", str(path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["gold_pairs"] >= 25
    assert figures["precision"] >= 0.95, figures["false_positives"]
    assert figures["recall"] >= 0.90, figures["false_negatives"]


@pytest.mark.slow
@pytest.mark.skipif(not GOLD, reason="development set not present")
@pytest.mark.parametrize("part", sorted(SETS))
def test_dev_set_precision_and_recall_with_the_packaged_model(part: str) -> None:
    from tracker.config import get_settings
    from tracker.linking.evaluate import evaluate_linking

    gold, products = SETS[part]
    figures = evaluate_linking(gold=gold, products=products, settings=get_settings())
    assert figures["precision"] >= 0.95, figures["false_positives"]
    assert figures["recall"] >= 0.90, figures["false_negatives"]


@pytest.mark.slow  # links 1,000 real abstracts with the model
@pytest.mark.skipif(not PUBMEDQA.is_file() or not PRODUCTS, reason="corpus not present")
def test_off_topic_real_abstracts_stay_unlinked() -> None:
    from tracker.contract import PaperRecord, read_products
    from tracker.linking.linker import Linker

    catalog, _ = read_products(PRODUCTS)
    data = json.loads(PUBMEDQA.read_text("utf-8"))
    papers = [PaperRecord(id=k, title=v["QUESTION"], abstract=" ".join(v["CONTEXTS"]))
              for k, v in data.items()]
    assert len(papers) == 1000
    linked = [(r.paper.id, [link.product for link in r.links])
              for r in Linker(catalog).link(papers) if r.links]
    assert linked == []
