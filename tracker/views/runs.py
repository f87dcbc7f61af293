# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""The nightly job's runs and each source's counts and errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.collation import code_point_order
from tracker.db.models import CrawlRun, SourceRun


@dataclass
class RunRow:
    id: int
    kind: str
    status: str
    started_at: datetime | None
    finished_at: datetime | None
    sources: int
    errors: int
    log_path: str

    @property
    def duration(self) -> str:
        if not (self.started_at and self.finished_at):
            return ""
        seconds = int((self.finished_at - self.started_at).total_seconds())
        return f"{seconds // 60}m{seconds % 60:02d}s"


def recent_runs(session: Session, *, limit: int = 100) -> list[RunRow]:
    """Latest runs first, with how many sources ran and how many errors they had."""
    runs = session.execute(select(CrawlRun).order_by(CrawlRun.started_at.desc(),  # type: ignore[attr-defined]
                                                     CrawlRun.id.desc()).limit(limit)).scalars().all()  # type: ignore[union-attr]
    ids = [r.id for r in runs]
    per_run: dict[int, list[int]] = {}
    if ids:
        for run_id, errors in session.execute(select(SourceRun.run_id, SourceRun.errors)
                                              .where(SourceRun.run_id.in_(ids))):  # type: ignore[union-attr]
            per_run.setdefault(run_id, []).append(errors)
    return [RunRow(r.id or 0, r.kind, r.status, r.started_at, r.finished_at,
                   len(per_run.get(r.id or 0, [])), sum(per_run.get(r.id or 0, [])),
                   r.log_path or "") for r in runs]


def source_runs(session: Session, *, run_id: int) -> list[dict[str, Any]]:
    """Each source of one run: requests, new/updated/unchanged items, errors and their text."""
    rows = session.execute(select(SourceRun).where(SourceRun.run_id == run_id)
                           .order_by(code_point_order(SourceRun.source), SourceRun.id)).scalars()
    return [{"source": s.source, "status": s.status, "requests": s.requests, "new": s.items_new,
             "updated": s.items_updated, "unchanged": s.items_unchanged, "errors": s.errors,
             "error_text": s.error_text, "started_at": s.started_at, "finished_at": s.finished_at}
            for s in rows]


def run_report(session: Session, *, run_id: int) -> dict[str, Any]:
    run = session.get(CrawlRun, run_id)
    return dict(run.report or {}) if run else {}
