"""Market truth: dates keep their precision, ownership changes at completion, news that
restates a seeded event is merged into it (on the recorded news snapshot), a teleradiology
acquisition is not an AI acquisition, and active companies per year on a small store."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tracker.config import get_settings
from tracker.dates import PRECISIONS, date_label, latest_day, parse_dated
from tracker.db.engine import open_store, session
from tracker.db.models import Company, CompanyEvent, Product, Registration
from tracker.market.metrics import active_companies, active_independent, load_facts, market_stats
from tracker.market.ownership import OwnershipGraph
from tracker.market.pipeline import extract_events_new
from tracker.market.resolve import resolve_companies
from tracker.market.seed import load_seed, read_seed_events
from tracker.store.companies import find_company

ROOT = Path(__file__).resolve().parents[1]


def test_dates_keep_their_precision() -> None:
    assert parse_dated("2021") == (date(2021, 1, 1), "year")
    assert parse_dated("2021-11") == (date(2021, 11, 1), "month")
    assert parse_dated("2021-11-04") == (date(2021, 11, 4), "day")
    assert date_label(date(2021, 1, 1), "year") == "2021"
    assert date_label(date(2021, 11, 1), "month") == "2021-11"
    assert latest_day(date(2024, 2, 1), "month") == date(2024, 2, 29)


def test_every_seeded_event_has_a_source_and_a_precision() -> None:
    companies, events = read_seed_events()
    assert len(events) >= 20
    for event in events:
        record = event.record
        assert record.source_url.startswith("https://"), record
        if record.event_date is None:
            assert event.uncertain, f"undated but not marked uncertain: {record}"
        else:
            assert event.precision in PRECISIONS, record
    assert {c["kind"] for c in companies} <= {"ai-vendor", "imaging-oem", "provider-network", "platform",
                                              "teleradiology", "pharma", "other"}


@pytest.fixture
def seeded(db: Session) -> Session:
    resolve_companies(db)
    load_seed(db)
    db.commit()
    return db


def _event(db: Session, target: str, event_type: str = "acquisition") -> CompanyEvent:
    company = find_company(db, name=target)
    assert company is not None, target
    return db.exec(select(CompanyEvent).where(CompanyEvent.company_id == company.id,
                                              CompanyEvent.event_type == event_type)).one()


def test_seeded_precision_is_stored_and_shown(seeded: Session) -> None:
    from tracker.views.market import market_view

    zebra = _event(seeded, "Zebra Medical Vision")
    assert (zebra.event_date, zebra.date_precision) == (date(2021, 11, 1), "month")
    assert zebra.announced_date == date(2021, 8, 10) and zebra.completed_date == date(2021, 11, 1)
    assert zebra.uncertain and "announced 2021-08-10; completed 2021-11." in zebra.note
    maxq = _event(seeded, "MaxQ AI", "closure")
    assert maxq.date_precision == "year"
    labels = {(e["company"], e["type"]): e["date_label"] for e in market_view(seeded).timeline}
    assert labels[("Zebra Medical Vision", "acquisition")] == "2021-11"
    assert labels[("MaxQ AI", "closure")] == "2022"  # never "2022-01-01"
    assert set(load_seed(seeded)) <= {"unchanged", "aliases_added"}  # idempotent


def test_ownership_changes_at_completion(seeded: Session) -> None:
    icad = _event(seeded, "iCAD")
    assert icad.announced_date == date(2025, 4, 15) and icad.completed_date == date(2025, 7, 1)
    graph = OwnershipGraph.load(seeded)
    assert graph.independent(icad.company_id, date(2025, 5, 1))  # announced, not yet closed
    assert [graph.names[c.owner_id] for c in graph.chain(icad.company_id, date(2025, 12, 31))] == ["DeepHealth", "RadNet"]
    caption = _event(seeded, "Caption Health")  # announced 2023-02-09, completed 2023-02-17
    assert graph.independent(caption.company_id, date(2023, 2, 10))
    assert not graph.independent(caption.company_id, date(2023, 2, 17))
    gleamer = find_company(seeded, name="Gleamer")
    assert gleamer is not None and graph.independent(gleamer.id or 0)  # 2026: announced only


@pytest.fixture(scope="module")
def news_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The recorded news snapshot crawled into a fresh store (the demo's real news items)."""
    from tracker.devtools.replay import ReplayServer, replay_env
    from tracker.jobs.crawl import run_spider

    url = f"sqlite:///{tmp_path_factory.mktemp('truth') / 'news.db'}"
    with ReplayServer(ROOT / "data" / "snapshot") as server:
        env = {**replay_env(server.url), "TRACKER_CONFIG": "/nonexistent/tracker.toml"}
        for name in ("news_feeds", "news_pages"):
            assert run_spider(name, database_url=url, env=env, replay=True).ok
    return url


def _pairs(db: Session, origin: str) -> list[tuple[str, str, str | None]]:
    names = {c.id: c.name for c in db.exec(select(Company))}
    return [(e.event_type, names[e.company_id], names.get(e.counterparty_id))
            for e in db.exec(select(CompanyEvent).where(CompanyEvent.origin == origin))]


def test_news_that_restates_a_seeded_event_is_merged_into_it(news_store: str) -> None:
    engine = open_store(news_store)
    first = extract_events_new(engine, get_settings())
    assert first["events"]["merged"] >= 3
    again = extract_events_new(engine, get_settings(), full=True)  # read every item again
    assert again["events"].get("new", 0) == 0 and again["events"].get("sources_noted", 0) == 0
    with session(engine) as db:
        extracted = _pairs(db, "extracted")
        for pair in (("acquisition", "Aidence", "RadNet"), ("acquisition", "Quantib", "RadNet"),
                     ("acquisition", "DeepHealth", "RadNet")):
            assert pair not in extracted  # stored once: the seeded event
            assert _pairs(db, "seed").count(pair) == 1
        aidence = _event(db, "Aidence")
        assert aidence.origin == "seed" and aidence.event_date == date(2022, 1, 1)  # seeded fields kept
        assert aidence.date_precision == "month" and aidence.news_item_id is None
        assert "Also reported: https://theimagingwire.com/2022/01/" in aidence.note
        assert aidence.note.count("https://theimagingwire.com/2022/01/") == 1
        # unrelated events are still stored as extracted ones, dated by their news item (day)
        assert ("funding", "Qure.ai", None) in extracted
        funding = _event(db, "Qure.ai", "funding")
        assert funding.origin == "extracted" and funding.date_precision == "day"
    engine.dispose()


def test_duplicates_stored_before_are_folded_in(seeded: Session) -> None:
    from tracker.market.merge import merge_stored
    from tracker.records import EventRecord
    from tracker.store import save_record

    save_record(seeded, record=EventRecord(source="news", event_type="acquisition", company="Aidence",
                                           counterparty="RadNet", event_date=date(2022, 1, 1), status="announced",
                                           news_url="https://example.org/aidence-news", origin="extracted",
                                           confidence=0.85))
    assert ("acquisition", "Aidence", "RadNet") in _pairs(seeded, "extracted")
    assert merge_stored(seeded) == 1
    assert ("acquisition", "Aidence", "RadNet") not in _pairs(seeded, "extracted")
    assert "https://example.org/aidence-news" in _event(seeded, "Aidence").note


def _company(db: Session, name: str, kind: str | None = None) -> int:
    company = Company(name=name, normalized_name=name.lower(), kind=kind, source="test")
    db.add(company)
    db.flush()
    return company.id or 0


def _product(db: Session, company_id: int, name: str, when: date, kind: str = "software") -> None:
    product = Product(slug=name.lower().replace(" ", "-"), company_id=company_id, name=name,
                      normalized_name=name.lower(), kind=kind, source="test")
    db.add(product)
    db.flush()
    db.add(Registration(regulator="FDA", kind="510(k)", number=f"K{product.id:06d}", device_name=name,
                        applicant=name, product_id=product.id, decision_date=when, source="test"))


def _deal(db: Session, n: int, event_type: str, target: int, buyer: int | None, when: date | None,
          **extra: object) -> None:
    db.add(CompanyEvent(event_type=event_type, company_id=target, counterparty_id=buyer, event_date=when,
                        status="completed", origin="seed", natural_key=f"t-{n}", source="seed",
                        source_url=f"https://example.org/{n}", **extra))


@pytest.fixture
def small(db: Session) -> Session:
    """Alpha sells AI from 2019 and buys Beta (product 2020; announced 2021, completed 2022);
    Gamma, an AI vendor without a registered product, first appears in 2021 and closes in 2023;
    RadNet (provider) takes 75% of Telerad (teleradiology) in 2022; Scanner Co sells only an
    imaging system (2019)."""
    alpha, beta = _company(db, "Alpha AI"), _company(db, "Beta AI")
    gamma = _company(db, "Gamma AI", "ai-vendor")
    radnet, telerad = _company(db, "RadNet", "provider-network"), _company(db, "Telerad", "teleradiology")
    scanner = _company(db, "Scanner Co", "imaging-oem")
    _product(db, alpha, "Alpha Chest", date(2019, 5, 1))
    _product(db, beta, "Beta Brain", date(2020, 3, 1))
    _product(db, scanner, "Scanner MR", date(2019, 1, 1), kind="imaging-system")
    _deal(db, 1, "acquisition", beta, alpha, date(2022, 2, 1), announced_date=date(2021, 9, 1),
          completed_date=date(2022, 2, 1), date_precision="month")
    _deal(db, 2, "partnership", gamma, alpha, date(2021, 6, 1), date_precision="month")
    _deal(db, 3, "closure", gamma, None, date(2023, 1, 1), date_precision="year")
    _deal(db, 4, "acquisition", telerad, radnet, date(2022, 11, 1), stake=0.75, date_precision="day")
    db.commit()
    return db


def test_active_companies_per_year(small: Session) -> None:
    facts = load_facts(small)
    names = facts.graph.names

    def active(year: int) -> set[str]:
        return {names[c] for c in active_companies(facts, year)}

    def independent(year: int) -> set[str]:
        return {names[c] for c in active_independent(facts, year)}

    assert active(2019) == {"Alpha AI"}  # the scanner's system does not count
    assert active(2020) == {"Alpha AI", "Beta AI"}
    assert active(2021) == {"Alpha AI", "Beta AI", "Gamma AI"}  # Gamma from its first seeded event
    assert active(2022) == {"Alpha AI", "Beta AI", "Gamma AI"}  # Beta acquired during 2022
    assert independent(2022) == {"Alpha AI", "Gamma AI"}
    assert active(2023) == {"Alpha AI", "Gamma AI"}  # Gamma closed during 2023
    assert independent(2023) == {"Alpha AI"}
    years = market_stats(small)["years"]
    assert [years[str(y)]["active_independent"] for y in range(2019, 2024)] == [1, 2, 3, 2, 1]
    assert [years[str(y)]["products"] for y in range(2019, 2024)] == [1, 2, 2, 2, 2]
    with_systems = market_stats(small, include_systems=True)["years"]
    assert with_systems["2019"]["products"] == 2 and with_systems["2019"]["active_independent"] == 2
    # exits: Beta (acquired, completed 2022, not at its 2021 announcement), Gamma (closed 2023,
    # no registered product), each with its event and source
    assert years["2021"]["exits"] == 0
    assert [(d["company"], d["type"], d["date"]) for d in years["2022"]["exit_details"]] == [
        ("Beta AI", "acquisition", "2022-02")]
    assert [(d["company"], d["type"], d["date"], d["source_url"]) for d in years["2023"]["exit_details"]] == [
        ("Gamma AI", "closure", "2023", "https://example.org/3")]


def test_a_teleradiology_acquisition_is_not_an_ai_acquisition(small: Session) -> None:
    years = market_stats(small)["years"]
    targets = {small.get(CompanyEvent, i).company_id for i in years["2022"]["acquisition_event_ids"]}  # type: ignore[union-attr]
    names = {c.id: c.name for c in small.exec(select(Company))}
    assert {names[t] for t in targets} == {"Beta AI"}  # not RadNet's 75% of Telerad
    assert "Telerad" not in years["2022"]["exit_events"]


def test_stats_market_prints_the_headline(engine, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from tracker.cli import app

    with session(engine) as s:
        resolve_companies(s)
        load_seed(s)
        s.commit()
    output = CliRunner().invoke(app, ["stats", "--market", "--database-url", db_url]).output
    assert "AI software products on the market vs active independent companies" in output
    assert "Behold.ai: closure" in output and "https://www.digitalhealth.net/" in output
    assert "active_companies:" in output  # the rule is printed with the figures
