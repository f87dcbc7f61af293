"""Keyword-only data functions over the store.

``save_record(session, record=...)`` writes any record from ``tracker.records`` through the
upsert registered for its type and says whether the row was new, updated or unchanged.
Upserts are idempotent on natural keys: importing the same data twice changes nothing.
"""

from __future__ import annotations

from enum import StrEnum
from functools import singledispatch
from typing import Any

from sqlmodel import Session


class Outcome(StrEnum):
    NEW = "new"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@singledispatch
def _save(record: Any, session: Session) -> Outcome:
    raise TypeError(f"no store function for {type(record).__name__}")


def register_saver(record_type: type) -> Any:
    """Decorator: ``@register_saver(RegistrationRecord)`` on ``fn(record, session)``."""
    return _save.register(record_type)


def save_record(session: Session, *, record: Any) -> Outcome:
    """Write one record (registration, publication, news item, event) idempotently."""
    _load_savers()
    return _save(record, session)


def _load_savers() -> None:
    # Importing the modules registers their savers.
    from tracker.store import events, news, publications, registrations  # noqa: F401
