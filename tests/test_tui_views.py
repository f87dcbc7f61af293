"""The view queries behind the TUI, on the small fixed store (tests/tui_store.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select
from tui_store import MARKUP_TITLE, build_store

from tracker.db.models import Override, PaperMention
from tracker.evidence.effective import evidence_set
from tracker.evidence.figures import compute_figures
from tracker.views.gaps import evidence_gaps
from tracker.views.market import independent_brands, market_view, ownership_roots
from tracker.views.paper_detail import paper_detail
from tracker.views.papers import PaperQuery, search_semantic, search_text
from tracker.views.product_detail import product_detail
from tracker.views.products import filter_rows, product_rows, sort_rows
from tracker.views.review import decide, review_queue
from tracker.views.runs import recent_runs, source_runs


@pytest.fixture
def ids(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_store(engine)


def test_product_rows_carry_owner_registrations_and_levels(db, ids) -> None:  # type: ignore[no-untyped-def]
    rows = {r.slug: r for r in product_rows(db)}
    veye = rows["veye-lung-nodules"]
    assert veye.owner == "RadNet"  # Aidence -> DeepHealth -> RadNet
    assert veye.ce_class == "IIb" and veye.fda_pathway == ""
    assert veye.counts == {"3": 1, "1c": 1, "2": 1} and veye.highest == "3"
    assert veye.papers == 4  # the review is linked but is not evidence
    assert rows["lunit-insight-cxr"].fda_pathway == "510(k)"
    assert rows["lunit-insight-cxr"].first_registration.isoformat() == "2019-10-01"
    assert rows["rapid-lvo"].owner == "independent"


def test_filter_and_sort(db, ids) -> None:  # type: ignore[no-untyped-def]
    rows = product_rows(db)
    assert [r.name for r in filter_rows(rows, text="lunit chest")] == ["Lunit INSIGHT CXR"]
    assert {r.name for r in filter_rows(rows, text="level>=4")} == {"Lunit INSIGHT MMG", "Rapid LVO"}
    assert sort_rows(rows, key="papers", reverse=True)[0].name == "Veye Lung Nodules"


def test_gap_lists(db, ids) -> None:  # type: ignore[no-untyped-def]
    ev = evidence_set(db)
    gaps = evidence_gaps(product_rows(db, evidence=ev), ev)
    names = {k: {r.name for r in v} for k, v in gaps.lists.items()}
    assert names["no_peer_reviewed"] == {"Quantib Prostate", "Volpara Density"}
    assert names["only_technical"] == {"red dot", "Lunit INSIGHT CXR", "Pixyl.Neuro"}
    assert "BoneView" not in names["no_prospective"]


def test_store_figures_match_the_hand_count(db, ids) -> None:  # type: ignore[no-untyped-def]
    ev = evidence_set(db)
    figures = compute_figures(ev, products=9, vendors=8)
    assert figures.value("papers") == "9"  # the review has no level
    assert figures.value("products_with_evidence") == "78% (7/9)"
    assert figures.value("papers_level3_6") == "44% (4/9)"  # levels 3, 3, 4, 6


def test_override_changes_levels_and_removes_links(db, ids) -> None:  # type: ignore[no-untyped-def]
    queue = review_queue(db, threshold=0.6)
    link = next(i for i in queue if i.kind == "link" and i.title == MARKUP_TITLE)
    decide(db, item=link, accept=False, author="tester")
    grade = next(i for i in queue if i.kind == "grade" and "Pixyl" in i.title)
    decide(db, item=grade, accept=False, level="3", author="tester")
    rows = {r.slug: r for r in product_rows(db)}
    assert rows["veye-lung-nodules"].counts == {"3": 1, "1c": 1}  # the rejected link is gone
    assert rows["pixyl-neuro"].highest == "3"  # the override wins
    after = review_queue(db, threshold=0.6)
    assert len(after) == len(queue) - 2
    saved = db.exec(select(Override)).all()
    assert {(o.target, o.author) for o in saved} == {("link", "tester"), ("grade", "tester")}


def test_market_view_years_and_tree(db, ids) -> None:  # type: ignore[no-untyped-def]
    view = market_view(db)
    by_year = {y.year: y for y in view.years}
    assert by_year[2021].owners == 8 and by_year[2022].owners == 7  # RadNet takes Aidence+Quantib
    assert by_year[2022].exits == ["Aidence", "Quantib"]
    assert by_year[2019].entrants == ["Lunit", "Quantib", "Volpara Health"]
    assert view.registrations["FDA"][2018] == 1
    roots = [view.companies[c] for c in ownership_roots(view)]
    assert roots == ["Gleamer", "Lunit", "RadNet"]
    assert "Aidence" not in {view.companies[c] for c in independent_brands(view)}


def test_paper_search_filters(db, ids) -> None:  # type: ignore[no-untyped-def]
    page = search_text(db, query=PaperQuery(text="lung"))
    assert {h.title for h in page.hits} >= {MARKUP_TITLE}
    assert all(h.level == "3" for h in search_text(db, query=PaperQuery(level="3")).hits)
    assert [h.year for h in search_text(db, query=PaperQuery(year=2023)).hits] == [2023, 2023]
    lunit = search_text(db, query=PaperQuery(product="Lunit INSIGHT CXR"))
    assert lunit.total == 2
    assert search_text(db, query=PaperQuery(text="30000003")).hits[0].title.startswith("Lunit")
    independent = search_text(db, query=PaperQuery(vendor_independent=False))
    assert all(h.vendor_independent is False for h in independent.hits) and independent.total == 3


def test_semantic_search_says_why_when_there_is_no_index(db, ids) -> None:  # type: ignore[no-untyped-def]
    from tracker.config import get_settings

    page = search_semantic(db, query=PaperQuery(text="lung nodules"), settings=get_settings())
    assert page.hits == [] and "semantic search" in page.method


def test_product_detail_and_runs(db, ids) -> None:  # type: ignore[no-untyped-def]
    detail = product_detail(db, product_id=ids["veye-lung-nodules"])
    assert detail is not None
    assert [r["number"] for r in detail.registrations] == ["CE-AID-1"]
    assert detail.news[0]["title"] == "RadNet acquires Aidence and Quantib"
    assert detail.ownership[0]["owner"] == "DeepHealth"
    runs = recent_runs(db)
    assert runs[0].errors == 2 and runs[0].duration == "12m30s"
    assert [s["source"] for s in source_runs(db, run_id=runs[0].id)] == ["fda_list", "pubmed"]


REVIEW = "Artificial intelligence in radiology: a review"
MMG = "Lunit INSIGHT MMG in breast screening: a prospective study"


def _mention(db, ids) -> None:  # type: ignore[no-untyped-def]
    """The review lists Lunit INSIGHT CXR and BoneView; the MMG study used Lunit INSIGHT CXR
    as a tool (neither evaluates it)."""
    db.add(PaperMention(publication_id=ids[REVIEW], product_id=ids["lunit-insight-cxr"],
                        role="listed", evidence="Products such as Lunit INSIGHT CXR are on the market.",
                        model_version="linker-test"))
    db.add(PaperMention(publication_id=ids[REVIEW], product_id=ids["gleamer-boneview"],
                        role="cited", evidence="BoneView detected fractures [12]."))
    db.add(PaperMention(publication_id=ids[MMG], product_id=ids["lunit-insight-cxr"],
                        role="used-as-tool", evidence="Chest films were read with Lunit INSIGHT CXR."))
    db.commit()


def test_mentions_are_shown_apart_and_never_counted(db, ids) -> None:  # type: ignore[no-untyped-def]
    before_rows = {r.slug: (r.papers, r.counts, r.highest) for r in product_rows(db)}
    before = product_detail(db, product_id=ids["lunit-insight-cxr"])
    assert before is not None and before.mentioned_in == []
    _mention(db, ids)
    detail = product_detail(db, product_id=ids["lunit-insight-cxr"])
    assert detail is not None
    assert [(m.publication_id, m.title, m.year, m.role, m.sentence) for m in detail.mentioned_in] == [
        (ids[MMG], MMG, 2023, "used-as-tool", "Chest films were read with Lunit INSIGHT CXR."),
        (ids[REVIEW], REVIEW, 2022, "listed", "Products such as Lunit INSIGHT CXR are on the market.")]
    assert detail.mentioned_in[0].url == "https://pubmed.ncbi.nlm.nih.gov/30000004/"
    # the evidence papers are the linked ones only
    assert [p.publication_id for p in detail.papers] == [p.publication_id for p in before.papers]
    assert {p.publication_id for p in detail.papers}.isdisjoint({ids[MMG], ids[REVIEW]})
    # no evidence figure moves
    assert {r.slug: (r.papers, r.counts, r.highest) for r in product_rows(db)} == before_rows
    ev = evidence_set(db)
    assert compute_figures(ev, products=9, vendors=8).value("products_with_evidence") == "78% (7/9)"
    assert ids[REVIEW] not in ev.product(ids["lunit-insight-cxr"]).papers


def test_paper_detail_lists_the_products_it_mentions(db, ids) -> None:  # type: ignore[no-untyped-def]
    _mention(db, ids)
    review = paper_detail(db, publication_id=ids[REVIEW])
    assert review is not None
    assert review.mentions == [
        {"product_id": ids["gleamer-boneview"], "product": "BoneView", "company": "Gleamer",
         "role": "cited", "sentence": "BoneView detected fractures [12]."},
        {"product_id": ids["lunit-insight-cxr"], "product": "Lunit INSIGHT CXR", "company": "Lunit",
         "role": "listed", "sentence": "Products such as Lunit INSIGHT CXR are on the market."}]
    assert [link["product_id"] for link in review.links] == [ids["veye-lung-nodules"]]  # unchanged
    plain = paper_detail(db, publication_id=ids["BoneView fracture detection: multicentre reader study"])
    assert plain is not None and plain.mentions == []


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_detail_screens_render_the_mentions(engine, db_url, db, ids) -> None:  # type: ignore[no-untyped-def]
    from rich.text import Text
    from textual.widgets import DataTable

    from tracker.config import get_settings
    from tracker.tui.app import make_app
    from tracker.tui.screens.product_detail import ProductDetailScreen

    def rows(table: DataTable[Any]) -> list[list[str]]:
        return [[c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)]
                for i in range(table.row_count)]

    _mention(db, ids)
    app = make_app(get_settings(database_url=db_url), engine=engine, author="tester", start="products")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        app.push_screen(ProductDetailScreen(ids["lunit-insight-cxr"]))
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        mentions = app.screen.query_one("#product-mentions", DataTable)
        assert [r[:3] for r in rows(mentions)] == [["2023", "used-as-tool", MMG],
                                                   ["2022", "listed", REVIEW]]
        papers = rows(app.screen.query_one("#product-papers", DataTable))
        assert REVIEW not in {r[2] for r in papers}
        mentions.focus()
        mentions.move_cursor(row=1)
        await pilot.press("enter")  # opens the mentioning paper
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert type(app.screen).__name__ == "PaperDetailScreen"
        assert rows(app.screen.query_one("#paper-mentions", DataTable)) == [
            ["BoneView", "Gleamer", "cited", "BoneView detected fractures [12]."],
            ["Lunit INSIGHT CXR", "Lunit", "listed", "Products such as Lunit INSIGHT CXR are on the market."]]


def test_views_import_no_textual() -> None:
    import subprocess
    import sys

    code = ("import sys, tracker.views.products, tracker.views.papers, tracker.views.market, "
            "tracker.views.review, tracker.views.runs, tracker.views.gaps, tracker.evidence.figures\n"
            "print([m for m in ('textual', 'torch', 'faiss') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
