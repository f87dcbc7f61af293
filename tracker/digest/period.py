"""The period a digest covers: from ``since`` to the moment it is made.

Rule for the default start (``tracker digest`` without ``--since``, and the nightly), so that
consecutive nightly digests neither repeat nor miss a change:

1. the end of the period of the last digest an earlier nightly run wrote (its run report's
   ``digest.until``), whatever that run's status: that digest covered everything before it;
2. else the start of the last *successful* nightly run before the latest one (the latest run
   is the one in progress when the nightly writes its digest);
3. else 24 hours before now. Every time is UTC; a
time read back without a zone (SQLite) is UTC, as the store writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from tracker.db.models import CrawlRun

RUN_KINDS = ("nightly", "demo")
"""Runs whose start can open a digest's period (``CrawlRun.kind``)."""
FALLBACK = timedelta(hours=24)


class PeriodError(ValueError):
    """A ``--since`` value that is neither a date nor a date and time."""


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
    rule: str  # why ``since`` is what it is, in words


def aware(value: datetime | None) -> datetime | None:
    """A stored time with its zone (UTC when the database dropped it)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_since(text: str) -> datetime:
    """``YYYY-MM-DD`` (midnight UTC) or an ISO date and time (UTC when no zone is given)."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise PeriodError(f"--since: {text!r} is not YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][+zone]") from exc
    return aware(parsed) or parsed


def default_since(session: Session, now: datetime, *, kinds: tuple[str, ...] = RUN_KINDS
                  ) -> tuple[datetime, str]:
    """The default start and its rule (see the module docstring)."""
    latest = session.execute(select(col(CrawlRun.id)).where(col(CrawlRun.kind).in_(kinds))
                             .order_by(col(CrawlRun.id).desc()).limit(1)).scalar()
    if latest is not None:
        runs = session.execute(select(col(CrawlRun.id), col(CrawlRun.report))
                               .where(col(CrawlRun.kind).in_(kinds), col(CrawlRun.id) < latest)
                               .order_by(col(CrawlRun.id).desc()).limit(50)).all()
        for run_id, report in runs:
            until = _digest_until(report)
            if until is not None and until <= now:
                return until, f"end of the period of the last digest (run {run_id})"
        row = session.execute(select(col(CrawlRun.id), col(CrawlRun.started_at))
                              .where(col(CrawlRun.kind).in_(kinds), col(CrawlRun.status) == "ok",
                                     col(CrawlRun.id) < latest)
                              .order_by(col(CrawlRun.id).desc()).limit(1)).first()
        if row is not None:
            started = aware(row[1]) or now
            return started, f"start of the last successful nightly run before the latest (run {row[0]})"
    return now - FALLBACK, "24 hours before the digest was made (no earlier successful nightly run)"


def _digest_until(report: object) -> datetime | None:
    """``digest.until`` of a stored run report, when the run wrote a digest."""
    digest = report.get("digest") if isinstance(report, dict) else None
    until = digest.get("until") if isinstance(digest, dict) else None
    if not isinstance(until, str):
        return None
    try:
        return aware(datetime.fromisoformat(until))
    except ValueError:
        return None


def period(session: Session, *, since: datetime | None = None, now: datetime | None = None) -> Period:
    """The period from ``since`` (or the default) to ``now``."""
    until = aware(now) or datetime.now(UTC)
    if since is not None:
        return Period(aware(since) or since, until, "given (--since)")
    start, rule = default_since(session, until)
    return Period(start, until, rule)
