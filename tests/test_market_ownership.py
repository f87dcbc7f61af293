"""Ownership over time and consolidation metrics on the seeded events.

The products and their registration dates below are test data made up for the metrics (one
or two products per brand); the ownership comes from the packaged seed file."""

from datetime import date

import pytest
from sqlmodel import Session, select

from tracker.db.models import Company, Product, Registration
from tracker.market.metrics import market_stats
from tracker.market.ownership import (
    OwnershipGraph,
    owners_table,
    product_history,
    ultimate_parent_on,
)
from tracker.market.resolve import resolve_companies
from tracker.market.seed import SeedError, load_seed, read_seed
from tracker.records import EventRecord
from tracker.store import save_record
from tracker.store.companies import find_company, get_or_create_company

PRODUCTS = [  # company, product, first decision date
    ("Aidence", "Veye Lung Nodules", date(2019, 6, 1)), ("Quantib", "Quantib Prostate", date(2020, 5, 1)),
    ("DeepHealth", "Saige-Q", date(2021, 3, 1)), ("Kheiron Medical Technologies", "Mia", date(2020, 2, 1)),
    ("iCAD", "ProFound AI", date(2018, 12, 1)), ("iCAD", "ProFound Density", date(2020, 8, 1)),
    ("Lunit", "INSIGHT CXR", date(2019, 1, 1)), ("Lunit", "INSIGHT MMG", date(2020, 1, 1)),
    ("Volpara Health", "Volpara Density", date(2019, 4, 1)), ("Gleamer", "BoneView", date(2022, 3, 1)),
    ("Pixyl", "Pixyl.Neuro", date(2020, 9, 1)), ("Behold.ai", "red dot", date(2020, 7, 1)),
    ("Aidoc", "BriefCase ICH", date(2018, 8, 1)), ("Aidoc", "BriefCase PE", date(2019, 5, 1)),
    ("Zebra Medical Vision", "HealthCXR", date(2019, 11, 1)),
]


@pytest.fixture
def market(db: Session) -> Session:
    resolve_companies(db)
    load_seed(db)
    for number, (company_name, product_name, when) in enumerate(PRODUCTS):
        company = get_or_create_company(db, name=company_name, source="test")
        product = Product(slug=f"p{number}", company_id=company.id, name=product_name,
                          normalized_name=product_name.lower(), source="test")
        db.add(product)
        db.flush()
        db.add(Registration(regulator="FDA", kind="510(k)", number=f"K99{number:04d}", device_name=product_name,
                            applicant=company_name, company_id=company.id, product_id=product.id,
                            decision_date=when, source="test"))
    db.commit()
    return db


def cid(db: Session, name: str) -> int:
    company = find_company(db, name=name)
    assert company is not None, name
    return company.id or 0


def test_ultimate_parents_on_dates(market: Session) -> None:
    graph = OwnershipGraph.load(market)
    radnet = cid(market, "RadNet")
    for name in ("DeepHealth", "Aidence"):
        assert graph.ultimate_parent(cid(market, name), date(2023, 6, 30)) == radnet
    assert graph.independent(cid(market, "Aidence"), date(2021, 12, 31))
    assert graph.ultimate_parent(cid(market, "Aidence"), date(2021, 12, 31)) == cid(market, "Aidence")
    icad = cid(market, "iCAD")
    chain = graph.chain(icad, date(2025, 12, 31))
    assert [graph.names[c.owner_id] for c in chain] == ["DeepHealth", "RadNet"]
    assert graph.independent(icad, date(2025, 6, 30))  # announced in April, completed in July
    assert graph.ultimate_parent(cid(market, "Heart & Lung Imaging Limited"), date(2023, 1, 1)) == radnet  # 75% stake
    zebra = cid(market, "Zebra Medical Vision")  # announced 2021-08-10, completed 2021-11
    assert graph.independent(zebra, date(2021, 10, 31)) and not graph.independent(zebra, date(2021, 12, 31))
    assert graph.independent(cid(market, "USARAD Holdings"), date(2023, 1, 1))  # only announced
    assert graph.closed(cid(market, "Behold.ai"), date(2025, 12, 31)) and not graph.closed(cid(market, "Behold.ai"), date(2024, 12, 31))
    assert ultimate_parent_on(market, company_id=cid(market, "Quantib"), on=date(2023, 1, 1)).name == "RadNet"
    assert owners_table(market)[cid(market, "Aidence")] == ("RadNet", "RadNet")


def test_a_product_keeps_its_history_across_owners(market: Session) -> None:
    veye = market.exec(select(Product).where(Product.name == "Veye Lung Nodules")).one()
    history = product_history(market, product_id=veye.id or 0)
    assert [p["owner"] for p in history] == [None, "RadNet"]
    assert history[1]["since"] == date(2022, 1, 1) and history[0]["ultimate_parent"] == "Aidence"
    assert veye.company_id == cid(market, "Aidence")  # still Aidence's product


def test_extracted_events_do_not_override_the_seed(market: Session) -> None:
    save_record(market, record=EventRecord(source="news", event_type="acquisition", company="Aidence",
                                           counterparty="Lunit", event_date=date(2022, 6, 1), status="completed",
                                           confidence=0.95, origin="extracted"))
    save_record(market, record=EventRecord(source="news", event_type="acquisition", company="Pixyl",
                                           counterparty="Aidoc", event_date=date(2021, 6, 1), status="completed",
                                           confidence=0.4, origin="extracted"))
    graph = OwnershipGraph.load(market)
    assert graph.ultimate_parent(cid(market, "Aidence"), date(2023, 1, 1)) == cid(market, "RadNet")
    assert graph.independent(cid(market, "Pixyl"), date(2022, 1, 1))  # below the confidence floor


def test_seeding_twice_changes_nothing(market: Session) -> None:
    assert set(load_seed(market)) <= {"unchanged", "aliases_added"}


def test_bad_seed_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "seed.toml"
    bad.write_text('[[event]]\ntype = "acquisition"\ncompany = "X"\n', "utf-8")
    with pytest.raises(SeedError, match="source"):
        read_seed(bad)


def test_independent_owners_fall_while_brands_stay(market: Session) -> None:
    years = market_stats(market)["years"]
    # owners fall with RadNet's Aidence+Quantib (2022), Lunit's Volpara (2024), DeepHealth's
    # iCAD and Behold.ai's closure (2025); Zebra moves under Nanox (2021) one brand for one owner
    assert [years[y]["independent_owners"] for y in ("2021", "2022", "2023", "2024", "2025")] == [11, 10, 10, 9, 7]
    assert [years[y]["active_brands"] for y in ("2021", "2022", "2023", "2024", "2025")] == [11, 12, 12, 12, 11]
    # exits count AI companies without a registered product too (icometrix has none here)
    assert years["2025"]["exit_events"].keys() == {"iCAD", "Behold.ai", "icometrix"}


def test_one_year_recomputed_by_hand(market: Session) -> None:
    y2022 = market_stats(market)["years"]["2022"]
    # owners at the end of 2022: RadNet (DeepHealth, Aidence, Quantib) 3 products; iCAD, Lunit,
    # Aidoc 2 each; Kheiron, Volpara, Gleamer, Pixyl, Behold.ai, Zebra 1 each: 15 products
    assert y2022["products"] == 15
    assert y2022["top5_share"] == round((3 + 2 + 2 + 2 + 1) / 15, 4)
    assert y2022["hhi"] == round((3 / 15 * 100) ** 2 + 3 * (2 / 15 * 100) ** 2 + 6 * (1 / 15 * 100) ** 2, 1)
    assert y2022["top5_owners"][0] == ["RadNet", 3]
    assert y2022["new_entrants"] == 1 and y2022["new_entrant_companies"] == ["Gleamer"]
    # exits: acquired or closed AI companies, with or without a product in the store
    assert set(y2022["exit_events"]) == {"Aidence", "Quantib", "Nines", "Arterys", "Medo AI", "Nuance", "MaxQ AI"}
    # AI acquisitions of 2022; RadNet's 75% of Heart & Lung Health (teleradiology) is not one
    names = {c.id: c.name for c in market.exec(select(Company))}
    from tracker.db.models import CompanyEvent

    targets = {names[market.get(CompanyEvent, i).company_id] for i in y2022["acquisition_event_ids"]}
    assert targets == {"Aidence", "Quantib", "Nines", "Arterys", "Medo AI", "Nuance"}


def test_stats_market_command_prints_every_year(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    import json

    from typer.testing import CliRunner

    from tracker.cli import app
    from tracker.db.engine import session

    with session(engine) as s:
        load_seed(s)
        s.commit()
    runner = CliRunner()
    text = runner.invoke(app, ["stats", "--market", "--database-url", db_url])
    assert text.exit_code == 0, text.output
    for year in range(2020, 2027):
        assert f"\n  {year}" in text.output
    data = json.loads(runner.invoke(app, ["stats", "--market", "--json", "--database-url", db_url]).output)
    assert set(data["market"]["years"]) == {str(y) for y in range(2020, 2027)}  # to Gleamer, 2026
    assert "hhi" in data["market"]["rules"]
    owner = runner.invoke(app, ["owner", "iCAD", "--on", "2025-12-31", "--database-url", db_url])
    assert "DeepHealth" in owner.output and "RadNet" in owner.output
