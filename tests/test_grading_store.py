"""Grading in the store: incremental ``grade_new``, overrides that survive re-runs and show
in the evidence figures, effective links, and the review commands."""

from __future__ import annotations

import json

from sqlmodel import select
from typer.testing import CliRunner

from tracker.config import get_settings
from tracker.db.engine import session
from tracker.db.models import (
    Company,
    EvidenceGrade,
    Override,
    PaperProductLink,
    Product,
    Publication,
)
from tracker.evidence import effective_grade, effective_links, override_grade, override_link
from tracker.evidence.figures import evidence_figures
from tracker.grading.pipeline import grade_new

READER = ("Effect of an AI support system on radiologists: a multi-reader study",
          "Fourteen radiologists read 240 mammograms with and without AI support. Reader AUC "
          "improved from 0.87 to 0.89 and reading time did not increase.")
ACCURACY = ("Standalone accuracy of a commercial fracture detector",
            "Retrospective single-centre study of 1,000 radiographs. Sensitivity was 92% and "
            "specificity 90%. The authors declare no competing interests.")


def _seed(db) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    ids = []
    for i, (title, abstract) in enumerate((READER, ACCURACY)):
        pub = Publication(title=title, normalized_title=title.lower(), abstract=abstract,
                          pmid=str(1000 + i), affiliations=["University Hospital, Lund, Sweden"],
                          publication_types=["Journal Article"])
        db.add(pub)
        db.flush()
        ids.append(pub.id)
    company = Company(name="Acme AI", normalized_name="acme ai")
    db.add(company)
    db.flush()
    product = Product(slug="acme-detect", company_id=company.id, name="Acme Detect",
                      normalized_name="acme detect")
    db.add(product)
    db.flush()
    db.add(PaperProductLink(publication_id=ids[0], product_id=product.id, score=0.9, method="test"))
    db.add(PaperProductLink(publication_id=ids[1], product_id=product.id, score=0.9, method="test"))
    db.commit()
    return ids, product.id  # type: ignore[return-value]


def test_grade_new_is_incremental_and_overrides_survive(engine, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids, product_id = _seed(db)
    settings = get_settings(data_dir=tmp_path / "data")
    first = grade_new(engine, settings)
    assert first["graded"] == 2 and first["new"] == 2
    assert grade_new(engine, settings)["graded"] == 0
    with session(engine) as s:
        levels = {g.publication_id: g.level for g in s.exec(select(EvidenceGrade))}
    assert levels == {ids[0]: "3", ids[1]: "2"}

    override_grade(db, publication_id=ids[1], field_name="level", value="6", author="ana",
                   reason="cost model in the full text")
    override_grade(db, publication_id=ids[1], field_name="multicentre", value="true",
                   author="ana", reason="two sites in methods")
    # a new model version makes a full re-grade; the override must outlive it
    with session(engine) as s:
        for g in s.exec(select(EvidenceGrade)):
            g.model_version = "an-older-model"
            s.add(g)
        s.commit()
    assert grade_new(engine, settings)["graded"] == 2
    with session(engine) as s:
        assert s.exec(select(EvidenceGrade).where(
            EvidenceGrade.publication_id == ids[1])).one().level == "2"
        assert len(s.exec(select(Override)).all()) == 2
        eff = effective_grade(s, ids[1])
        assert eff is not None and eff.level == "6" and eff.multicentre is True
        assert eff.overridden["level"] == ("ana", "cost model in the full text")
        figures = evidence_figures(s)
    assert figures["paper: at level 6"].startswith("50% (1/2)")
    assert figures["paper: multicentre"].startswith("50% (1/2)")
    assert figures["product: evidence at level >= 3"].startswith("100% (1/1)")
    assert "2025: 31%" in figures["product: evidence at level >= 3"]


def test_changed_text_is_graded_again(engine, db, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tracker.records import utcnow

    ids, _ = _seed(db)
    settings = get_settings(data_dir=tmp_path / "data")
    grade_new(engine, settings)
    pub = db.get(Publication, ids[1])
    pub.abstract = "A Markov model estimated the cost per QALY of AI triage: the ICER was low."
    pub.updated_at = utcnow()
    db.add(pub)
    db.commit()
    assert grade_new(engine, settings)["graded"] == 1
    with session(engine) as s:
        assert effective_grade(s, ids[1]).level == "6"  # type: ignore[union-attr]


def test_link_overrides_change_the_effective_links(db) -> None:  # type: ignore[no-untyped-def]
    ids, product_id = _seed(db)
    override_link(db, publication_id=ids[0], product_id=product_id, accept=False, author="bo",
                  reason="cites the product only")
    links = effective_links(db, product_id=product_id)
    assert [lk.publication_id for lk in links] == [ids[1]]
    override_link(db, publication_id=ids[0], product_id=product_id, accept=True, author="bo",
                  reason="on second reading it does evaluate it")
    assert {lk.publication_id for lk in effective_links(db)} == set(ids)


def test_review_commands(engine, db, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tracker.cli import app

    ids, _ = _seed(db)
    grade_new(engine, get_settings(data_dir=tmp_path / "data"))
    runner = CliRunner()
    out = runner.invoke(app, ["review", "grade", "PMID:1001", "--level", "4", "--by", "ana",
                              "--why", "recall decisions", "--database-url", db_url])
    assert out.exit_code == 0, out.output
    bad = runner.invoke(app, ["review", "grade", "PMID:1001", "--level", "7", "--by", "ana",
                              "--database-url", db_url])
    assert bad.exit_code == 2
    out = runner.invoke(app, ["review", "link", "PMID:1000", "acme-detect", "--reject", "--by",
                              "bo", "--why", "cited only", "--database-url", db_url])
    assert out.exit_code == 0, out.output
    with session(engine) as s:
        assert effective_grade(s, ids[1]).level == "4"  # type: ignore[union-attr]
        assert [lk.publication_id for lk in effective_links(s)] == [ids[1]]
    listed = runner.invoke(app, ["review", "list", "--json", "--database-url", db_url])
    assert listed.exit_code == 0
    assert all(item["publication_id"] != ids[1] or item["kind"] != "grade"
               for item in json.loads(listed.output))


def test_vendors_come_from_the_effective_links_of_the_batch(db) -> None:  # type: ignore[no-untyped-def]
    from tracker.db.models import CompanyAlias
    from tracker.grading.pipeline import _vendors

    ids, product_id = _seed(db)
    other = Company(name="Beta Imaging GmbH", normalized_name="beta imaging")
    db.add(other)
    db.flush()
    db.add(CompanyAlias(company_id=other.id, alias="Beta", normalized="beta"))
    beta = Product(slug="beta-scan", company_id=other.id, name="Beta Scan", normalized_name="beta scan")
    db.add(beta)
    db.commit()
    override_link(db, publication_id=ids[0], product_id=product_id, accept=False, author="bo")
    override_link(db, publication_id=ids[0], product_id=beta.id, accept=True, author="bo")
    # the rejected link gives no vendor, the hand-made one does; other papers are not read
    assert _vendors(db, [ids[0]]) == {ids[0]: ["Beta Imaging GmbH", "Beta"]}
    assert _vendors(db, ids) == {ids[0]: ["Beta Imaging GmbH", "Beta"], ids[1]: ["Acme AI"]}
    assert _vendors(db, []) == {}
