"""Load the editable file of known market events (``tracker/resources/market_events.toml``
or the ``market_events_file`` setting) into the store. Idempotent."""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from sqlmodel import Session

from tracker.records import EventRecord
from tracker.store import save_record
from tracker.store.companies import add_company_alias, get_or_create_company

EVENT_TYPES = frozenset({"acquisition", "merger", "closure", "rebrand", "ce_mark", "fda_clearance",
                         "funding", "partnership"})


class SeedError(ValueError):
    """The seed file is unreadable or an entry in it is invalid."""


def default_seed_path() -> Path:
    return Path(str(resources.files("tracker.resources").joinpath("market_events.toml")))


def parse_seed_date(value: Any) -> date | None:
    """``2022-11-01``, ``2022-11`` (the 1st) or ``2022`` (1 January); None when absent."""
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    text = str(value)
    parts = [int(p) for p in text.split("-")]
    if not 1 <= len(parts) <= 3:
        raise SeedError(f"bad date {text!r}")
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def read_seed(path: Path | None = None) -> tuple[list[dict[str, Any]], list[EventRecord]]:
    """(company blocks, event records) of a seed file, checked."""
    path = path or default_seed_path()
    try:
        data = tomllib.loads(Path(path).read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(f"{path}: {exc}") from exc
    records = []
    for number, item in enumerate(data.get("event", []), 1):
        where = f"{path} event #{number}"
        if item.get("type") not in EVENT_TYPES or not item.get("company") or not item.get("source"):
            raise SeedError(f"{where}: needs a known type, a company and a source")
        try:
            when = parse_seed_date(item.get("date"))
        except (SeedError, ValueError) as exc:
            raise SeedError(f"{where}: {exc}") from exc
        source = str(item["source"])
        records.append(EventRecord(
            source="seed", source_url=source, raw={"note": item.get("note", ""), "file": str(path)},
            event_type=item["type"], company=item["company"], counterparty=item.get("counterparty"),
            event_date=when, status=item.get("status"),
            stake=float(item["stake"]) if item.get("stake") is not None else None,
            sentence=item.get("note") or None, origin="seed", confidence=1.0))
    return list(data.get("company", [])), records


def load_seed(session: Session, *, path: Path | None = None) -> dict[str, int]:
    """Write the seed file's companies, aliases and events; returns counts per outcome."""
    companies, records = read_seed(path)
    counts: Counter[str] = Counter()
    for block in companies:
        company = get_or_create_company(session, name=block["name"], source="seed",
                                        country=block.get("country"))
        for alias in block.get("aliases", []):
            counts["aliases_added"] += add_company_alias(session, company=company, alias=alias,
                                                         kind="spelling", source="seed")
    session.info.pop("company_resolver", None)  # names changed: resolve afresh
    for record in records:
        counts[save_record(session, record=record).value] += 1
    return dict(counts)
