"""Market events, stored once per natural key.

The key is the event type, the resolved company ids and, for ownership events
(acquisition, merger, rebrand, closure), the status; other events (CE mark, FDA clearance,
funding, partnership) add the year, since they recur. Saving the same event again changes
nothing. An extracted event never overwrites a seeded, manual or confirmed one: it is left
as it is (and counted ``UNCHANGED``); a seed row replaces an extracted one with the same key.
An event's ``created_at`` is when the store first recorded it (set on insert, never changed by
an update, unlike ``fetched_at``): the digest's "new market events" read it.

Company names become companies through a ``CompanyLookup``: the one passed in, else the one
built for the session by the factory a higher layer installed in ``session.info`` (the
market layer's fuzzy resolver, see ``tracker.market.resolve.resolve_companies``), else exact
matching on names and aliases (``tracker.store.companies``). The store never imports the
layers above it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy.sql.elements import UnaryExpression
from sqlmodel import Session, col, select

from tracker.db.models import Company, CompanyEvent, NewsItem
from tracker.records import EventRecord, utcnow
from tracker.store import Outcome, register_saver
from tracker.store.companies import get_or_create_company

log = logging.getLogger(__name__)
OWNERSHIP_TYPES = frozenset({"acquisition", "merger", "rebrand", "closure"})
SYMMETRIC = frozenset({"merger", "partnership"})
TRUSTED = frozenset({"seed", "manual"})
_FIELDS = ("event_date", "status", "stake", "sentence", "confidence", "news_item_id",
           "source", "source_url", "origin")


def date_order() -> tuple[UnaryExpression[Any], ...]:
    """Events oldest first, undated ones before any dated (as SQLite sorts NULL; PostgreSQL
    would put them last unless told), then in the order they were stored."""
    return col(CompanyEvent.event_date).asc().nulls_first(), col(CompanyEvent.id).asc()


def natural_key(*, event_type: str, company_id: int, counterparty_id: int | None,
                status: str | None, year: int | None) -> str:
    parts = [event_type, str(company_id), str(counterparty_id or "")]
    parts.append(status or "" if event_type in OWNERSHIP_TYPES else str(year or ""))
    return "|".join(parts)


def is_trusted(row: CompanyEvent) -> bool:
    return row.origin in TRUSTED or row.confirmed


class CompanyLookup(Protocol):
    """The store's company for a name as a record writes it, created on first sight."""

    def get_or_create(self, name: str, *, source: str, source_url: str = "") -> Company: ...


LOOKUP = "company_resolver"
"""``session.info`` key of the lookup built for a session (drop it when company names change)."""
LOOKUP_FACTORY = "company_lookup_factory"
"""``session.info`` key of a callable ``session -> CompanyLookup`` that a higher layer installs."""


class ExactCompanies:
    """The default lookup: a company's name or alias, normalised; else a new company."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_or_create(self, name: str, *, source: str, source_url: str = "") -> Company:
        return get_or_create_company(self.session, name=name, source=source, source_url=source_url)


def company_lookup(session: Session) -> CompanyLookup:
    """The session's lookup, built on first use by the installed factory (or exact)."""
    lookup = session.info.get(LOOKUP)
    if lookup is None or getattr(lookup, "session", session) is not session:
        factory: Callable[[Session], CompanyLookup] = session.info.get(LOOKUP_FACTORY, ExactCompanies)
        lookup = session.info[LOOKUP] = factory(session)
    return lookup


def upsert_event(session: Session, *, record: EventRecord,
                 companies: CompanyLookup | None = None) -> Outcome:
    """Insert or update one event; its company names go through ``companies`` (default: the
    session's lookup, see the module docstring)."""
    companies = companies or company_lookup(session)
    where = record.news_url or record.source_url
    company = companies.get_or_create(record.company, source=record.source, source_url=where)
    counterparty = (companies.get_or_create(record.counterparty, source=record.source, source_url=where)
                    if record.counterparty else None)
    if counterparty is not None and counterparty.id == company.id:
        log.info("event %s names %s on both sides; not stored", record.event_type, company.name)
        return Outcome.UNCHANGED
    if counterparty is not None and record.event_type in SYMMETRIC and company.name.lower() > counterparty.name.lower():
        company, counterparty = counterparty, company  # one row whichever party is named first
    news_id = None
    if record.news_url:
        news_id = session.exec(select(NewsItem.id).where(NewsItem.url == record.news_url)).first()
    key = natural_key(event_type=record.event_type, company_id=company.id or 0,
                      counterparty_id=counterparty.id if counterparty else None, status=record.status,
                      year=record.event_date.year if record.event_date else None)
    values: dict[str, Any] = {"event_date": record.event_date, "status": record.status, "stake": record.stake,
              "sentence": record.sentence, "confidence": record.confidence, "news_item_id": news_id,
              "source": record.source, "source_url": record.source_url or record.news_url or "",
              "origin": record.origin}
    row = session.exec(select(CompanyEvent).where(CompanyEvent.natural_key == key)).first()
    if row is None:
        session.add(CompanyEvent(event_type=record.event_type, company_id=company.id or 0,
                                 counterparty_id=counterparty.id if counterparty else None,
                                 natural_key=key, fetched_at=record.fetched_at, created_at=utcnow(),
                                 **values))
        session.flush()
        return Outcome.NEW
    if record.origin == "extracted":
        if is_trusted(row):
            return Outcome.UNCHANGED  # a seeded, manual or confirmed event is never overwritten
        if record.confidence <= row.confidence:
            return Outcome.UNCHANGED  # the first, or best, supporting sentence stays
    changed = [name for name in _FIELDS if getattr(row, name) != values[name]]
    if not changed:
        return Outcome.UNCHANGED
    for name in changed:
        setattr(row, name, values[name])
    row.fetched_at = record.fetched_at
    session.add(row)
    session.flush()
    return Outcome.UPDATED


@register_saver(EventRecord)
def _save_event(record: EventRecord, session: Session) -> Outcome:
    return upsert_event(session, record=record)
