"""Load the editable file of known market events (``tracker/resources/market_events.toml``
or the ``market_events_file`` setting) into the store. Idempotent.

Dates keep their precision (``2021``, ``2021-11``, ``2021-11-04``, see
``tracker.dates``). An acquisition carries its ``announced`` and ``completed`` dates
where known; a completed one takes effect (its ``event_date``) on completion, an announced
one on announcement. ``uncertain = true`` marks a fact the sources leave open (the note says
what). ``[[company]] kind`` records what a company is (``COMPANY_KINDS``)."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from tracker.dates import DateError, date_label, parse_dated
from tracker.db.models import Company, CompanyEvent
from tracker.records import EventRecord
from tracker.store import save_record
from tracker.store.companies import add_company_alias, find_company, get_or_create_company
from tracker.store.events import SYMMETRIC, company_lookup, natural_key

EVENT_TYPES = frozenset({"acquisition", "merger", "closure", "rebrand", "ce_mark", "fda_clearance",
                         "funding", "partnership"})
COMPANY_KINDS = ("ai-vendor", "imaging-oem", "provider-network", "platform", "teleradiology",
                 "pharma", "other")
DEAL_TYPES = frozenset({"acquisition", "merger"})


class SeedError(ValueError):
    """The seed file is unreadable or an entry in it is invalid."""


@dataclass
class SeedEvent:
    """One ``[[event]]``: the record the store saves plus what the record type has no field for."""

    record: EventRecord
    precision: str | None
    announced: date | None = None
    completed: date | None = None
    uncertain: bool = False
    note: str = ""


def default_seed_path() -> Path:
    return Path(str(resources.files("tracker.resources").joinpath("market_events.toml")))


def parse_seed_date(value: Any) -> date | None:
    """``2022-11-01``, ``2022-11`` (the 1st) or ``2022`` (1 January); None when absent.
    The precision goes with it: ``tracker.dates.parse_dated``."""
    try:
        return parse_dated(value)[0]
    except DateError as exc:
        raise SeedError(str(exc)) from exc


def _event(item: dict[str, Any], path: Path) -> SeedEvent:
    kind = item["type"]
    try:
        when, precision = parse_dated(item.get("date"))
        announced, announced_p = parse_dated(item.get("announced"))
        completed, completed_p = parse_dated(item.get("completed"))
    except DateError as exc:
        raise SeedError(str(exc)) from exc
    status = item.get("status")
    if kind in DEAL_TYPES and status is None:
        status = "completed" if completed else "announced" if announced else None
    if when is None and kind in DEAL_TYPES:  # a deal counts from completion, else announcement
        when, precision = (completed, completed_p) if completed and status != "announced" else (announced, announced_p)
    dates = "; ".join(f"{label} {date_label(d, p)}" for label, d, p in
                      (("announced", announced, announced_p), ("completed", completed, completed_p)) if d)
    note = " ".join(part for part in (f"{dates}." if dates else "", str(item.get("note", "")).strip()) if part)
    source = str(item["source"])
    record = EventRecord(
        source="seed", source_url=source, raw={"note": note, "file": str(path)},
        event_type=kind, company=item["company"], counterparty=item.get("counterparty"),
        event_date=when, status=status,
        stake=float(item["stake"]) if item.get("stake") is not None else None,
        sentence=note or None, origin="seed", confidence=1.0)
    return SeedEvent(record, precision, announced, completed, bool(item.get("uncertain", False)), note)


def read_seed_events(path: Path | None = None) -> tuple[list[dict[str, Any]], list[SeedEvent]]:
    """(company blocks, events) of a seed file, checked."""
    path = path or default_seed_path()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path}: {exc}") from exc
    events = []
    for number, item in enumerate(data.get("event", []), 1):
        where = f"{path} event #{number}"
        if item.get("type") not in EVENT_TYPES or not item.get("company") or not item.get("source"):
            raise SeedError(f"{where}: needs a known type, a company and a source")
        try:
            events.append(_event(item, Path(path)))
        except (SeedError, ValueError) as exc:
            raise SeedError(f"{where}: {exc}") from exc
    companies = list(data.get("company", []))
    for block in companies:
        if block.get("kind") is not None and block["kind"] not in COMPANY_KINDS:
            raise SeedError(f"{path} company {block.get('name')!r}: kind must be one of {', '.join(COMPANY_KINDS)}")
    return companies, events


def read_seed(path: Path | None = None) -> tuple[list[dict[str, Any]], list[EventRecord]]:
    """(company blocks, event records) of a seed file, checked."""
    companies, events = read_seed_events(path)
    return companies, [e.record for e in events]


def seed_founded(session: Session, path: Path | None = None) -> dict[int, int]:
    """company id -> the year a seeded company started selling AI software (``founded``)."""
    out: dict[int, int] = {}
    for block in read_seed_events(path)[0]:
        if block.get("founded") and (company := find_company(session, name=block["name"])) is not None:
            out[company.id or 0] = int(block["founded"])
    return out


def load_seed(session: Session, *, path: Path | None = None) -> dict[str, int]:
    """Write the seed file's companies (kind, aliases) and events; returns counts per outcome.
    The file is the seeded record: a seeded row it no longer holds (an event taken out, or
    one whose status changed, which changes its key) is removed."""
    companies, events = read_seed_events(path)
    counts: Counter[str] = Counter()
    for block in companies:
        company = get_or_create_company(session, name=block["name"], source="seed",
                                        country=block.get("country"))
        if block.get("kind") and company.kind != block["kind"]:
            company.kind = block["kind"]
            session.add(company)
            counts["kinds_set"] += 1
        for alias in block.get("aliases", []):
            counts["aliases_added"] += add_company_alias(session, company=company, alias=alias,
                                                         kind="spelling", source="seed")
    session.info.pop("company_resolver", None)  # names changed: resolve afresh
    kept: set[int] = set()
    for event in events:
        outcome = save_record(session, record=event.record).value
        if _annotate(session, event) and outcome == "unchanged":
            outcome = "updated"
        counts[outcome] += 1
        if (row := stored_row(session, event.record)) is not None:
            kept.add(row.id or 0)
    for row in session.exec(select(CompanyEvent).where(CompanyEvent.origin == "seed")):
        if (row.id or 0) not in kept:  # taken out of (or changed in) the seed file
            session.delete(row)
            counts["removed"] += 1
    session.flush()
    return dict(counts)


def stored_row(session: Session, record: EventRecord) -> CompanyEvent | None:
    """The stored row a record was saved as (the store's natural key, same company lookup)."""
    lookup = company_lookup(session)
    company = lookup.get_or_create(record.company, source=record.source)
    other = lookup.get_or_create(record.counterparty, source=record.source) if record.counterparty else None
    if other is not None and other.id == company.id:
        return None
    if other is not None and record.event_type in SYMMETRIC and company.name.lower() > other.name.lower():
        company, other = other, company
    key = natural_key(event_type=record.event_type, company_id=company.id or 0,
                      counterparty_id=other.id if other else None, status=record.status,
                      year=record.event_date.year if record.event_date else None)
    return session.exec(select(CompanyEvent).where(CompanyEvent.natural_key == key)).first()


def _annotate(session: Session, event: SeedEvent) -> bool:
    """Write precision, announced/completed dates, uncertainty and note; True when changed."""
    row = stored_row(session, event.record)
    if row is None or row.origin != "seed":
        return False
    wanted = {"date_precision": event.precision, "announced_date": event.announced,
              "completed_date": event.completed, "uncertain": event.uncertain}
    note = _merged_note(event.note, row.note)
    wanted["note"] = note
    changed = {k: v for k, v in wanted.items() if getattr(row, k) != v}
    for name, value in changed.items():
        setattr(row, name, value)
    if changed:
        session.add(row)
        session.flush()
    return bool(changed)


ALSO = "Also reported:"


def _merged_note(seed_note: str, stored: str) -> str:
    """The seed file's note plus the news items merged into the event (kept across reloads)."""
    extra = stored.split(ALSO, 1)[1].strip() if ALSO in (stored or "") else ""
    return f"{seed_note} {ALSO} {extra}".strip() if extra else seed_note


def company_kinds(session: Session) -> dict[int, str]:
    """company id -> kind, for companies whose kind is recorded."""
    return {c.id or 0: c.kind for c in session.exec(select(Company)) if c.kind}
