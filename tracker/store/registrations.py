"""Regulatory registrations, upserted on (regulator, number)."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.db.models import Registration
from tracker.records import RegistrationRecord
from tracker.store import Outcome, register_saver
from tracker.store.companies import get_or_create_company

_FIELDS = (
    "kind", "device_name", "applicant", "decision_date", "panel", "product_code",
    "device_class", "regulation_number", "ce_class", "legislation", "status", "summary_url",
)


def upsert_registration(session: Session, *, record: RegistrationRecord) -> Outcome:
    """Insert or update one registration; the same content twice is ``UNCHANGED``.

    Fields a later source leaves empty (openFDA enrichment after the FDA list, say) never
    erase what an earlier source stored.
    """
    number = record.number.strip().upper()
    row = session.exec(
        select(Registration).where(Registration.regulator == record.regulator,
                                   Registration.number == number)
    ).first()
    company = get_or_create_company(session, name=record.applicant, source=record.source,
                                    source_url=record.source_url)
    if row is None:
        row = Registration(regulator=record.regulator, number=number, company_id=company.id,
                           source=record.source, source_url=record.source_url,
                           fetched_at=record.fetched_at, raw=record.raw,
                           content_hash=record.digest(), extra=dict(record.extra),
                           **{f: getattr(record, f) for f in _FIELDS})
        session.add(row)
        session.flush()
        return Outcome.NEW
    merged_extra = {**(row.extra or {}), **record.extra}
    changed = merged_extra != (row.extra or {})
    for name in _FIELDS:
        value = getattr(record, name)
        if value not in (None, "") and getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if not changed:
        return Outcome.UNCHANGED
    row.extra = merged_extra
    row.company_id = row.company_id or company.id
    row.source, row.source_url, row.fetched_at = record.source, record.source_url, record.fetched_at
    row.raw, row.content_hash = record.raw, record.digest()
    session.add(row)
    session.flush()
    return Outcome.UPDATED


@register_saver(RegistrationRecord)
def _save_registration(record: RegistrationRecord, session: Session) -> Outcome:
    return upsert_registration(session, record=record)
