"""Event extraction on the recorded news snapshot: one test per real item (its `label`),
unrelated items give nothing, and the store keeps events once and trusts the seed."""

import json
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.config import get_settings
from tracker.db.engine import open_store, session
from tracker.db.models import CompanyEvent, NewsItem
from tracker.devtools.replay import ReplayServer, replay_env
from tracker.jobs.crawl import run_spider
from tracker.market.events import EventExtractor
from tracker.market.pipeline import extract_events_new, news_texts
from tracker.market.resolve import CompanyResolver, clean_name, resolve_companies
from tracker.market.seed import load_seed
from tracker.names import normalize_company
from tracker.records import EventRecord
from tracker.store import Outcome, save_record

ROOT = Path(__file__).resolve().parents[1]
LABELLED = [json.loads(line) for line in (ROOT / "tests/fixtures/market/news_items.jsonl").read_text("utf-8").splitlines() if line.strip()]
OWNERSHIP = {"acquisition", "merger", "closure", "rebrand"}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The news snapshot crawled into a fresh store, with the seed events loaded."""
    url = f"sqlite:///{tmp_path_factory.mktemp('news') / 'news.db'}"
    with ReplayServer(ROOT / "data" / "snapshot") as server:
        env = {**replay_env(server.url), "TRACKER_CONFIG": "/nonexistent/tracker.toml"}
        for name in ("news_feeds", "news_pages"):
            assert run_spider(name, database_url=url, env=env, replay=True).ok
    engine = open_store(url)
    with session(engine) as s:
        resolve_companies(s)
        load_seed(s)
        s.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def extracted(crawled: str) -> dict[str, list]:
    engine = open_store(crawled)
    with session(engine) as s:
        extractor = EventExtractor(CompanyResolver(s).names())
        out = {item.url: extractor.extract(news_texts(item), news_url=item.url,
                                           published=item.published.date() if item.published else None)
               for item in s.exec(select(NewsItem))}
    engine.dispose()
    return out


def same(a: str | None, b: str | None) -> bool:
    return normalize_company(clean_name(a or "")) == normalize_company(clean_name(b or "")) or \
        bool(a and b and normalize_company(clean_name(a)).split()[0] == normalize_company(clean_name(b)).split()[0])


@pytest.mark.parametrize("item", LABELLED, ids=[i["url"].split("/")[2] + str(n) for n, i in enumerate(LABELLED)])
def test_real_item(item: dict, extracted: dict) -> None:  # type: ignore[type-arg]
    events = extracted[item["url"]]
    label = item["label"]
    kind = label.get("event_type")
    if kind == "acquisition":
        targets = label.get("targets") or ([label["target"]] if label.get("target") else [])
        acquisitions = [e for e in events if e.event_type == "acquisition" and same(e.counterparty, label["acquirer"])]
        assert acquisitions, events
        for target in targets:
            assert any(same(e.company, target) for e in acquisitions), (target, acquisitions)
        if label.get("stake"):
            assert any(e.stake == 0.75 for e in acquisitions)
    elif kind == "regulatory_clearance":
        assert any(e.event_type == "fda_clearance" and same(e.company, label["company"]) for e in events)
    elif kind == "funding":
        funding = [e for e in events if e.event_type == "funding" and same(e.company, label["company"])]
        assert funding and funding[0].amount_usd == label["amount_usd"]
    elif kind in ("partnership", "licensing"):
        wanted = {normalize_company(clean_name(c)) for c in label["companies"]}
        assert any(e.event_type == "partnership" and
                   {normalize_company(e.company), normalize_company(e.counterparty or "")} == wanted for e in events), events
    elif kind == "deployment":  # not an event type we model: nothing about ownership
        assert not [e for e in events if e.event_type in OWNERSHIP]
    else:  # a mention of a past acquisition: dated by the sentence, not by the item
        (event,) = events
        assert (event.event_type, event.company, event.counterparty) == ("acquisition", "DeepHealth", "RadNet")
        assert event.event_date.isoformat() == "2020-03-01"
    for event in events:
        assert event.sentence and event.news_url == item["url"] and 0 < event.confidence <= 1


def test_announced_versus_completed(extracted: dict) -> None:  # type: ignore[type-arg]
    nanox = extracted[LABELLED[1]["url"]]
    assert {e.status for e in nanox} == {"announced"}
    hlh = extracted[LABELLED[5]["url"]]
    assert [e.status for e in hlh if e.event_type == "acquisition"] == ["completed"]


def test_unrelated_items_yield_no_event(extracted: dict) -> None:  # type: ignore[type-arg]
    unrelated = [url for url in extracted if "news.example.org" in url]
    assert len(unrelated) == 4
    for url in unrelated:
        assert extracted[url] == [], url


def test_extraction_without_known_companies() -> None:
    events = EventExtractor().extract(["Behold.ai enters administration.", "Volpara Health was acquired by Lunit.",
                                       "Gleamer merges with Pixyl.", "United Imaging receives CE mark for its AI software."])
    found = {(e.event_type, e.company, e.counterparty) for e in events}
    assert found == {("closure", "Behold.ai", None), ("acquisition", "Volpara Health", "Lunit"),
                     ("merger", "Gleamer", "Pixyl"), ("ce_mark", "United Imaging", None)}


def test_pipeline_is_incremental_and_trusts_the_seed(crawled: str) -> None:
    engine = open_store(crawled)
    first = extract_events_new(engine, get_settings())
    assert first["news_items"] == 18 and first["events"]["new"] >= 5
    assert extract_events_new(engine, get_settings())["news_items"] == 0
    with session(engine) as s:
        seed = s.exec(select(CompanyEvent).where(CompanyEvent.origin == "seed",
                                                 CompanyEvent.natural_key.like("acquisition|%"))).first()
        before = (seed.sentence, seed.event_date, seed.confidence)
        from tracker.db.models import Company

        names = {c.id: c.name for c in s.exec(select(Company))}
        clash = EventRecord(source="news", event_type="acquisition", company=names[seed.company_id],
                            counterparty=names[seed.counterparty_id], status=seed.status,
                            sentence="a different sentence", confidence=0.99, origin="extracted")
        assert save_record(s, record=clash) == Outcome.UNCHANGED
        s.refresh(seed)
        assert (seed.sentence, seed.event_date, seed.confidence) == before
        linked = s.exec(select(CompanyEvent).where(CompanyEvent.news_item_id.is_not(None))).all()
        assert linked and all(e.sentence and e.origin == "extracted" for e in linked)
    engine.dispose()
