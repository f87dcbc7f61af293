"""Processing steps of the market view (called by ``tracker process`` and the nightly job).

- ``seed_events_step``: load the seed file of known events (idempotent), then fold extracted
  events already stored that restate a seeded one into it (``tracker.market.merge``).
- ``extract_events_new``: extract events from news items not processed yet; an event that
  restates a seeded, manual or confirmed one is merged into it (its news item noted as a
  further source), not stored again. A watermark
  (``market.events``) holds the last processed news id and time, so items added or changed
  since (a page's body arriving later, say) are read again; the natural keys of events make a
  second pass add nothing.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.db.collation import code_point_order
from tracker.db.engine import session
from tracker.db.models import CompanyEvent, NewsItem
from tracker.market.merge import add_source, merge_stored, restated
from tracker.market.resolve import CompanyResolver, resolve_companies
from tracker.market.seed import load_seed, stored_row
from tracker.records import utcnow
from tracker.store import save_record
from tracker.store.runs import get_watermark, set_watermark

if TYPE_CHECKING:
    from tracker.config import Settings

log = logging.getLogger(__name__)
WATERMARK = "market.events"


def seed_events_step(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Load the seed file (``settings.market_events_file``, else the packaged list)."""
    with session(engine) as s:
        resolve_companies(s)
        counts = load_seed(s, path=settings.market_events_file)
        merged = merge_stored(s)
        if merged:
            counts["merged"] = merged
        s.commit()
    return {"seed": counts, "changed": counts.get("new", 0) + counts.get("updated", 0) + counts.get("removed", 0) + merged}


def news_texts(item: NewsItem) -> list[str]:
    """The texts events are read from: the title, then the body (or the summary without one)."""
    return [item.title, item.body or item.summary or ""]


def extract_events_new(engine: Engine, settings: Settings, *, full: bool = False) -> dict[str, Any]:
    """Extract events from new or changed news items and store them; returns figures."""
    from tracker.market.events import EventExtractor

    seeded = seed_events_step(engine, settings)
    counts: Counter[str] = Counter()
    with session(engine) as s:
        mark = None if full else _read_mark(s)
        # in the order the news came out (then by URL), not the order a crawl stored the items
        # in: the events' ids and the "also reported by" notes come out the same every time
        query = select(NewsItem).order_by(col(NewsItem.published).asc().nulls_first(),
                                          code_point_order(col(NewsItem.url)))
        if mark:
            query = query.where(or_(NewsItem.id > mark["last_id"],  # type: ignore[operator]
                                    NewsItem.fetched_at > datetime.fromisoformat(mark["at"])))  # type: ignore[arg-type]
        items = list(s.exec(query))
        started = utcnow()
        extractor = EventExtractor(resolve_companies(s).names()) if items else None
        for item in items:
            published = item.published.date() if item.published else None
            for event in extractor.extract(news_texts(item), published=published, news_url=item.url) if extractor else []:
                merged = _merge_into_trusted(s, event)
                if merged is not None:
                    counts["merged"] += 1
                    counts["sources_noted"] += merged
                    continue
                record = event.to_record()
                outcome = save_record(s, record=record)
                _keep_precision(s, record, event.date_precision)
                counts[outcome.value] += 1
                counts["conflicts"] += _conflicts(s, event.event_type, event.company, event.counterparty)
        last_id = max([i.id or 0 for i in items] + [mark["last_id"] if mark else 0])
        set_watermark(s, source=WATERMARK, value=json.dumps({"last_id": last_id, "at": started.isoformat()}))
        s.commit()
    return {"news_items": len(items), "events": dict(counts), "seed": seeded["seed"],
            "changed": counts["new"] + counts["updated"] + counts["sources_noted"] + seeded["changed"]}


def _keep_precision(s: Session, record: Any, precision: str | None) -> None:
    """Store the extracted event's date precision on its row (the record has no field for it)."""
    row = stored_row(s, record)
    if row is not None and row.origin == "extracted" and row.event_date == record.event_date \
            and row.date_precision != precision:
        row.date_precision = precision
        s.add(row)
        s.flush()


def _merge_into_trusted(s: Session, event: Any) -> int | None:
    """None when the event restates no trusted event; else 1 when its news item was newly
    noted on the trusted event, 0 when already noted."""
    resolver = resolve_companies(s)
    assert isinstance(resolver, CompanyResolver)
    company = resolver.resolve(event.company).company_id
    other = resolver.resolve(event.counterparty).company_id if event.counterparty else None
    if company is None or (event.counterparty and other is None):
        return None
    row = restated(s, event_type=event.event_type, company_id=company, counterparty_id=other,
                   when=event.event_date)
    if row is None:
        return None
    if not add_source(row, event.news_url, event.event_date):
        return 0
    s.add(row)
    s.flush()
    return 1


def _read_mark(s: Session) -> dict[str, Any] | None:
    value = get_watermark(s, source=WATERMARK)
    try:
        return json.loads(value) if value else None
    except json.JSONDecodeError:
        return None


def _conflicts(s: Session, event_type: str, company: str, counterparty: str | None) -> int:
    """1 when a trusted event says another company owns this target (logged, not changed)."""
    if event_type != "acquisition" or not counterparty:
        return 0
    resolver = resolve_companies(s)
    target, buyer = resolver.resolve(company), resolver.resolve(counterparty)
    if target.company_id is None:
        return 0
    trusted = s.exec(select(CompanyEvent).where(
        CompanyEvent.company_id == target.company_id, CompanyEvent.event_type == "acquisition",
        or_(CompanyEvent.origin.in_(["seed", "manual"]), CompanyEvent.confirmed))).all()  # type: ignore[attr-defined,arg-type]
    others = [e for e in trusted if e.counterparty_id != buyer.company_id]
    if others and not any(e.counterparty_id == buyer.company_id for e in trusted):
        log.info("news says %s acquired %s; the seed/confirmed events say otherwise (kept)", counterparty, company)
        return 1
    return 0
