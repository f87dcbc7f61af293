"""One nightly run at a time, per store and per data directory.

Two runs that share a store overlap badly even with different data directories (both insert
the same new rows: UNIQUE constraint errors, half a night's work lost), so the lock is keyed
on the store itself:

- SQLite: an OS file lock beside the database file (``<db>.nightly.lock``), which the
  kernel releases when the process dies (no stale locks after a crash);
- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on one connection
  for the whole run; the server releases it when that connection closes;
- an in-memory SQLite store is private to its process and needs none.

The data directory keeps its own lock (``data_dir/nightly.lock``) too: logs, reports and the
dated export folder live there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from filelock import FileLock, Timeout
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


class AlreadyRunning(RuntimeError):
    """Another nightly run holds the lock."""


ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"radai-tracker nightly").digest()[:8], "big", signed=True)
"""The PostgreSQL advisory lock key (advisory locks are per database, so one key serves)."""


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an OS lock on ``path`` or raise ``AlreadyRunning`` at once."""
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise AlreadyRunning(f"another run holds {path}") from exc
    try:
        yield
    finally:
        lock.release()


def store_lock_path(database_url: str) -> Path | None:
    """The lock file of a SQLite store (None for other stores and in-memory SQLite)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().resolve().with_name(Path(url.database).name + ".nightly.lock")


@contextmanager
def advisory_lock(database_url: str) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock for the nightly job or raise ``AlreadyRunning``.

    The lock lives on one connection of its own, in autocommit mode: a session-level lock
    needs no transaction, and an open one would sit "idle in transaction" all night (holding
    back vacuum, and ended by a server's ``idle_in_transaction_session_timeout``, which would
    drop the lock with it). The server releases the lock when that connection closes, so a
    killed run leaves none behind."""
    engine = create_engine(database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            held = connection.execute(text("SELECT pg_try_advisory_lock(:key)"),
                                      {"key": ADVISORY_KEY}).scalar()
            if not held:
                raise AlreadyRunning("another run holds the store's advisory lock "
                                     f"({make_url(database_url).render_as_string()})")
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
    finally:
        engine.dispose()


@contextmanager
def nightly_lock(database_url: str, data_dir: Path) -> Iterator[None]:
    """The store's lock, then the data directory's; ``AlreadyRunning`` if either is held."""
    with ExitStack() as stack:
        path = store_lock_path(database_url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            stack.enter_context(file_lock(path))
        elif make_url(database_url).get_backend_name() == "postgresql":
            stack.enter_context(advisory_lock(database_url))
        data_dir.mkdir(parents=True, exist_ok=True)
        stack.enter_context(file_lock(data_dir / "nightly.lock"))
        yield
