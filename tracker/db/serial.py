"""One writer at a time for work that reads the whole of something and writes it back.

``classify_products`` reads every product, registration and correction and writes every
product back. Two of them at once (the nightly's and a reviewer's ``tracker review product``)
would each write what it read before the other committed, and the later commit would undo
the earlier one's correction until the next run. ``serialize(session, "name")`` makes the
second wait for the first:

- PostgreSQL: a transaction-level advisory lock (``pg_advisory_xact_lock``) on a key made
  from the name; the server releases it when the transaction ends, or when the process dies;
- SQLite: nothing to do, it lets one writer in at a time already.

Take it first thing in the transaction (before reading), and commit as usual.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (Python's ``hash`` differs between processes)."""
    return int.from_bytes(hashlib.sha256(f"radai-tracker {name}".encode()).digest()[:8], "big", signed=True)


def serialize(session: Session, name: str) -> None:
    """Wait until no other transaction holds ``name``, then hold it until this one ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(name)})
