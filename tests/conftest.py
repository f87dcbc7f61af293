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


@pytest.fixture
def replay() -> Iterator[object]:
    """The project's recorded snapshot on a loopback port."""
    from tracker.devtools.replay import ReplayServer

    with ReplayServer(SNAPSHOT) as server:
        yield server
