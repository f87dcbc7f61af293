"""Exports: every kind validates against its shipped schema, overrides applied, CSV inert."""

import csv
import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from tracker.db.engine import session
from tracker.db.models import (
    EvidenceGrade,
    Override,
    PaperMention,
    PaperProductLink,
    Product,
    ProductAlias,
)
from tracker.exports.columns import KINDS, json_schema
from tracker.exports.run import export_all, export_kind
from tracker.exports.writers import neutralize_cell, write_rows
from tracker.records import PublicationRecord, RegistrationRecord
from tracker.store import save_record
from tracker.store.companies import get_or_create_company

SCHEMAS = Path(__file__).resolve().parents[1] / "tracker" / "exports" / "schemas"
EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture
def filled(engine):  # type: ignore[no-untyped-def]
    with session(engine) as s:
        save_record(s, record=RegistrationRecord(
            source="fda_ai_list", source_url="https://www.fda.gov/list.csv", regulator="FDA",
            kind="510(k)", number="K999001", device_name=EVIL, applicant="Evil Corp, Inc.",
            decision_date=date(2024, 5, 1)))
        company = get_or_create_company(s, name="Evil Corp, Inc.")
        product = Product(slug="evil", company_id=company.id, name=EVIL, normalized_name="evil",
                          source="fda_ai_list", source_url="https://www.fda.gov/list.csv")
        s.add(product)
        s.flush()
        save_record(s, record=PublicationRecord(source="pubmed", external_id="1", pmid="1",
                                                title="-1 [bold]markup[/] paper", year=2024))
        save_record(s, record=PublicationRecord(source="pubmed", external_id="2", pmid="2",
                                                title="A second paper about it", year=2023,
                                                abstract="Methods: 500 radiographs. Results: AUC 0.91."))
        save_record(s, record=PublicationRecord(source="pubmed", external_id="3", pmid="3",
                                                title="AI in radiology: a narrative review", year=2024))
        s.add(ProductAlias(product_id=product.id, alias="Evil AI", normalized="evil ai"))
        s.add(PaperProductLink(publication_id=1, product_id=product.id, score=0.9, method="mention",
                               evidence="We evaluated it.", model_version="test"))
        s.add(EvidenceGrade(publication_id=1, level="2", confidence=0.8, prospective=False, cues=["AUC"]))
        s.add(EvidenceGrade(publication_id=2, level="2", confidence=0.3, needs_review=True,
                            relevance="product-evaluation", relevance_reason="reports AUC of a named product"))
        # paper 3 names the product without evaluating it: a mention, not evidence
        s.add(PaperMention(publication_id=3, product_id=product.id, role="listed",
                           evidence="Products such as Evil AI are on the market.",
                           model_version="linker-test"))
        # a person raises paper 1 to level 3 and accepts a link the linker missed for paper 2
        s.add(Override(target="grade", publication_id=1, field_name="level", value="3", author="ana", reason="MRMC"))
        s.add(Override(target="link", publication_id=2, product_id=product.id, field_name="link",
                       value=True, author="ana"))
        s.commit()
    return engine


def test_shipped_schemas_match_the_columns() -> None:
    for kind in KINDS:
        assert json.loads((SCHEMAS / f"{kind}.schema.json").read_text()) == json_schema(kind)


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_kind_validates_against_its_schema(filled, tmp_path: Path, kind: str) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    export_kind(filled, kind=kind, fmt="jsonl", out=tmp_path / f"{kind}.jsonl")
    rows = [json.loads(line) for line in (tmp_path / f"{kind}.jsonl").read_text().splitlines()]
    for row in rows:
        jsonschema.validate(row, schema)
    if kind not in ("events", "platforms"):  # the fixture has no events or platforms
        assert rows, f"{kind} export is empty"
        assert all(row["source_url"] for row in rows)


def test_overrides_are_applied(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export_kind(filled, kind="grades", fmt="json", out=tmp_path / "g.json")
    grades = {g["pmid"]: g for g in json.loads((tmp_path / "g.json").read_text())}
    assert grades["1"]["level"] == "3" and grades["1"]["origin"] == "override"
    assert grades["1"]["bucket"] == "clinical"
    export_kind(filled, kind="links", fmt="json", out=tmp_path / "l.json")
    links = json.loads((tmp_path / "l.json").read_text())
    assert {(x["pmid"], x["origin"]) for x in links} == {("1", "auto"), ("2", "override")}
    export_kind(filled, kind="gaps", fmt="json", out=tmp_path / "gaps.json")
    gap = json.loads((tmp_path / "gaps.json").read_text())[0]
    assert gap["papers"] == 2 and gap["level_3"] == 1 and gap["highest_level"] == "3"


def test_formula_product_name_exports_as_inert_text(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "products.csv"
    export_kind(filled, kind="products", fmt="csv", out=out)
    with out.open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    assert row["product"] == "'" + EVIL
    export_kind(filled, kind="papers", fmt="csv", out=tmp_path / "papers.csv")
    text = (tmp_path / "papers.csv").read_text("utf-8")
    assert "'-1 [bold]markup[/] paper" in text


def test_neutralize_only_touches_text() -> None:
    assert neutralize_cell("@SUM(A1)") == "'@SUM(A1)"
    assert neutralize_cell("\tx") == "'\tx"
    assert neutralize_cell(-1.5) == -1.5
    assert neutralize_cell("Lunit") == "Lunit"


def test_formulas_after_spaces_or_control_characters_are_inert() -> None:
    for cell in ("  =1+1", "\u00a0+A1", "\x00=cmd", "\u200b@SUM(A1)", "\r=x", "\n-2"):
        assert neutralize_cell(cell) == "'" + cell, repr(cell)
    assert neutralize_cell("  plain") == "  plain"


def test_a_carriage_return_in_a_title_stays_inside_its_cell(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    title = "Benign title\r=cmd|' /C calc'!A0"
    with session(engine) as s:
        save_record(s, record=PublicationRecord(source="pubmed", external_id="9", pmid="9",
                                                title=title, year=2024))
        s.commit()
    out = tmp_path / "papers.csv"
    export_kind(engine, kind="papers", fmt="csv", out=out)
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    assert len(data) == 1 and len(data[0]) == len(header)  # one row, no shifted columns
    assert data[0][header.index("title")] == title
    raw = out.read_bytes()
    assert b'"Benign title\r=cmd' in raw  # the CR is quoted, so no row starts with the formula
    assert not any(line.startswith(b"=") for line in raw.replace(b"\r\n", b"\n").split(b"\n"))


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    write_rows([{"a": 1}], columns=["a"], fmt="csv", out=out)

    def broken():  # type: ignore[no-untyped-def]
        yield {"a": 2}
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_rows(broken(), columns=["a"], fmt="csv", out=out)
    assert out.read_bytes() == b"a\r\n1\r\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_export_all_writes_every_kind(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    counts = export_all(filled, folder=tmp_path / "snap")
    assert set(counts) == set(KINDS)
    assert {p.name for p in (tmp_path / "snap").iterdir()} == {f"{k}.{f}" for k in KINDS for f in ("csv", "json")}


def test_unknown_kind_or_format_is_a_clear_error(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown export"):
        export_kind(filled, kind="nope", fmt="csv", out=tmp_path / "x")
    with pytest.raises(ValueError, match="unknown format"):
        export_kind(filled, kind="papers", fmt="xlsx", out=tmp_path / "x")


def test_papers_export_carries_abstract_and_relevance(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export_kind(filled, kind="papers", fmt="jsonl", out=tmp_path / "papers.jsonl")
    rows = {r["pmid"]: r for r in map(json.loads, (tmp_path / "papers.jsonl").read_text().splitlines())}
    assert rows["2"]["abstract"] == "Methods: 500 radiographs. Results: AUC 0.91."
    assert rows["2"]["relevance"] == "product-evaluation"
    assert rows["2"]["relevance_reason"] == "reports AUC of a named product"
    # graded without a relevance call, and not graded at all: null relevance, empty reason
    assert (rows["1"]["relevance"], rows["1"]["relevance_reason"], rows["1"]["abstract"]) == (None, "", None)
    assert (rows["3"]["relevance"], rows["3"]["relevance_reason"]) == (None, "")
    export_kind(filled, kind="papers", fmt="csv", out=tmp_path / "papers.csv")
    with (tmp_path / "papers.csv").open(encoding="utf-8", newline="") as handle:
        csv_rows = {r["pmid"]: r for r in csv.DictReader(handle)}
    assert csv_rows["2"]["abstract"] == rows["2"]["abstract"]
    assert csv_rows["2"]["relevance"] == "product-evaluation" and csv_rows["1"]["relevance"] == ""


def test_products_export_carries_aliases(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    export_kind(filled, kind="products", fmt="jsonl", out=tmp_path / "products.jsonl")
    row = json.loads((tmp_path / "products.jsonl").read_text().splitlines()[0])
    assert row["aliases"] == "Evil AI" and row["description"] is None


def test_mentions_export_is_kept_apart_from_evidence(filled, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("jsonl", "csv"):
        export_kind(filled, kind="mentions", fmt=fmt, out=tmp_path / f"mentions.{fmt}")
    rows = [json.loads(line) for line in (tmp_path / "mentions.jsonl").read_text().splitlines()]
    assert len(rows) == 1
    row = rows[0]
    assert {k: row[k] for k in ("publication_id", "pmid", "product_id", "product", "company", "role",
                                 "evidence", "model_version", "origin", "source_url")} == {
        "publication_id": 3, "pmid": "3", "product_id": "evil", "product": EVIL,
        "company": "Evil Corp, Inc.", "role": "listed",
        "evidence": "Products such as Evil AI are on the market.", "model_version": "linker-test",
        "origin": "auto", "source_url": "https://pubmed.ncbi.nlm.nih.gov/3/"}
    assert row["created_at"]
    with (tmp_path / "mentions.csv").open(encoding="utf-8", newline="") as handle:
        (cells,) = list(csv.DictReader(handle))
    assert cells["role"] == "listed" and cells["product"] == "'" + EVIL  # formula-safe
    # the mentioning paper is no evidence: not linked, not counted, no gap cleared
    export_kind(filled, kind="papers", fmt="jsonl", out=tmp_path / "papers.jsonl")
    papers = {r["pmid"]: r for r in map(json.loads, (tmp_path / "papers.jsonl").read_text().splitlines())}
    assert papers["3"]["products"] == ""
    export_kind(filled, kind="links", fmt="jsonl", out=tmp_path / "links.jsonl")
    assert "3" not in {json.loads(x)["pmid"] for x in (tmp_path / "links.jsonl").read_text().splitlines()}
    export_kind(filled, kind="products", fmt="jsonl", out=tmp_path / "products.jsonl")
    assert json.loads((tmp_path / "products.jsonl").read_text().splitlines()[0])["papers"] == 2
    export_kind(filled, kind="gaps", fmt="jsonl", out=tmp_path / "gaps.jsonl")
    assert json.loads((tmp_path / "gaps.jsonl").read_text().splitlines()[0])["papers"] == 2


def test_io_errors_end_in_one_line_and_exit_2(filled, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from tracker.cli import app

    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = CliRunner().invoke(app, ["export", "products", "--database-url", db_url,
                                      "--out", str(blocker / "products.csv")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.output.strip().splitlines() == [f"error: a file is in the way of a folder: {blocker}"]
    result = CliRunner().invoke(app, ["nightly", "--database-url", f"sqlite:///{blocker}/tracker.db"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
