"""Make the digest from a store, and write its files (``tracker digest``, the nightly job)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.db.engine import session
from tracker.digest.build import Digest, build_digest
from tracker.digest.period import period
from tracker.digest.render import write_files

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings


def make_digest(engine: Engine, settings: Settings, *, since: datetime | None = None,
                now: datetime | None = None, include_systems: bool = False) -> Digest:
    """The digest from ``since`` (default: see ``tracker.digest.period``) to now."""
    with session(engine) as s:
        span = period(s, since=since, now=now)
        return build_digest(s, span, include_systems=include_systems,
                            min_confidence=settings.event_min_confidence)


def write_digest(engine: Engine, settings: Settings, *, folder: Path, since: datetime | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """Make the digest and write its three files into ``folder``; returns the figures the
    nightly report keeps (paths, counts, the period)."""
    digest = make_digest(engine, settings, since=since, now=now)
    paths = write_files(digest, folder)
    return {"paths": paths, "counts": digest.counts, "items": sum(digest.changes.counts.values()),
            "since": digest.period.since.isoformat(), "since_rule": digest.period.rule,
            "until": digest.period.until.isoformat()}
