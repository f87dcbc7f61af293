"""Extracted events that restate a trusted (seeded, manual or confirmed) event are merged into
it instead of being stored twice.

An extracted event *restates* a trusted one when both have the same type and the same pair
of companies after name resolution (in either order for mergers and partnerships) and their
dates are within ``WINDOW_DAYS`` of each other, or one of them is undated. The trusted row's
fields are never changed: the news item is added to its ``note`` as an extra source
("Also reported: URL (date)"), once."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from tracker.db.models import CompanyEvent
from tracker.market.seed import ALSO
from tracker.store.events import SYMMETRIC, is_trusted

WINDOW_DAYS = 548  # about 18 months: an announcement, its completion and later mentions


def _same_pair(row: CompanyEvent, company_id: int, counterparty_id: int | None) -> bool:
    if (row.company_id, row.counterparty_id) == (company_id, counterparty_id):
        return True
    return row.event_type in SYMMETRIC and (row.company_id, row.counterparty_id) == (counterparty_id, company_id)


def _close(a: date | None, b: date | None) -> bool:
    return a is None or b is None or abs((a - b).days) <= WINDOW_DAYS


def restated(session: Session, *, event_type: str, company_id: int, counterparty_id: int | None,
             when: date | None) -> CompanyEvent | None:
    """The trusted event an extracted one restates, if any."""
    rows = session.exec(select(CompanyEvent).where(CompanyEvent.event_type == event_type,
                                                   CompanyEvent.company_id.in_([company_id, counterparty_id or company_id]))  # type: ignore[attr-defined]
                        .order_by(CompanyEvent.id)).all()  # type: ignore[arg-type]
    for row in rows:
        dates: list[date | None] = [d for d in (row.event_date, row.announced_date, row.completed_date) if d] or [None]
        if is_trusted(row) and _same_pair(row, company_id, counterparty_id) and any(_close(d, when) for d in dates):
            return row
    return None


def add_source(row: CompanyEvent, url: str | None, when: date | None) -> bool:
    """Note ``url`` on a trusted row as another report of it; False when already noted."""
    if not url or url in (row.note or "") or url == row.source_url:
        return False
    item = f"{url} ({when.isoformat()})" if when else url
    note = row.note or ""
    row.note = f"{note}; {item}" if ALSO in note else f"{note} {ALSO} {item}".strip()
    return True


def merge_stored(session: Session) -> int:
    """Fold extracted rows already stored that restate a trusted event into it (their news
    item becomes a noted source, the row is removed); returns how many were merged."""
    merged = 0
    for row in list(session.exec(select(CompanyEvent).where(CompanyEvent.origin == "extracted")
                                 .order_by(CompanyEvent.id))):  # type: ignore[arg-type]
        if row.confirmed:
            continue
        target = restated(session, event_type=row.event_type, company_id=row.company_id,
                          counterparty_id=row.counterparty_id, when=row.event_date)
        if target is None or target.id == row.id:
            continue
        add_source(target, row.source_url, row.event_date)
        session.add(target)
        session.delete(row)
        merged += 1
    session.flush()
    return merged
