"""Engine factory and schema set-up. No engine exists until someone asks for one."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _postgres_utc(dbapi_connection: Any, _record: Any) -> None:
    """Every session in UTC, whatever the server's or the database's ``timezone`` says: the
    timestamps read back (and any date taken from one) are the same as on SQLite, which
    stores them in UTC (``tracker.db.models.UTCDateTime``)."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a SET outside a transaction: no rollback undoes it
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    dbapi_connection.autocommit = autocommit


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL; SQLite gets WAL mode, foreign keys and a busy timeout,
    and its folder is created; PostgreSQL sessions run in UTC, and a pooled connection the
    server dropped (a restart, an idle timeout) is replaced before use, not reported to an
    analyst's screen."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    kwargs: dict[str, Any] = {}
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif backend == "postgresql":
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif backend == "postgresql":
        event.listen(engine, "connect", _postgres_utc)
    return engine


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_MIGRATING = threading.Lock()
"""Alembic runs a migration through module-level proxies (``alembic.context``): two threads
migrating at once (the TUI's worker and a test's) would remove each other's."""


def init_db(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration (one thread at a time; on
    PostgreSQL one process at a time too: crawl workers or analysts opening a new store
    together take turns on an advisory lock, and the later ones find the schema done)."""
    from alembic import command

    from tracker.db.serial import lock_key

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with _MIGRATING, engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": lock_key("migrations")})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def open_store(url: str, *, create: bool = True) -> Engine:
    """An engine whose schema is up to date."""
    engine = make_engine(url)
    if create:
        init_db(engine)
    return engine


def session(engine: Engine) -> Session:
    return Session(engine, expire_on_commit=False)
