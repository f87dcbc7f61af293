"""Faults from the replay server: retried, or reported per source; nothing stored is lost."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from tracker.devtools.replay import Fault


@pytest.fixture
def listed(replay, db_url: str):  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    assert run_spider("fda_list", database_url=db_url, env=replay_env(replay.url), replay=True).ok
    return db_url


def _state(db_url: str) -> tuple[int, int, str | None]:
    """(registrations, registrations with a device class, the 510(k) watermark)."""
    from tracker.db.engine import open_store, session
    from tracker.db.models import Registration
    from tracker.store.runs import get_watermark

    engine = open_store(db_url)
    with session(engine) as s:
        total = s.exec(select(func.count()).select_from(Registration)).one()
        classed = s.exec(select(func.count()).select_from(Registration)
                         .where(Registration.device_class.is_not(None))).one()  # type: ignore[union-attr]
        mark = get_watermark(s, source="openfda_510k")
    engine.dispose()
    return total, classed, mark


def test_429_with_retry_after_and_a_truncated_body_are_retried(replay, listed: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    replay.add_fault(Fault(path_prefix="/openfda/device/510k.json", status=429, retry_after=1, times=1))
    replay.add_fault(Fault(path_prefix="/openfda/device/510k.json", truncate=0.5, times=1,
                           query_contains="product_code"))
    result = run_spider("openfda_510k", database_url=listed, env=replay_env(replay.url), replay=True)
    assert result.ok, result.error_text
    assert result.updated == 377 and result.seconds >= 1.0  # waited what Retry-After asked
    assert sum("product_code" in p for p in replay.requests) == 4  # 3 pages + 1 retry


@pytest.mark.slow  # every retry of a persistent 500 waited out
def test_persistent_500_fails_only_that_source_and_keeps_the_store(replay, listed: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    env = replay_env(replay.url)
    assert run_spider("openfda_510k", database_url=listed, env=env, replay=True).ok
    before = _state(listed)
    replay.add_fault(Fault(path_prefix="/openfda/device/", status=500, times=-1))
    failed = run_spider("openfda_510k", database_url=listed, env=env, replay=True)
    assert not failed.ok and failed.errors >= 1 and "errors" in failed.error_text
    pma = run_spider("openfda_pma", database_url=listed, env=env, replay=True)
    assert not pma.ok
    assert _state(listed) == before  # rows, enrichment and watermark are all still there
    replay.faults.clear()
    assert run_spider("openfda_pma", database_url=listed, env=env, replay=True).ok  # the others go on


def test_truncated_json_every_time_is_reported_and_nothing_is_lost(replay, listed: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    before = _state(listed)
    replay.add_fault(Fault(path_prefix="/openfda/device/510k.json", truncate=0.3, times=-1))
    result = run_spider("openfda_510k", database_url=listed, env=replay_env(replay.url), replay=True)
    assert not result.ok and result.errors >= 1
    assert _state(listed) == before and before[2] is None  # no watermark from a failed crawl


def test_malformed_json_body_is_a_reported_problem(replay, listed: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    # composed: a complete HTTP answer whose JSON is cut short
    replay.add_fault(Fault(path_prefix="/openfda/device/classification.json", status=200,
                           body=b'{"meta": {"results": {"total": 2}}, "results": [{"product_co', times=-1))
    result = run_spider("openfda_classification", database_url=listed, env=replay_env(replay.url), replay=True)
    assert not result.ok and result.errors >= 1 and result.extra["parse_problems"] >= 1
