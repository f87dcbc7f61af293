"""Regulatory registrations, upserted on (regulator, number).

Several sources describe one registration (the FDA AI list, openFDA 510(k)/PMA, openFDA
classification). Precedence rules, so that crawling sources in any order, any number of
times, converges and a re-crawl changes nothing:

- The source that first stored a row is its *origin* (``Registration.source``, ``raw`` and
  ``content_hash`` stay the origin's). The origin may update any field it gives.
- Another source *enriches*: it fills fields that are empty, and overwrites only the fields
  it owns (``ENRICHMENT_FIELDS``: openFDA owns device class, regulation number and the
  statement/summary link). It never replaces the origin's device name or applicant (its own
  spelling is kept in ``extra``). Each enriching source is listed in
  ``extra["enriched_by"]`` with the URL it was first read from.
- ``composed`` (the row was composed for the recorded snapshot) is the origin's.
- ``created_at`` is when the store first recorded the row: set on insert, never changed
  (``fetched_at`` follows the origin's latest fetch). The digest reports a registration as
  new by ``created_at``, not by its decision date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy.sql.elements import UnaryExpression
from sqlmodel import Session, col, select

from tracker.db.collation import code_point_order
from tracker.db.models import Registration
from tracker.records import ProductCodeRecord, RegistrationRecord, utcnow
from tracker.store import Outcome, register_saver
from tracker.store.companies import get_or_create_company

_FIELDS = (
    "kind", "device_name", "applicant", "decision_date", "panel", "product_code",
    "device_class", "regulation_number", "ce_class", "legislation", "status", "summary_url",
)
# Fields a non-origin source may overwrite (by source-name prefix).
ENRICHMENT_FIELDS: dict[str, frozenset[str]] = {
    "openfda": frozenset({"device_class", "regulation_number", "summary_url"}),
}


def decision_order() -> tuple[UnaryExpression[Any], ...]:
    """Registrations oldest decision first, undated ones (EUDAMED devices) before any dated,
    then by regulator and number: a total order on the natural key, the same on every engine
    (SQLite sorts NULL first, PostgreSQL last unless told) and whatever order a crawl stored
    the rows in (ids follow a crawl's timing, not the data)."""
    return (col(Registration.decision_date).asc().nulls_first(),
            code_point_order(col(Registration.regulator)).asc(), code_point_order(col(Registration.number)).asc())


def _owned(source: str) -> frozenset[str]:
    for prefix, fields in ENRICHMENT_FIELDS.items():
        if source.startswith(prefix):
            return fields
    return frozenset()


def upsert_registration(session: Session, *, record: RegistrationRecord) -> Outcome:
    """Insert or update one registration; the same content twice is ``UNCHANGED``.

    Fields a record leaves empty never erase stored ones; see the module docstring for
    which source may overwrite what.
    """
    number = record.number.strip().upper()
    row = session.exec(
        select(Registration).where(Registration.regulator == record.regulator,
                                   Registration.number == number)
    ).first()
    if row is None:
        company = get_or_create_company(session, name=record.applicant, source=record.source,
                                        source_url=record.source_url)
        row = Registration(regulator=record.regulator, number=number, company_id=company.id,
                           source=record.source, source_url=record.source_url,
                           fetched_at=record.fetched_at, raw=record.raw,
                           content_hash=record.digest(), extra=dict(record.extra),
                           composed=record.composed, created_at=utcnow(),
                           **{f: getattr(record, f) for f in _FIELDS})
        session.add(row)
        session.flush()
        return Outcome.NEW
    origin = row.source == record.source
    owned = _owned(record.source)
    extra = dict(row.extra or {})
    extra.update(record.extra)
    if not origin:
        enriched = dict(extra.get("enriched_by") or {})
        enriched.setdefault(record.source, record.source_url)  # where it was first read
        extra["enriched_by"] = enriched
    changed = extra != (row.extra or {})
    if origin and row.composed != record.composed:
        row.composed = record.composed
        changed = True
    for name in _FIELDS:
        value = getattr(record, name)
        current = getattr(row, name)
        if value in (None, "") or current == value:
            continue
        if origin or name in owned or current in (None, ""):
            setattr(row, name, value)
            changed = True
    if not changed:
        return Outcome.UNCHANGED
    row.extra = extra
    if row.company_id is None:
        row.company_id = get_or_create_company(session, name=row.applicant, source=row.source).id
    if origin:
        row.source_url, row.fetched_at = record.source_url, record.fetched_at
        row.raw, row.content_hash = record.raw, record.digest()
    session.add(row)
    session.flush()
    return Outcome.UPDATED


@register_saver(RegistrationRecord)
def _save_registration(record: RegistrationRecord, session: Session) -> Outcome:
    return upsert_registration(session, record=record)


def apply_product_code(session: Session, *, record: ProductCodeRecord) -> Outcome:
    """Fill device class and regulation number of the FDA registrations with this code
    (never overwriting a value a registration's own record gave); ``UNCHANGED`` when no
    row changed."""
    rows = session.exec(select(Registration).where(Registration.regulator == "FDA",
                                                   Registration.product_code == record.product_code)).all()
    classification = {"device_name": record.device_name, "medical_specialty": record.medical_specialty,
                      "review_panel": record.review_panel, **record.extra}
    changed = 0
    for row in rows:
        before = (row.device_class, row.regulation_number, (row.extra or {}).get("classification"))
        extra = dict(row.extra or {})
        extra["classification"] = classification
        device_class = row.device_class or record.device_class
        regulation = row.regulation_number or record.regulation_number
        if before == (device_class, regulation, classification):
            continue
        row.device_class, row.regulation_number, row.extra = device_class, regulation, extra
        session.add(row)
        changed += 1
    if changed:
        session.flush()
        return Outcome.UPDATED
    return Outcome.UNCHANGED


@register_saver(ProductCodeRecord)
def _save_product_code(record: ProductCodeRecord, session: Session) -> Outcome:
    return apply_product_code(session, record=record)


# ---- queries the regulatory spiders start from -------------------------------------------

def fda_numbers(session: Session, *, kinds: Iterable[str], decided_since: date | None = None,
                not_enriched_by: str | None = None) -> list[str]:
    """FDA submission numbers in the store (sorted), optionally only those decided on or
    after a date and not yet enriched by a source."""
    query = select(Registration).where(Registration.regulator == "FDA",
                                       Registration.kind.in_(list(kinds)))  # type: ignore[attr-defined]
    numbers = []
    for row in session.exec(query):
        if decided_since and row.decision_date and row.decision_date < decided_since:
            continue
        if not_enriched_by and not_enriched_by in ((row.extra or {}).get("enriched_by") or {}):
            continue
        if not_enriched_by and row.source == not_enriched_by:
            continue
        numbers.append(row.number)
    return sorted(numbers)


def fda_product_codes(session: Session) -> list[str]:
    """Distinct product codes of FDA registrations in the store (sorted)."""
    rows = session.exec(select(Registration.product_code).where(Registration.regulator == "FDA").distinct())
    return sorted({code for code in rows if code})
