"""Platforms: the seed file (every entry sourced), idempotent seeding, carriages extracted
from news (real news items of the fixture and written sentences), the views and the
``platforms`` export."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import jsonschema
import pytest
from sqlmodel import select
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db.engine import session
from tracker.db.models import Company, NewsItem, Platform, PlatformProduct, Product, ProductAlias
from tracker.exports.run import export_kind
from tracker.products.platforms import (
    PLATFORM_KINDS,
    CarriageExtractor,
    PlatformSeedError,
    extract_carriages,
    parse_dated,
    platforms_step,
    read_platforms,
    seed_platforms,
)
from tracker.store.companies import get_or_create_company
from tracker.views.platforms import platform_detail, platform_rows, platforms_for_product

ROOT = Path(__file__).resolve().parents[1]
NEWS = [json.loads(line) for line in (ROOT / "tests/fixtures/market/news_items.jsonl").read_text("utf-8").splitlines()
        if line.strip()]


def _product(s, company: str, name: str, *, kind: str = "software", aliases: tuple[str, ...] = ()) -> Product:  # type: ignore[no-untyped-def]
    owner = get_or_create_company(s, name=company, source="test")
    product = Product(slug=f"{owner.normalized_name}-{name}".lower().replace(" ", "-"), company_id=owner.id,
                      name=name, normalized_name=name.lower(), kind=kind, source="test",
                      source_url="https://example.org/product")
    s.add(product)
    s.flush()
    for alias in aliases:
        s.add(ProductAlias(product_id=product.id, alias=alias, normalized=alias.lower(), source="test"))
    s.flush()
    return product


@pytest.fixture
def store(engine):  # type: ignore[no-untyped-def]
    with session(engine) as s:
        _product(s, "Lunit Inc.", "Lunit INSIGHT MMG")
        _product(s, "Gleamer", "BoneView")
        _product(s, "Qure.ai Technologies", "qER")
        _product(s, "GE Medical Systems, LLC", "Revolution CT", kind="imaging-system")
        s.commit()
    return engine


def test_the_packaged_file_is_valid_and_every_entry_has_a_source() -> None:
    entries = read_platforms()
    assert len(entries) >= 12
    assert len({e.slug for e in entries}) == len(entries)
    for entry in entries:
        assert entry.kind in PLATFORM_KINDS
        assert entry.source_url.startswith("https://"), entry.slug
        for carriage in entry.products:
            assert carriage.source_url.startswith("https://"), carriage.product
    kinds = {e.kind for e in entries}
    assert kinds == set(PLATFORM_KINDS)  # each kind the overview describes is represented
    names = {e.slug for e in entries}
    assert {"blackford", "calantic", "carpl", "deepc", "incepto", "siemens-digital-marketplace"} <= names


def test_dates_keep_their_precision() -> None:
    assert parse_dated("2020-07-14") == (date(2020, 7, 14), "day")
    assert parse_dated("2022-06") == (date(2022, 6, 1), "month")
    assert parse_dated("2017") == (date(2017, 1, 1), "year")
    assert parse_dated(None) == (None, None)
    with pytest.raises(PlatformSeedError):
        parse_dated("June 2022")
    with pytest.raises(PlatformSeedError):
        parse_dated("2022-13")


def test_a_platform_or_carriage_without_a_source_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "p.toml"
    bad.write_text('[[platform]]\nslug = "x"\nname = "X"\nkind = "independent"\n', "utf-8")
    with pytest.raises(PlatformSeedError, match="source"):
        read_platforms(bad)
    bad.write_text('[[platform]]\nslug = "x"\nname = "X"\nsource = "https://x.example"\n'
                   '[[platform.product]]\nproduct = "P"\ncompany = "C"\n', "utf-8")
    with pytest.raises(PlatformSeedError, match="source"):
        read_platforms(bad)
    bad.write_text('[[platform]]\nslug = "x"\nname = "X"\nkind = "shop"\nsource = "https://x.example"\n', "utf-8")
    with pytest.raises(PlatformSeedError, match="kind"):
        read_platforms(bad)


def test_seeding_is_idempotent_and_creates_sourced_carriages(store) -> None:  # type: ignore[no-untyped-def]
    with session(store) as s:
        first = seed_platforms(s)
        s.commit()
        second = seed_platforms(s)
        s.commit()
        assert first["platforms_new"] == len(read_platforms())
        assert second.get("platforms_new", 0) == 0 and second.get("platforms_updated", 0) == 0
        assert second.get("carriages_new", 0) == 0 and second.get("carriages_updated", 0) == 0
        # GE Thoracic Care Suite: Lunit INSIGHT CXR is created (create = true) under the stored Lunit
        ge = s.exec(select(Platform).where(Platform.slug == "ge-edison")).one()
        rows = s.exec(select(PlatformProduct).where(PlatformProduct.platform_id == ge.id)).all()
        assert len(rows) == 1
        carried = s.get(Product, rows[0].product_id)
        lunit = s.exec(select(Company).where(Company.normalized_name == "lunit")).one()
        assert carried.name == "Lunit INSIGHT CXR" and carried.company_id == lunit.id
        assert carried.source_url == rows[0].source_url == "https://pt.dotmed.com/legal/print/story.html?nid=51854"
        assert (rows[0].since, rows[0].since_precision, rows[0].origin) == (date(2020, 7, 14), "day", "seed")
        # BrainScan CT names no vendor and is not in the store: left unresolved, not invented
        assert "deepc: BrainScan CT" in first["unresolved"]
        # the operator resolves to the stored company (GE's legal entity), not a new one
        assert ge.company_id == s.exec(select(Company).where(Company.normalized_name == "ge medical systems")).one().id \
            or s.get(Company, ge.company_id).name == "GE HealthCare"


@pytest.fixture
def seeded(store):  # type: ignore[no-untyped-def]
    with session(store) as s:
        seed_platforms(s)
        s.commit()
    return store


@pytest.mark.parametrize("sentence,expected", [
    ("Gleamer's BoneView is now available on the Blackford platform.", ("blackford", "BoneView")),
    ("Lunit INSIGHT MMG has been added to the Sectra Amplifier Marketplace in Europe.",
     ("sectra-amplifier", "Lunit INSIGHT MMG")),
    ("Qure.ai joins Calantic's AI marketplace with its head CT triage.", ("calantic", "qER")),
    ("From today, qER is available through the deepcOS platform to hospitals in Germany.", ("deepc", "qER")),
])
def test_written_sentences_give_a_carriage(seeded, sentence: str, expected: tuple[str, str]) -> None:  # type: ignore[no-untyped-def]
    with session(seeded) as s:
        extractor = CarriageExtractor(s)
        found = [(c.platform_slug, extractor.index.products[c.product_id].name) for c in extractor.extract(sentence)]
    assert found == [expected]


@pytest.mark.parametrize("sentence", [
    "Blackford was acquired by Bayer in 2023.",  # a platform, no carriage
    "BoneView is now available in 40 countries.",  # no platform
    "The Siemens Healthineers Digital Marketplace now offers more apps than ever.",  # no product
    "Qure.ai, which has several products, is now available on the Blackford platform.",  # vendor, no product
])
def test_sentences_without_a_carriage_give_none(seeded, sentence: str) -> None:  # type: ignore[no-untyped-def]
    with session(seeded) as s:
        _product(s, "Qure.ai Technologies", "qXR")  # now Qure.ai has two products: a vendor alone is ambiguous
        assert CarriageExtractor(s).extract(sentence) == []


def test_real_news_items_name_no_platform_carriage(seeded) -> None:  # type: ignore[no-untyped-def]
    """None of the recorded real news items (acquisitions, clearances, funding) reports a
    product joining a platform: extraction must find nothing in them."""
    with session(seeded) as s:
        for item in NEWS:
            s.add(NewsItem(url=item["url"], title=item.get("title") or item["url"], source="fixture",
                           summary=json.dumps(item.get("label", {}))))
        s.commit()
        counts = extract_carriages(s)
        s.commit()
        assert counts["news_items"] == len(NEWS)
        assert not [k for k in counts if k.startswith("carriages_")]
        assert s.exec(select(PlatformProduct).where(PlatformProduct.origin == "extracted")).all() == []


def test_news_carriage_is_stored_with_its_url_and_never_overrides_the_seed(seeded) -> None:  # type: ignore[no-untyped-def]
    url = "https://news.example.org/boneview-blackford"
    with session(seeded) as s:
        s.add(NewsItem(url=url, title="Gleamer expands distribution", source="fixture",
                       published=datetime(2024, 3, 5, tzinfo=UTC),
                       body="PARIS. Gleamer's BoneView is now available on the Blackford platform. More to come."))
        s.add(NewsItem(url="https://news.example.org/cxr", title="GE news", source="fixture",
                       published=datetime(2024, 4, 1, tzinfo=UTC),
                       body="Lunit INSIGHT CXR is now available on the Edison platform."))
        s.commit()
        first = platforms_step(s)
        second = platforms_step(s)
        assert first["extracted"]["carriages_new"] == 1 and first["extracted"]["carriages_kept"] == 1
        assert second["changed"] == 0
        row = s.exec(select(PlatformProduct).where(PlatformProduct.origin == "extracted")).one()
        assert row.source_url == url and row.since == date(2024, 3, 5) and row.since_precision == "day"
        ge_row = s.exec(select(PlatformProduct).join(Platform, Platform.id == PlatformProduct.platform_id)
                        .where(Platform.slug == "ge-edison")).one()
        assert ge_row.origin == "seed" and ge_row.since == date(2020, 7, 14)


def test_views_count_software_and_show_sources(seeded) -> None:  # type: ignore[no-untyped-def]
    with session(seeded) as s:
        platform = s.exec(select(Platform).where(Platform.slug == "blackford")).one()
        boneview = s.exec(select(Product).where(Product.name == "BoneView")).one()
        scanner = s.exec(select(Product).where(Product.name == "Revolution CT")).one()
        for product in (boneview, scanner):
            s.add(PlatformProduct(platform_id=platform.id, product_id=product.id, origin="manual", source="test",
                                  source_url="https://example.org/carriage", since=date(2024, 1, 1),
                                  since_precision="year"))
        s.commit()
        rows = {r.slug: r for r in platform_rows(s)}
        assert (rows["blackford"].products, rows["blackford"].vendors) == (1, 1)  # the scanner is not counted
        assert rows["blackford"].operator == "Blackford Analysis"
        assert {r.slug: r for r in platform_rows(s, include_systems=True)}["blackford"].products == 2
        detail = platform_detail(s, platform.id)
        assert [c.product for c in detail.carried] == ["BoneView"]
        assert detail.vendors == [("Gleamer", 1)]
        assert [(p.slug, p.origin, p.source_url) for p in platforms_for_product(s, boneview.id)] == [
            ("blackford", "manual", "https://example.org/carriage")]
        assert platforms_for_product(s, 10_000) == []


def test_platforms_export_validates_against_its_schema(seeded, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    schema = json.loads((ROOT / "tracker/exports/schemas/platforms.schema.json").read_text())
    count = export_kind(seeded, kind="platforms", fmt="jsonl", out=tmp_path / "p.jsonl")
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text().splitlines()]
    assert count == len(rows) >= 1
    for row in rows:
        jsonschema.validate(row, schema)
        assert row["source_url"].startswith("https://")
    ge = next(r for r in rows if r["platform"] == "ge-edison")
    assert (ge["platform_kind"], ge["product"], ge["company"], ge["since"], ge["since_precision"], ge["origin"]) == (
        "oem-marketplace", "Lunit INSIGHT CXR", "Lunit Inc.", "2020-07-14", "day", "seed")


def test_cli_lists_platforms_and_one_platform(seeded, db_url: str) -> None:  # type: ignore[no-untyped-def]
    runner = CliRunner()
    out = runner.invoke(app, ["platforms", "--database-url", db_url])
    assert out.exit_code == 0, out.output
    assert "blackford" in out.output and "ge-edison" in out.output
    one = runner.invoke(app, ["platforms", "ge-edison", "--database-url", db_url])
    assert one.exit_code == 0 and "Lunit INSIGHT CXR [Lunit Inc.] since 2020-07-14 (seed)" in one.output
    assert runner.invoke(app, ["platforms", "nope", "--database-url", db_url]).exit_code == 2


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_tui_platforms_screen_lists_platforms_and_carried_products(seeded, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from textual.widgets import DataTable, Static

    from tracker.config import get_settings
    from tracker.tui.app import make_app
    from tracker.tui.screens.platforms import PlatformsScreen

    app = make_app(get_settings(database_url=db_url), engine=seeded, author="tester", start="runs")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, PlatformsScreen)
        table = app.screen.query_one("#platforms", DataTable)
        assert table.row_count == len(read_platforms())
        first = str(table.get_row_at(0)[0])
        assert first == "GE HealthCare Edison"  # the one platform with a carried product in this store
        carried = app.screen.query_one("#platform-products", DataTable)
        assert [str(c) for c in carried.get_row_at(0)[:4]] == ["Lunit INSIGHT CXR", "Lunit Inc.", "2020-07-14", "seed"]
        assert "1 products from 1 vendors" in str(app.screen.query_one("#platform-title", Static).render())
        await pilot.press("escape")
        assert not isinstance(app.screen, PlatformsScreen)
