"""Pilot tests: every screen opens, navigates, filters, searches and records an override on
the small fixed store; every screen says so when the store is empty; markup in scraped text
is displayed literally."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from sqlmodel import select
from textual.widgets import DataTable, Input, Static
from tui_store import MARKUP_TITLE, build_store

from tracker.config import get_settings
from tracker.db.models import Override
from tracker.tui.app import make_app

SIZE = (160, 48)
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _app(engine: Any, db_url: str, **kw: Any) -> Any:
    return make_app(get_settings(database_url=db_url), engine=engine, author="tester", **kw)


async def _settle(app: Any, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _table_text(table: DataTable[Any]) -> list[list[str]]:
    return [[c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


@pytest.fixture
def ids(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_store(engine)


async def test_number_keys_visit_every_screen(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        seen = []
        for key in "123456":
            await pilot.press(key)
            await _settle(app, pilot)
            seen.append(type(app.screen).__name__)
        assert seen == ["MarketScreen", "GapsScreen", "ProductsScreen", "PapersScreen",
                        "ReviewScreen", "RunsScreen"]
        await pilot.click("#nav-products")  # the tabs work with the mouse
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ProductsScreen"


async def test_market_screen_shows_tree_and_timeline(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        tree = app.screen.query_one("#ownership")
        roots = [str(n.label) for n in tree.root.children]
        assert roots[:3] == ["Gleamer", "Lunit", "RadNet"]
        radnet = tree.root.children[2]
        deephealth = radnet.children[0]
        assert str(deephealth.label).startswith("DeepHealth")
        assert [str(n.label).split()[0] for n in deephealth.children] == ["Aidence", "Quantib"]
        timeline = _table_text(app.screen.query_one("#timeline", DataTable))
        assert timeline[0][:4] == ["2020-03-01", "acquisition", "DeepHealth", "RadNet"]


async def test_products_filter_sort_and_detail(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        table = app.screen.query_one("#products", DataTable)
        assert table.row_count == 9
        await pilot.press("slash", *"lunit")
        await _settle(app, pilot)
        # the owner column counts too: Volpara Health belongs to Lunit
        assert [r[0] for r in _table_text(table)] == ["Lunit INSIGHT CXR", "Lunit INSIGHT MMG",
                                                      "Volpara Density"]
        await pilot.press("escape")  # clears the filter, back to the table
        await _settle(app, pilot)
        assert table.row_count == 9 and app.focused is table
        await pilot.press("s")  # sort by the first column
        await _settle(app, pilot)
        assert _table_text(table)[0][0] == "BoneView"
        await pilot.press("S")  # reversed
        await _settle(app, pilot)
        assert _table_text(table)[0][0] == "Volpara Density"
        await pilot.press("enter")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ProductDetailScreen"
        assert _table_text(app.screen.query_one("#product-registrations", DataTable))[0][2] == "K190003"
        await pilot.press("escape")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ProductsScreen"


async def test_gaps_heatmap_filters_by_gap_list(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="gaps")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        heat = app.screen.query_one("#heatmap", DataTable)
        assert heat.row_count == 9
        await pilot.press("g")  # first gap list: no peer-reviewed evidence
        await _settle(app, pilot)
        assert sorted(r[0] for r in _table_text(heat)) == ["Quantib Prostate", "Volpara Density"]
        figures = {r[0]: r for r in _table_text(app.screen.query_one("#figures", DataTable))}
        assert figures["products with peer-reviewed evidence"][2].startswith("78%")
        assert figures["products with peer-reviewed evidence"][3] == "36%"


async def test_paper_search_and_markup_is_literal(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="papers")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"nodules", "enter")
        await _settle(app, pilot)
        table = app.screen.query_one("#papers", DataTable)
        titles = [r[2] for r in _table_text(table)]
        assert titles[0].startswith("[bold]Deep[/] learning for [red]lung[/red]")
        rendered = table.render_line(1).text  # the first data row as drawn on screen
        assert "[bold]Deep[/]" in rendered
        await pilot.press("enter")
        await _settle(app, pilot)
        title = app.screen.query_one("#paper-title", Static)
        assert str(title.render()).startswith(MARKUP_TITLE)


async def test_review_confirm_and_override_level(engine, db, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="review")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        queue = app.screen.query_one("#queue", DataTable)
        assert queue.row_count == 6

        def row_of(kind: str) -> int:  # the first row of that kind, in the queue's order
            keys = [str(row.key.value) for row in queue.ordered_rows]
            return next(i for i, key in enumerate(keys)
                        if app.screen.items[key].kind == kind)  # type: ignore[attr-defined]

        queue.move_cursor(row=row_of("link"))
        await pilot.press("x")  # reject the most valuable link
        await _settle(app, pilot)
        queue.move_cursor(row=row_of("link"))
        await pilot.press("c")  # confirm the next link
        await _settle(app, pilot)
        queue.move_cursor(row=row_of("grade"))
        await pilot.press("x")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "LevelPicker"
        await pilot.press("3")
        await _settle(app, pilot)
        assert queue.row_count == 3
    rows = db.exec(select(Override).order_by(Override.id)).all()
    assert [(o.target, o.value) for o in rows] == [("link", False), ("link", True), ("grade", "3")]
    assert {o.author for o in rows} == {"tester"}


async def test_runs_screen_shows_source_errors(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="runs")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        sources = _table_text(app.screen.query_one("#sources", DataTable))
        assert sources[1][:2] == ["pubmed", "failed"]
        errors = str(app.screen.query_one("#run-errors", Static).render())
        assert "HTTP 429 [Too Many Requests]" in errors


async def test_help_and_theme(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("question_mark")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "HelpScreen"
        keys = [r[1] for r in _table_text(app.screen.query_one("#help-keys", DataTable))]
        assert "Filter" in keys and "Sort by next column" in keys
        await pilot.press("escape")
        await pilot.press("t")
        assert app.theme == "textual-light"
        await pilot.press("t")
        assert app.theme == "textual-dark"


@pytest.mark.parametrize("mode", ["market", "gaps", "products", "papers", "review", "runs"])
async def test_empty_store_says_so(engine, db_url, mode: str) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start=mode)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        empty = app.screen.query_one(f"#{mode}-empty", Static)
        assert empty.display
        assert "tracker" in str(empty.render())


async def test_slash_on_market_goes_to_paper_search(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "PapersScreen"
        assert isinstance(app.focused, Input) and app.focused.id == "paper-search"


async def test_systems_switch_puts_imaging_systems_in_and_out(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import Session

    from tracker.db.models import Product

    with Session(engine) as s:  # one product of the fixed store is a scanner
        scanner = s.exec(select(Product).where(Product.name == "BoneView")).one()
        scanner.kind = "imaging-system"
        s.add(scanner)
        s.commit()
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        table = app.screen.query_one("#products", DataTable)
        names = [r[0] for r in _table_text(table)]
        assert table.row_count == 8 and "BoneView" not in names  # AI software only
        await pilot.press("i")
        await _settle(app, pilot)
        assert app.store.include_systems and table.row_count == 9
        assert "BoneView" in [r[0] for r in _table_text(table)]
        await pilot.press("i")
        await _settle(app, pilot)
        assert table.row_count == 8
