"""The evidence core (tracker.evidence) is the one rule behind the TUI, the exports and the
figures: retracted papers, preprints, hand-made and rejected links read the same everywhere.

Each test pins a disagreement the copies had before they were merged (CHANGELOG 0.2.0)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from tui_store import MARKUP_TITLE, build_store

from tracker.db.models import EvidenceGrade, PaperProductLink, Publication
from tracker.evidence import evidence_set, override_grade, override_link
from tracker.evidence.figures import evidence_figures, store_figures
from tracker.evidence.gaps import GAPS
from tracker.evidence.vocabulary import check_value, highest_level, normalize_level, rank
from tracker.exports.rows import BUILDERS, load_evidence
from tracker.views.gaps import evidence_gaps
from tracker.views.paper_detail import paper_detail
from tracker.views.papers import PaperQuery, search_text
from tracker.views.product_detail import product_detail
from tracker.views.products import product_rows

FIXED = datetime(2025, 2, 1, tzinfo=UTC)
HAND_TITLE = "Prospective reader study of red dot on chest radiographs"


def _paper(s: Any, title: str, *, level: str | None, preprint: bool = False,
           retracted: bool = False, vi: bool | None = True, pro: bool | None = True,
           link_to: int | None = None) -> int:
    pub = Publication(title=title, normalized_title=title.lower(), year=2024, source="test",
                      fetched_at=FIXED, created_at=FIXED, updated_at=FIXED,
                      is_preprint=preprint, is_retracted=retracted)
    s.add(pub)
    s.flush()
    assert pub.id is not None
    if link_to is not None:
        s.add(PaperProductLink(publication_id=pub.id, product_id=link_to, score=0.9,
                               method="mention+embedding", created_at=FIXED, evidence=title))
    s.add(EvidenceGrade(publication_id=pub.id, level=level, confidence=0.9, prospective=pro,
                        vendor_independent=vi, created_at=FIXED))
    s.commit()
    return pub.id


@pytest.fixture
def ids(engine, db) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    ids = build_store(engine)
    ids["retracted"] = _paper(db, "Retracted prospective study of Quantib Prostate", level="4",
                              retracted=True, link_to=ids["quantib-prostate"])
    ids["preprint"] = _paper(db, "Volpara Density accuracy (preprint)", level="2", preprint=True,
                             link_to=ids["volpara-density"])
    ids["hand"] = _paper(db, HAND_TITLE, level="3", vi=True, pro=True)
    override_link(db, publication_id=ids["hand"], product_id=ids["red-dot"], accept=True,
                  author="reviewer", reason="missed by the linker")
    override_link(db, publication_id=ids[MARKUP_TITLE], product_id=ids["veye-lung-nodules"],
                  accept=False, author="reviewer", reason="not an evaluation")
    return ids


def _export(db: Any, kind: str) -> list[dict[str, Any]]:
    return list(BUILDERS[kind](db, load_evidence(db)))


def test_vocabulary_is_one_scale() -> None:
    assert [rank(x) for x in (None, "1t", "2", "3", "6", "bogus")] == [0, 1, 3, 4, 7, 0]
    assert highest_level(["2", None, "1c", "4"]) == "4" and highest_level([None]) is None
    assert normalize_level("L2") == "2" and normalize_level(" none ") is None
    with pytest.raises(ValueError):
        normalize_level("7")
    assert check_value("prospective", "yes") is True and check_value("sample_size", "1,204") == 1204
    with pytest.raises(ValueError):
        check_value("sample_size", "many")


def test_tui_gap_lists_equal_the_gaps_export(db, ids) -> None:  # type: ignore[no-untyped-def]
    ev = evidence_set(db)
    rows = product_rows(db, evidence=ev)
    tui = {key: {r.slug for r in lst} for key, lst in evidence_gaps(rows, ev).lists.items()}
    exported = _export(db, "gaps")
    for gap in GAPS:
        assert tui[gap.key] == {r["product_id"] for r in exported if r[gap.column]}, gap.key
    # and the heat map counts equal the export's level counts
    by_slug = {r["product_id"]: r for r in exported}
    for row in rows:
        assert {lv: n for lv, n in row.counts.items() if n} == \
            {k.removeprefix("level_"): v for k, v in by_slug[row.slug].items()
             if k.startswith("level_") and v}


def test_retracted_papers_are_not_evidence_anywhere(db, ids) -> None:  # type: ignore[no-untyped-def]
    ev = evidence_set(db)
    quantib = ev.product(ids["quantib-prostate"])
    assert ids["retracted"] in quantib.papers and quantib.evidence_papers == 0
    gaps = {r["product_id"]: r for r in _export(db, "gaps")}["quantib-prostate"]
    assert gaps["no_peer_reviewed_evidence"] and gaps["level_4"] == 0 and gaps["highest_level"] is None
    products = {r["product_id"]: r for r in _export(db, "products")}["quantib-prostate"]
    assert products["papers"] == 1 and products["highest_level"] is None


def test_preprints_count_as_evidence_but_not_for_gaps(db, ids) -> None:  # type: ignore[no-untyped-def]
    volpara = evidence_set(db).product(ids["volpara-density"])
    assert volpara.counts == {"2": 1} and volpara.highest == "2" and volpara.peer_reviewed == 0
    gaps = {r["product_id"]: r for r in _export(db, "gaps")}["volpara-density"]
    assert gaps["no_peer_reviewed_evidence"] and not gaps["only_technical_evidence"]
    assert gaps["no_vendor_independent_study"]  # its only independent paper is a preprint


def test_hand_made_link_shows_everywhere(db, ids) -> None:  # type: ignore[no-untyped-def]
    red_dot, hand = ids["red-dot"], ids["hand"]
    detail = product_detail(db, product_id=red_dot)
    assert detail is not None
    assert {(p.title, p.decided) for p in detail.papers} >= {(HAND_TITLE, "hand link")}
    paper = paper_detail(db, publication_id=hand)
    assert paper is not None
    assert [(lk["product"], lk["state"]) for lk in paper.links] == [("red dot", "hand link")]
    found = search_text(db, query=PaperQuery(text="red dot reader"))
    assert [h.products for h in found.hits if h.id == hand] == [["red dot"]]
    by_product = search_text(db, query=PaperQuery(product="red dot"))
    assert hand in {h.id for h in by_product.hits}
    links = [r for r in _export(db, "links") if r["publication_id"] == hand]
    assert [(r["product_id"], r["origin"]) for r in links] == [("red-dot", "override")]
    papers = {r["publication_id"]: r for r in _export(db, "papers")}
    assert papers[hand]["products"] == "red-dot"
    products = {r["product_id"]: r for r in _export(db, "products")}
    assert products["red-dot"]["papers"] == 2 and products["red-dot"]["highest_level"] == "3"
    gaps = {r["product_id"]: r for r in _export(db, "gaps")}
    assert gaps["red-dot"]["level_3"] == 1 and not gaps["red-dot"]["only_technical_evidence"]
    assert not gaps["red-dot"]["no_prospective_study"]


def test_rejected_link_is_gone_but_visible_on_the_paper(db, ids) -> None:  # type: ignore[no-untyped-def]
    pub, veye = ids[MARKUP_TITLE], ids["veye-lung-nodules"]
    detail = product_detail(db, product_id=veye)
    assert detail is not None and MARKUP_TITLE not in {p.title for p in detail.papers}
    paper = paper_detail(db, publication_id=pub)
    assert paper is not None and [lk["state"] for lk in paper.links] == ["rejected"]
    assert all(r["publication_id"] != pub for r in _export(db, "links"))
    assert [h.products for h in search_text(db, query=PaperQuery(text="nodules")).hits
            if h.id == pub] == [[]]
    assert pub not in {h.id for h in search_text(db, query=PaperQuery(product="Veye")).hits}


def test_grade_override_reads_the_same_everywhere(db, ids) -> None:  # type: ignore[no-untyped-def]
    pub = ids["Reproducibility of Pixyl.Neuro lesion segmentation"]
    override_grade(db, publication_id=pub, field_name="level", value="3", author="reviewer")
    override_grade(db, publication_id=pub, field_name="prospective", value=True, author="reviewer")
    paper = paper_detail(db, publication_id=pub)
    assert paper is not None
    assert paper.grade["level"] == {"value": "3", "auto": "1t", "overridden": True}
    grades = {r["publication_id"]: r for r in _export(db, "grades")}
    assert grades[pub]["level"] == "3" and grades[pub]["origin"] == "override"
    assert grades[pub]["confidence"] is None and grades[pub]["bucket"] == "clinical"
    assert [h.id for h in search_text(db, query=PaperQuery(level="3")).hits].count(pub) == 1
    assert pub not in {h.id for h in search_text(db, query=PaperQuery(level="1t")).hits}
    gaps = {r["product_id"]: r for r in _export(db, "gaps")}["pixyl-neuro"]
    assert gaps["highest_level"] == "3" and not gaps["no_prospective_study"]


def test_figures_are_one_computation(db, ids) -> None:  # type: ignore[no-untyped-def]
    override_grade(db, publication_id=ids["BoneView fracture detection: multicentre reader study"],
                   field_name="multinational", value=True, author="reviewer")
    figures = store_figures(db)
    report = evidence_figures(db)
    # peer-reviewed evidence: the 9 graded papers of the fixed store minus the rejected one,
    # plus the hand-linked one; the retracted paper and the preprint are left out
    assert figures.value("papers") == "9"
    assert report["evidence papers"] == "9  [2021: 237, 2025: 639]"
    assert report["product: with peer-reviewed evidence"].startswith("78% (7/9)")
    assert "[2021: 36%, 2025: 66%]" in report["product: with peer-reviewed evidence"]
    assert figures.basis.startswith("peer-reviewed evidence papers")
    assert report["paper: overridden by a person"] == "11% (1/9)"
    assert report["paper: multinational"].startswith("11% (1/9)")


def test_review_commands_write_through_the_core(db, ids, db_url) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from tracker.cli import app as cli  # the Typer app with every command registered

    runner = CliRunner()
    pub = str(ids["Reproducibility of Pixyl.Neuro lesion segmentation"])
    ok = runner.invoke(cli, ["review", "link", pub, "rapid-lvo", "--by", "ana", "--why", "x",
                             "--database-url", db_url])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["review", "grade", pub, "--level", "7", "--by", "ana",
                              "--database-url", db_url])
    assert bad.exit_code == 2 and "not an efficacy level" in bad.output
    nobody = runner.invoke(cli, ["review", "feature", pub, "rct", "true", "--by", " ",
                                 "--database-url", db_url])
    assert nobody.exit_code == 2
    db.expire_all()
    assert int(pub) in {p.publication_id for p in product_detail(
        db, product_id=ids["rapid-lvo"]).papers}  # type: ignore[union-attr]
