"""Export one kind, or every kind into a dated folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.db.engine import session
from tracker.exports.columns import KINDS, column_names
from tracker.exports.effective import load_effective
from tracker.exports.rows import BUILDERS
from tracker.exports.writers import write_rows

USES_EVIDENCE = {"products", "papers", "links", "grades", "gaps"}


def export_kind(engine: Engine, *, kind: str, fmt: str, out: Path) -> int:
    if kind not in KINDS:
        raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    with session(engine) as s:
        builder: Any = BUILDERS[kind]
        rows = builder(s, load_effective(s)) if kind in USES_EVIDENCE else builder(s)
        return write_rows(rows, columns=column_names(kind), fmt=fmt, out=out)


def export_all(engine: Engine, *, folder: Path, formats: tuple[str, ...] = ("csv", "json")) -> dict[str, int]:
    """Every kind in every format into ``folder``; returns rows per kind."""
    counts: dict[str, int] = {}
    for kind in KINDS:
        for fmt in formats:
            counts[kind] = export_kind(engine, kind=kind, fmt=fmt, out=folder / f"{kind}.{fmt}")
    return counts
