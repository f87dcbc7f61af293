"""Export one kind, or every kind into a dated folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from tracker.db.engine import session
from tracker.exports.columns import KINDS, column_names
from tracker.exports.rows import BUILDERS, ExportEvidence, load_evidence
from tracker.exports.writers import write_rows

USES_EVIDENCE = {"products", "papers", "links", "grades", "gaps"}


def export_kind(engine: Engine, *, kind: str, fmt: str, out: Path,
                evidence: ExportEvidence | None = None) -> int:
    if kind not in KINDS:
        raise ValueError(f"unknown export {kind!r}; choose one of {', '.join(KINDS)}")
    with session(engine) as s:
        builder: Any = BUILDERS[kind]
        if kind in USES_EVIDENCE:
            rows = builder(s, evidence if evidence is not None else load_evidence(s))
        else:
            rows = builder(s)
        return write_rows(rows, columns=column_names(kind), fmt=fmt, out=out)


def export_all(engine: Engine, *, folder: Path, formats: tuple[str, ...] = ("csv", "json")) -> dict[str, int]:
    """Every kind in every format into ``folder``; returns rows per kind."""
    counts: dict[str, int] = {}
    with session(engine) as s:
        evidence = load_evidence(s)  # read once for every kind and format
    for kind in KINDS:
        for fmt in formats:
            counts[kind] = export_kind(engine, kind=kind, fmt=fmt, out=folder / f"{kind}.{fmt}",
                                       evidence=evidence)
    return counts
