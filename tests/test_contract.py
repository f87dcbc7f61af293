"""The batch JSONL contract (docs/interfaces.md) is one set of rules: ``link-file`` and
``classify-file`` accept and reject the same lines, with the same line-numbered reasons, and
every batch output (and export) is written atomically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tracker.cli import app
from tracker.contract import (
    PaperRecord,
    ProductRecord,
    read_jsonl,
    read_papers,
    read_products,
    write_jsonl,
)

PAPERS = [
    # 1: numeric id and title: read as strings
    {"id": 12345, "title": 1984, "abstract": "Methods: Lunit INSIGHT CXR analysed 1,135 chest "
                                            "radiographs. Results: sensitivity was 91%."},
    "{not json",                                                        # 2
    {"id": "PMID:3", "abstract": "no title"},                            # 3
    {"id": "PMID:4", "title": "A study", "affiliations": 5},             # 4: wrong type
    ["an", "array"],                                                     # 5
    "",                                                                  # 6: blank, skipped
    {"id": "PMID:7", "title": "Another study", "year": "n.d."},          # 7: wrong type
    {"id": "PMID:8", "title": "   "},                                    # 8: blank title
    {"id": "PMID:9", "title": "Lunit INSIGHT CXR in the emergency department",  # 9: valid
     "abstract": "Lunit INSIGHT CXR analysed 1,135 chest radiographs.", "year": "2021",
     "affiliations": "Seoul National University Hospital", "unknown_field": {"x": 1}},
]
PROBLEMS = {
    2: "not valid JSON",
    3: "missing required field(s): title",
    4: "affiliations: expected a string or a list of strings, got a number",
    5: "a line must hold a JSON object",
    7: "year: Input should be a valid integer",
    8: "missing required field(s): title",
}


def _jsonl(path: Path, lines: list[object]) -> Path:
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def papers(tmp_path: Path) -> Path:
    return _jsonl(tmp_path / "papers.jsonl", PAPERS)


@pytest.fixture
def products(tmp_path: Path) -> Path:
    # the products export's field names (product_id, product) stand for id and name
    return _jsonl(tmp_path / "products.jsonl", [
        {"product_id": "lunit-insight-cxr", "product": "Lunit INSIGHT CXR", "company": "Lunit Inc.",
         "modality": "X-ray", "papers": 3, "ce_marked": True},
        {"id": "no-company", "name": "Nameless"},
        {"id": "bad-aliases", "name": "Something", "company": "Acme", "aliases": {"a": 1}},
    ])


def _problems(stderr: str, path: Path) -> dict[int, str]:
    out = {}
    for line in stderr.splitlines():
        if line.startswith(f"{path}:"):
            number, _, why = line[len(f"{path}:"):].partition(": ")
            out[int(number)] = why
    return out


def test_reader_keeps_valid_lines_and_numbers_the_bad_ones(papers: Path) -> None:
    items, problems = read_papers(papers)
    assert [p.id for p in items] == ["12345", "PMID:9"]
    assert items[0].title == "1984"
    assert items[1].year == 2021 and items[1].affiliations == ["Seoul National University Hospital"]
    got = _problems("\n".join(problems), papers)
    assert set(got) == set(PROBLEMS)
    for number, why in PROBLEMS.items():
        assert got[number].startswith(why), (number, got[number])


def test_products_accept_the_export_names_and_report_bad_lines(products: Path) -> None:
    items, problems = read_products([products])
    assert [(p.id, p.name, p.modality) for p in items] == [
        ("lunit-insight-cxr", "Lunit INSIGHT CXR", ["X-ray"])]
    assert problems == [
        f"{products}:2: missing required field(s): company",
        f"{products}:3: aliases: expected a string or a list of strings, got an object",
    ]


def test_link_file_and_classify_file_apply_the_same_rules(
        tmp_path: Path, papers: Path, products: Path) -> None:
    runner = CliRunner()
    links_out = tmp_path / "links.jsonl"
    linked = runner.invoke(app, ["link-file", "--products", str(products), "--papers",
                                 str(papers), "--out", str(links_out), "--no-embeddings"])
    grades_out = tmp_path / "grades.jsonl"
    graded = runner.invoke(app, ["classify-file", "--papers", str(papers), "--out",
                                 str(grades_out), "--products", str(products)])
    assert linked.exit_code == 3 and graded.exit_code == 3, (linked.output, graded.output)
    assert _problems(linked.stderr, papers) == _problems(graded.stderr, papers)
    assert set(_problems(linked.stderr, papers)) == set(PROBLEMS)
    assert _problems(linked.stderr, products) == _problems(graded.stderr, products) == {
        2: "missing required field(s): company (skipped)",
        3: "aliases: expected a string or a list of strings, got an object (skipped)"}
    assert "Traceback" not in linked.output + graded.output
    # the numeric paper is accepted by both: graded, and linked by its abstract
    links = [json.loads(line) for line in links_out.read_text().splitlines()]
    assert {(r["paper_id"], r["product_id"]) for r in links} == {
        ("12345", "lunit-insight-cxr"), ("PMID:9", "lunit-insight-cxr")}
    grades = [json.loads(line) for line in grades_out.read_text().splitlines()]
    assert [r["paper_id"] for r in grades] == ["12345", "PMID:9"]


def test_labelled_sets_follow_the_same_rules(tmp_path: Path) -> None:
    from tracker.grading.training import read_labelled
    from tracker.linking.evaluate import LinkingGold

    gold = _jsonl(tmp_path / "gold.jsonl", [
        {"id": 1, "title": 2, "gold_level": "L2", "gold_links": [7]},
        {"id": "b", "title": "t", "gold_level": "7"},
        {"id": "c", "title": "t"},
        {"id": "d", "title": "t", "gold_level": None, "affiliations": 5},
        {"id": 1, "title": "again", "gold_level": None},
    ])
    examples, problems = read_labelled([gold])
    assert [(e.paper.id, e.level) for e in examples] == [("1", "2")]
    assert [p.split(": ", 1)[1] for p in problems] == [
        "gold_level: not an efficacy level: '7' (use one of 1t, 1c, 2, 3, 4, 5, 6 or null)",
        "missing required field(s): gold_level",
        "affiliations: expected a string or a list of strings, got a number",
        "duplicate paper 1 (first kept)"]
    items, _ = read_jsonl(gold, LinkingGold)
    assert items[0].gold_links == ["7"] and items[2].gold_links is None


def test_authors_and_grants_join_affiliations_and_funding() -> None:
    paper = PaperRecord.model_validate({
        "publication_id": 3, "title": "T", "affiliations": ["Dept A"],
        "authors": [{"name": "Kim", "affiliations": ["Lunit Inc.", "Dept A"]}, None],
        "grants": [{"agency": "NIH"}], "funding": "Acme", "conflicts": ["None.", "Really."]})
    assert paper.id == "3" and paper.affiliations == ["Dept A", "Lunit Inc."]
    assert paper.funding == ["Acme", "NIH"] and paper.conflicts == "None.\nReally."
    assert PaperRecord.model_validate(paper.model_dump()).affiliations == paper.affiliations


def test_product_text_and_company_key() -> None:
    product = ProductRecord(id="x", name="qXR", company="Qure.ai Technologies Private Limited",
                            modality=["X-ray"], description="Chest X-ray triage")
    assert product.text == "qXR. by Qure.ai Technologies Private Limited. X-ray. Chest X-ray triage"
    assert product.company_key == "qure ai technologies private"


def test_atomic_writer_keeps_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")

    def rows():  # type: ignore[no-untyped-def]
        yield {"a": 1}
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_jsonl(out, rows())
    with pytest.raises(TypeError):
        write_jsonl(out, [{"a": object()}])
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.jsonl"]  # no temp file left
    assert write_jsonl(out, [{"a": "é"}, {"b": None}]) == 2
    assert out.read_text(encoding="utf-8") == '{"a": "é"}\n{"b": null}\n'


def test_exports_use_the_same_atomic_writer(tmp_path: Path) -> None:
    import tracker.contract
    from tracker.exports import writers

    assert writers.atomic_writer is tracker.contract.atomic_writer
    out = tmp_path / "rows.csv"
    out.write_text("old\n")

    def rows():  # type: ignore[no-untyped-def]
        yield {"a": 1}
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        writers.write_rows(rows(), columns=["a"], fmt="csv", out=out)
    assert out.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["rows.csv"]


def test_atomic_writer_gives_files_the_usual_permissions(tmp_path: Path) -> None:
    import os

    from tracker.contract import write_jsonl

    out = tmp_path / "shared" / "links.jsonl"
    write_jsonl(out, [{"a": 1}])
    umask = os.umask(0o022)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # readable by the team, not 0600


def test_export_lines_split_the_joined_lists_and_contract_lines_read_as_before() -> None:
    export = ProductRecord.model_validate({
        "product_id": "lunit-insight-cxr", "product": "Lunit INSIGHT CXR", "company": "Lunit",
        "aliases": "INSIGHT CXR; Lunit CXR;", "modality": "X-ray, CT", "description": "Chest"})
    assert (export.id, export.name, export.aliases, export.modality, export.description) == (
        "lunit-insight-cxr", "Lunit INSIGHT CXR", ["INSIGHT CXR", "Lunit CXR"], ["X-ray", "CT"], "Chest")
    # the documented form: a single string is one item, as before
    plain = ProductRecord.model_validate({"id": "x", "name": "X", "company": "Acme",
                                          "aliases": "A; B", "modality": "X-ray, CT"})
    assert (plain.aliases, plain.modality) == (["A; B"], ["X-ray, CT"])
    assert ProductRecord.model_validate({"product_id": "p", "product": "P", "company": "C",
                                         "aliases": ["A", "B"], "modality": None}).aliases == ["A", "B"]
    for key in ("paper_id", "publication_id"):
        paper = PaperRecord.model_validate({
            key: 7, "title": "T", "abstract": "A", "authors": "Kim J; Lee S",
            "publication_types": "Journal Article;Review", "level": "2", "products": "a;b"})
        assert (paper.id, paper.abstract, paper.affiliations, paper.publication_types) == (
            "7", "A", [], ["Journal Article", "Review"])
    assert PaperRecord.model_validate({"id": 7, "title": "T", "publication_types": "A;B"}
                                      ).publication_types == ["A;B"]
    # ``id`` wins over the export's id field
    assert PaperRecord.model_validate({"id": "PMID:1", "publication_id": 9, "title": "T"}).id == "PMID:1"


def test_a_line_with_neither_id_form_is_reported_and_skipped(tmp_path: Path) -> None:
    products = _jsonl(tmp_path / "products.jsonl", [
        {"product_id": "a", "product": "A", "company": "C"},
        {"slug": "b", "product": "B", "company": "C", "aliases": "x;y"},
    ])
    papers = _jsonl(tmp_path / "papers.jsonl", [
        {"pmid": "1", "title": "No id", "publication_types": "Review"},
        {"publication_id": 2, "title": "An export line"},
    ])
    items, problems = read_products([products])
    assert [p.id for p in items] == ["a"]
    assert problems == [f"{products}:2: missing required field(s): id"]
    found, problems = read_papers(papers)
    assert [p.id for p in found] == ["2"]
    assert problems == [f"{papers}:1: missing required field(s): id"]


def test_own_exports_feed_link_file_and_classify_file(tmp_path: Path, engine) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select
    from tui_store import build_store

    from tracker.db.engine import session
    from tracker.db.models import EvidenceGrade, ProductAlias
    from tracker.exports.run import export_kind

    ids = build_store(engine)
    with session(engine) as s:
        s.add(ProductAlias(product_id=ids["lunit-insight-cxr"], alias="INSIGHT CXR",
                           normalized="insight cxr"))
        grade = s.exec(select(EvidenceGrade)).first()
        assert grade is not None
        grade.relevance, grade.relevance_reason = "product-evaluation", "named product, AUC"
        s.commit()
    products, papers = tmp_path / "products.jsonl", tmp_path / "papers.jsonl"
    export_kind(engine, kind="products", fmt="jsonl", out=products)
    export_kind(engine, kind="papers", fmt="jsonl", out=papers)
    exported_products = [json.loads(x) for x in products.read_text("utf-8").splitlines()]
    exported_papers = [json.loads(x) for x in papers.read_text("utf-8").splitlines()]
    assert all(row["abstract"] for row in exported_papers)

    # the readers take every exported line, ids and texts intact
    items, problems = read_products([products])
    assert problems == []
    assert [p.id for p in items] == [r["product_id"] for r in exported_products]
    lunit = next(p for p in items if p.id == "lunit-insight-cxr")
    assert (lunit.name, lunit.company, lunit.aliases, lunit.modality) == (
        "Lunit INSIGHT CXR", "Lunit", ["INSIGHT CXR"], ["X-ray"])
    found, problems = read_papers(papers)
    assert problems == []
    assert [p.id for p in found] == [str(r["publication_id"]) for r in exported_papers]
    assert [p.abstract for p in found] == [r["abstract"] for r in exported_papers]

    # and so do the batch commands: nothing skipped, the export's ids in the output
    runner = CliRunner()
    links_out, grades_out = tmp_path / "links.jsonl", tmp_path / "grades.jsonl"
    linked = runner.invoke(app, ["link-file", "--products", str(products), "--papers", str(papers),
                                 "--out", str(links_out), "--no-embeddings"])
    graded = runner.invoke(app, ["classify-file", "--papers", str(papers), "--out",
                                 str(grades_out), "--products", str(products)])
    assert linked.exit_code == 0 and graded.exit_code == 0, (linked.output, graded.output)
    assert "skipped" not in linked.output + graded.output
    links = [json.loads(x) for x in links_out.read_text("utf-8").splitlines()]
    paper_ids = {str(r["publication_id"]) for r in exported_papers}
    assert links and {r["paper_id"] for r in links} <= paper_ids
    assert {r["product_id"] for r in links} <= {r["product_id"] for r in exported_products}
    lunit_paper = str(ids["Lunit INSIGHT CXR standalone accuracy on chest radiographs"])
    assert (lunit_paper, "lunit-insight-cxr") in {(r["paper_id"], r["product_id"]) for r in links}
    grades = [json.loads(x) for x in grades_out.read_text("utf-8").splitlines()]
    assert [r["paper_id"] for r in grades] == [str(r["publication_id"]) for r in exported_papers]


def test_dev_and_holdout_share_no_paper() -> None:
    """No development paper (id, PMID, DOI or title) is in a held-out file: held-out figures
    would otherwise include papers the rules and the model were tuned or trained on."""
    data = Path(__file__).parent / "data"

    def keys(path: Path) -> set[str]:
        out: set[str] = set()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            out.add(f"id:{row['id']}")
            out.add("title:" + " ".join(str(row.get("title", "")).lower().split()))
            out.update(f"{k}:{str(row[k]).lower()}" for k in ("pmid", "doi") if row.get(k))
        return out

    dev = set().union(*(keys(p) for p in (data / "dev").glob("papers_*.jsonl")))
    held = set().union(*(keys(p) for p in (data / "holdout").glob("papers*.jsonl")))
    assert dev and held
    assert not dev & held, sorted(dev & held)[:5]
