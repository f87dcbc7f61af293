"""Shared fixtures: an isolated environment, a fresh store, the replay server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
SNAPSHOT = ROOT / "data" / "snapshot"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the user's configuration and the network out of every test."""
    for key in list(os.environ):
        if key.startswith("TRACKER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "no-such-tracker.toml"))
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def engine(db_url: str):  # type: ignore[no-untyped-def]
    from tracker.db.engine import open_store

    eng = open_store(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine):  # type: ignore[no-untyped-def]
    from tracker.db.engine import session

    with session(engine) as s:
        yield s


@pytest.fixture(scope="session")
def fda_resolved_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """The recorded FDA AI-enabled list imported and resolved into products, once per session
    (it takes seconds): tests that start from it get a copy (``copy_store``). Returns the
    store file and the first resolution's counts."""
    from tracker.db.engine import open_store, session
    from tracker.jobs.importers import import_fda_list
    from tracker.products.resolution import resolve_products

    path = tmp_path_factory.mktemp("fda-resolved") / "tracker.db"
    engine = open_store(f"sqlite:///{path}")
    import_fda_list(engine, path=SNAPSHOT / "fda" / "ai-ml-enabled-devices.csv")
    with session(engine) as s:
        first = resolve_products(s)
    engine.dispose()
    return path, first


@pytest.fixture
def replay() -> Iterator[object]:
    """The project's recorded snapshot on a loopback port."""
    from tracker.devtools.replay import ReplayServer

    with ReplayServer(SNAPSHOT) as server:
        yield server


# -- real servers on loopback (Debian's postgresql and redis-server; .ci/run installs them) --

@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    """One throwaway PostgreSQL cluster for the session (initdb/pg_ctl on a free port, run
    as the ``postgres`` user when the tests run as root). Skipped only when the server's
    binaries are absent, with the reason."""
    from tracker.devtools.servers import PostgresServer, missing_postgres

    reason = missing_postgres()
    if reason:
        pytest.skip(reason)
    with PostgresServer() as server:
        yield server


@pytest.fixture
def pg_url(pg_server, request: pytest.FixtureRequest) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    import re

    name = "t_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + f"_{os.getpid()}"
    pg_server.drop_database(name)
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test on SQLite and on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def redis_server() -> Iterator[object]:
    """One throwaway redis-server for the session, on a free loopback port."""
    from tracker.devtools.servers import RedisServer, missing_redis

    reason = missing_redis()
    if reason:
        pytest.skip(reason)
    with RedisServer() as server:
        yield server
