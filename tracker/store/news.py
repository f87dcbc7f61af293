"""News items, stored once per URL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from tracker.db.models import NewsItem
from tracker.records import NewsRecord
from tracker.store import Outcome, register_saver

_FIELDS = ("title", "published", "summary", "body", "publisher", "feed")


def upsert_news_item(session: Session, *, record: NewsRecord) -> Outcome:
    """Insert or update a news item by URL; an empty field never erases a stored one."""
    row = session.exec(select(NewsItem).where(NewsItem.url == record.url)).first()
    if row is None:
        session.add(NewsItem(url=record.url, source=record.source, source_url=record.source_url,
                             fetched_at=record.fetched_at, raw=record.raw,
                             content_hash=record.digest(), composed=record.composed,
                             **{f: getattr(record, f) for f in _FIELDS}))
        session.flush()
        return Outcome.NEW
    changed = row.composed != record.composed
    row.composed = record.composed
    for name in _FIELDS:
        value = getattr(record, name)
        current = getattr(row, name)
        if name == "published" and value is not None and current is not None:
            same = _instant(value) == _instant(current)
        else:
            same = current == value
        if value not in (None, "") and not same:
            setattr(row, name, value)
            changed = True
    if not changed:
        return Outcome.UNCHANGED
    row.fetched_at, row.raw, row.content_hash = record.fetched_at, record.raw, record.digest()
    session.add(row)
    session.flush()
    return Outcome.UPDATED


def _instant(value: datetime) -> datetime:
    """A stored or parsed time as an instant: naive ones are UTC (SQLite hands back naive
    UTC, PostgreSQL aware UTC, and a feed may give any offset)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@register_saver(NewsRecord)
def _save_news(record: NewsRecord, session: Session) -> Outcome:
    return upsert_news_item(session, record=record)


def news_urls_with_body(session: Session) -> set[str]:
    """URLs already stored with their body text (their pages need not be fetched again)."""
    rows = session.exec(select(NewsItem.url).where(NewsItem.body.is_not(None)))  # type: ignore[union-attr]
    return set(rows)
