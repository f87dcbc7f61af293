"""Owners today for every company, from the market events (``tracker.market.ownership``)."""

from __future__ import annotations

from sqlmodel import Session


def owners_today(session: Session) -> dict[int, tuple[str | None, str]]:
    """company id -> (direct owner name or None, ultimate parent name)."""
    from tracker.market.ownership import owners_table

    return owners_table(session)
