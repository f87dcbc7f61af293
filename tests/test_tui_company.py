"""Pilot tests of the analyst features on the small fixed store: the company screen (from the
ownership tree and from a product), marking and comparing products, the subspecialty /
type / finding filters, CSV export of the table on screen, the help glossary, names that
stay distinct on screen and the papers-by-level-per-year counts behind the chart."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from sqlmodel import Session
from textual.widgets import DataTable, Select, Static
from tui_store import FIXED, build_store

from tracker.config import get_settings
from tracker.db.models import Company, Product
from tracker.evidence.vocabulary import LEVEL_NAMES, LEVELS
from tracker.tui.app import make_app
from tracker.tui.text import distinct_clips
from tracker.views.compare import findings_catalogue
from tracker.views.gaps import GAP_RULES, GAP_TITLES

SIZE = (160, 48)
pytestmark = pytest.mark.anyio

TYPES_AND_FINDINGS = {  # slug: (product type, findings), set by the tests (the fixed store has none)
    "rapid-lvo": ("triage/notification", ["LVO", "ICH"]),
    "veye-lung-nodules": ("detection", ["Lung nodules"]),
    "gleamer-boneview": ("detection", ["Fracture"]),
}
LVO = "Large vessel occlusion (LVO)"  # a clinical task of tracker.products.tasks
# Two names that share a long prefix and a long suffix: clipped in the middle they would look alike.
LONG_A = "Example Chest X-ray Triage Suite Pneumothorax Detection Module v2"
LONG_B = "Example Chest X-ray Triage Suite Pleural Effusion Detection Module v2"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ids(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_store(engine)


@pytest.fixture
def typed(engine, ids) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        for slug, (product_type, findings) in TYPES_AND_FINDINGS.items():
            product = s.get(Product, ids[slug])
            assert product is not None
            product.product_type, product.findings = product_type, findings
            s.add(product)
        s.commit()
    return ids


def _app(engine: Any, db_url: str, **kw: Any) -> Any:
    return make_app(get_settings(database_url=db_url), engine=engine, author="tester", **kw)


async def _settle(app: Any, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _table_text(table: DataTable[Any]) -> list[list[str]]:
    return [[c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


def _drawn(table: DataTable[Any]) -> list[str]:
    """The table's lines as drawn on screen (header first)."""
    return [table.render_line(y).text for y in range(table.row_count + 1)]


def _exports(app: Any) -> list[Path]:
    return sorted((Path(app.store.settings.data_dir) / "exports").glob("tui-*.csv"))


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


async def test_company_screen_opens_from_the_ownership_tree(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        tree = app.screen.query_one("#ownership")
        radnet = next(n for n in tree.root.children if str(n.label) == "RadNet")
        tree.move_cursor(radnet)
        tree.focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        screen = app.screen
        assert type(screen).__name__ == "CompanyScreen"
        title = str(screen.query_one("#company-title", Static).render())
        assert title.startswith("RadNet") and "owns now: Aidence, DeepHealth, Quantib" in title
        products = _table_text(screen.query_one("#company-products", DataTable))
        assert sorted(r[0] for r in products) == ["Quantib Prostate", "Veye Lung Nodules"]
        history = _table_text(screen.query_one("#company-history", DataTable))
        assert history == [["2020-03-01", "acquisition", "RadNet", "DeepHealth", "yes",
                            str(ids_event(engine, "DeepHealth")), "https://theimagingwire.com/"]]
        events = _table_text(screen.query_one("#company-events", DataTable))
        assert [r[:4] for r in events] == [["2020-03-01", "acquisition", "DeepHealth", "RadNet"]]
        profile = dict(_table_text(screen.query_one("#company-profile", DataTable)))  # type: ignore[arg-type]
        # Veye's three graded papers (1c, 2, 3; the review has no level), Quantib has none
        assert profile["products"] == "2 (1 with evidence)"
        assert profile["evidence papers"] == "3 (3 peer-reviewed, 0 preprints)"
        assert [profile[f"level {lv} {LEVEL_NAMES[lv]}"] for lv in LEVELS] == \
            ["0", "1", "1", "1", "0", "0", "0"]
        assert profile["vendor-independent"].startswith("2 (67%")
        assert profile["prospective"].startswith("1 (33%")
        assert profile["sample size min / median / max"] == "none recorded"
        rule = str(screen.query_one("#company-rule", Static).render())
        assert "not retracted" in rule and "publication ids" in rule
        # Enter on a product opens it; Esc comes back
        screen.query_one("#company-products").focus()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ProductDetailScreen"
        await pilot.press("escape")
        await _settle(app, pilot)
        assert app.screen is screen


def ids_event(engine: Any, target: str) -> int:
    """The id of the acquisition event whose target is ``target``."""
    from sqlmodel import select

    from tracker.db.models import CompanyEvent

    with Session(engine) as s:
        company = s.exec(select(Company).where(Company.name == target)).one()
        event = s.exec(select(CompanyEvent).where(CompanyEvent.company_id == company.id)).one()
        return int(event.id or 0)


async def test_product_detail_opens_its_company(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"mmg", "enter")  # Lunit INSIGHT MMG
        await _settle(app, pilot)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ProductDetailScreen"
        await pilot.press("o")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "CompanyScreen"
        assert str(app.screen.query_one("#company-title", Static).render()).startswith("Lunit")
        names = [r[0] for r in _table_text(app.screen.query_one("#company-products", DataTable))]
        assert names == ["Lunit INSIGHT CXR", "Lunit INSIGHT MMG", "Volpara Density"]  # owns Volpara


async def test_papers_by_level_per_year_for_the_chart(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url)
    years = app.store.papers_by_level_year([ids["veye-lung-nodules"], ids["lunit-insight-cxr"]])
    # Veye: 1c (2020), 3 (2021), 2 (2022); Lunit CXR: 2 (2020), 2 (2022, head-to-head)
    assert years == {2020: {"1c": 1, "2": 1}, 2021: {"3": 1}, 2022: {"2": 2}}


async def test_mark_compare_side_by_side(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        table = app.screen.query_one("#products", DataTable)
        assert [r[0] for r in _table_text(table)][:2] == ["Veye Lung Nodules", "red dot"]
        await pilot.press("m", "space")  # marks the first two rows (the cursor moves down)
        await _settle(app, pilot)
        status = str(app.screen.query_one("#products-status", Static).render())
        assert "2 marked" in status
        drawn = _drawn(table)
        assert drawn[1].lstrip().startswith("✓ Veye Lung Nodules")
        assert drawn[2].lstrip().startswith("✓ red dot")
        assert "✓" not in drawn[3]
        await pilot.press("slash", *"cxr", "enter")  # filter, mark Lunit INSIGHT CXR
        await _settle(app, pilot)
        assert [r[0] for r in _table_text(table)] == ["Lunit INSIGHT CXR"]
        await pilot.press("m")
        await pilot.press("escape")  # clear the filter: the earlier marks are still there
        await _settle(app, pilot)
        marked = [r[0] for r in _table_text(table) if r[0].startswith("✓ ")]
        assert marked == ["✓ Veye Lung Nodules", "✓ red dot", "✓ Lunit INSIGHT CXR"]
        await pilot.press("c")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "CompareScreen"
        compare = app.screen.query_one("#compare", DataTable)
        headers = [str(c.label) for c in compare.columns.values()]
        assert headers == ["", "Veye Lung Nodules", "red dot", "Lunit INSIGHT CXR"]
        rows = {r[0]: r[1:] for r in _table_text(compare)}
        assert rows["company / owner"] == ["Aidence / RadNet", "Behold.ai / independent",
                                           "Lunit / independent"]
        assert rows["FDA clearances"] == ["–", "–", "K200001 510(k) 2020-03-02"]
        assert rows["CE class (certificate, date)"] == ["IIb (CE-AID-1, 2018-09-01)",
                                                        "IIa (CE-BHL-1, 2020-07-01)",
                                                        "IIb (CE-LUN-1, 2019-10-01)"]
        assert rows["papers by level"] == ["1c: 1, 2: 1, 3: 1", "2: 1", "2: 2"]
        assert rows["vendor-independent"] == ["2 of 3", "1 of 1", "1 of 2"]
        assert rows["highest level"] == ["3", "2", "2"]
        assert rows["sample sizes min/med/max"] == ["none recorded"] * 3


async def test_compare_needs_two_marks(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("m", "c")
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "ProductsScreen"


async def test_filters_by_subspecialty_type_and_finding(engine, db_url, typed) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        table = screen.query_one("#products", DataTable)
        sub = screen.query_one("#products-subspecialty", Select)
        kind = screen.query_one("#products-type", Select)
        finding = screen.query_one("#products-finding", Select)
        assert [v for _, v in sub._options[1:]] == ["Abdomen", "Breast", "Chest", "MSK", "Neuro"]
        assert [v for _, v in kind._options[1:]] == ["detection", "triage/notification"]
        with Session(engine) as s:  # the finding filter offers the view's catalogue, with counts
            catalogue = findings_catalogue(s)
        assert [(str(label), value) for label, value in finding._options[1:]] == [
            (f"{name} ({n})", name) for name, n in catalogue]
        assert LVO in dict(catalogue)

        def names() -> list[str]:
            return sorted(r[0] for r in _table_text(table))

        sub.value = "Neuro"
        await _settle(app, pilot)
        assert names() == ["Pixyl.Neuro", "Rapid LVO"]
        finding.value = LVO
        await _settle(app, pilot)
        assert names() == ["Rapid LVO"]
        sub.value = Select.NULL
        finding.value = Select.NULL
        kind.value = "detection"
        await _settle(app, pilot)
        assert names() == ["BoneView", "Veye Lung Nodules"]
        await pilot.press("slash", *"lung")  # the text filter narrows further
        await _settle(app, pilot)
        assert names() == ["Veye Lung Nodules"]
    app = _app(engine, db_url, start="gaps")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        app.screen.query_one("#gaps-subspecialty", Select).value = "Breast"
        await _settle(app, pilot)
        heat = app.screen.query_one("#heatmap", DataTable)
        assert sorted(r[0] for r in _table_text(heat)) == ["Lunit INSIGHT MMG", "Volpara Density"]


async def test_export_writes_the_rows_shown(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:  # a name a spreadsheet would run as a formula
        red = s.get(Product, ids["red-dot"])
        assert red is not None
        red.display_name = "=red dot"
        s.add(red)
        s.commit()
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        screen.query_one("#products-subspecialty", Select).value = "Chest"
        await _settle(app, pilot)
        table = screen.query_one("#products", DataTable)
        await pilot.press("s", "S")  # sorted by product name, reversed
        await _settle(app, pilot)
        shown = _table_text(table)
        assert [r[0] for r in shown] == ["Veye Lung Nodules", "Lunit INSIGHT CXR", "=red dot"]
        await pilot.press("e")
        await _settle(app, pilot)
        [path] = _exports(app)
        assert path.parent == Path(app.store.settings.data_dir) / "exports"
        assert b"\r\n" in path.read_bytes()
        header, *rows = _read_csv(path)
        assert header == [str(c.label) for c in table.columns.values()] + ["product_id"]
        expected = [r[:] for r in shown]
        expected[2][0] = "'=red dot"  # neutralised by the project's writer
        # a dash on screen is an empty cell (no value) or 0 (a count of none) in the file
        assert [[c if c not in ("", "0") else "–" for c in r[:-1]] for r in rows] == expected
        assert [int(r[-1]) for r in rows] == [ids["veye-lung-nodules"], ids["lunit-insight-cxr"],
                                              ids["red-dot"]]
        assert any(str(path) in str(n.message) for n in app._notifications)


async def test_export_on_gaps_papers_and_company(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="gaps")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("g")  # no peer-reviewed evidence: Quantib Prostate, Volpara Density
        await _settle(app, pilot)
        await pilot.press("e")
        await _settle(app, pilot)
        [gaps] = _exports(app)
        header, *rows = _read_csv(gaps)
        assert header[:2] == ["product", "company"] and header[-1] == "product_id"
        assert sorted(r[0] for r in rows) == ["Quantib Prostate", "Volpara Density"]
        await pilot.press("4")
        await _settle(app, pilot)
        await pilot.press("slash", *"lunit", "enter")
        await _settle(app, pilot)
        await pilot.press("e")
        await _settle(app, pilot)
        papers = next(p for p in _exports(app) if p.name.startswith("tui-papers-"))
        header, *rows = _read_csv(papers)
        assert header == ["year", "level", "title", "journal", "products", "indep.", "score",
                          "publication_id"]
        shown = _table_text(app.screen.query_one("#papers", DataTable))
        assert [r[2] for r in rows] == [r[2] for r in shown]  # titles in full, same order
        assert len(rows) == 2
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("slash", *"mmg", "enter", "o")  # Lunit's company screen
        await _settle(app, pilot)
        assert type(app.screen).__name__ == "CompanyScreen"
        await pilot.press("e")
        await _settle(app, pilot)
        company = next(p for p in _exports(app) if "company" in p.name)
        _, *rows = _read_csv(company)
        assert [r[0] for r in rows] == ["Lunit INSIGHT CXR", "Lunit INSIGHT MMG", "Volpara Density"]


async def test_help_has_a_glossary_of_levels_and_gap_lists(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url, start="products")
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("question_mark")
        await _settle(app, pilot)
        levels = _table_text(app.screen.query_one("#help-levels", DataTable))
        assert [r[0] for r in levels] == list(LEVELS)
        assert [r[1] for r in levels] == [LEVEL_NAMES[lv] for lv in LEVELS]
        assert levels[2][3].startswith("standalone performance")
        gaps = _table_text(app.screen.query_one("#help-gaps", DataTable))
        assert gaps == [[GAP_TITLES[k], GAP_RULES[k]] for k in GAP_RULES]
        keys = [r[1] for r in _table_text(app.screen.query_one("#help-keys", DataTable))]
        assert {"Mark", "Compare marked", "Export CSV", "Company"} <= set(keys)


def test_distinct_clips_keep_names_apart() -> None:
    labels = distinct_clips([LONG_A, LONG_B, "Short name"], 32)
    assert labels["Short name"] == "Short name"
    assert labels[LONG_A] != labels[LONG_B]
    assert all(len(label) <= 32 for label in labels.values())
    assert "Pneumo" in labels[LONG_A] and "Pleural" in labels[LONG_B]


async def test_long_names_with_a_shared_prefix_stay_distinct_on_screen(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        vendor = Company(name="Example Vendor", normalized_name="example vendor", source="test",
                         created_at=FIXED)
        s.add(vendor)
        s.flush()
        for n, name in enumerate((LONG_A, LONG_B)):
            s.add(Product(slug=f"example-{n}", company_id=vendor.id, name=name, display_name=name,
                          normalized_name=name.lower(), modality="X-ray", subspecialty="Chest",
                          source="test", source_url="https://example.org/products/example",
                          created_at=FIXED))
        s.commit()
    for mode, table_id in (("products", "#products"), ("gaps", "#heatmap")):
        app = _app(engine, db_url, start=mode)
        async with app.run_test(size=SIZE) as pilot:
            await _settle(app, pilot)
            table = app.screen.query_one(table_id, DataTable)
            lines = [line for line in _drawn(table) if "Example Vendor" in line]
            assert len(lines) == 2
            product_cells = [line.split("Example Vendor")[0].strip() for line in lines]
            assert product_cells[0] != product_cells[1]
            assert any("Pneumo" in c for c in product_cells)
            assert any("Pleural" in c for c in product_cells)
