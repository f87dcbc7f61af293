"""File imports that write through the store's data functions (idempotent)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.db.engine import session
from tracker.store import Outcome, save_record


@dataclass
class ImportResult:
    counts: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.counts[o.value]} {o.value}" for o in Outcome]
        if self.problems:
            parts.append(f"{len(self.problems)} skipped")
        return ", ".join(parts)


def save_all(engine: Engine, records: list[Any], result: ImportResult | None = None) -> ImportResult:
    """Save records in one transaction and count new/updated/unchanged."""
    result = result or ImportResult()
    with session(engine) as s:
        for record in records:
            result.counts[save_record(s, record=record).value] += 1
        s.commit()
    return result


def import_fda_list(engine: Engine, *, path: Path, panel: str | None = "Radiology") -> ImportResult:
    """Import the FDA AI-enabled list from its CSV or XML export."""
    from tracker.parsers.fda_list import parse_fda_csv, parse_fda_xml

    url = path.resolve().as_uri()
    if path.suffix.lower() == ".xml":
        parsed = parse_fda_xml(path.read_bytes(), source_url=url, panel=panel)
    else:
        parsed = parse_fda_csv(path.read_text("utf-8-sig", errors="replace"), source_url=url, panel=panel)
    result = ImportResult(problems=list(parsed.problems))
    return save_all(engine, parsed.records, result)
