"""Crawl runs, per-source results and watermarks."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.db.models import Watermark
from tracker.records import utcnow


def get_watermark(session: Session, *, source: str) -> str | None:
    row = session.get(Watermark, source)
    return row.value if row else None


def set_watermark(session: Session, *, source: str, value: str) -> None:
    """Advance a source's watermark (call only after the source's crawl succeeded)."""
    row = session.get(Watermark, source)
    if row is None:
        row = Watermark(source=source, value=value)
    row.value, row.updated_at = value, utcnow()
    session.add(row)
    session.flush()


def all_watermarks(session: Session) -> dict[str, str]:
    return {w.source: w.value for w in session.exec(select(Watermark))}
