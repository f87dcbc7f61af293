"""The nightly job: one run at a time, survives a SIGKILL, failing sources reported."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock
from sqlalchemy import func
from sqlmodel import select

from tracker.config import get_settings
from tracker.db.engine import open_store, session
from tracker.db.models import CrawlRun, Registration, SourceRun
from tracker.jobs.nightly import AlreadyRunning, run_nightly

RUNNER = """
import sys
from tracker.config import get_settings
from tracker.devtools.replay import replay_env
from tracker.jobs.nightly import run_nightly
settings = get_settings(database_url=sys.argv[1], data_dir=sys.argv[2], enabled_sources=["regulatory"])
report = run_nightly(settings, env=replay_env(sys.argv[3]), replay=True)
sys.exit(0 if report.ok else 1)
"""


def _count(url: str, *, fda_only: bool = False) -> int:
    query = select(func.count()).select_from(Registration)
    if fda_only:
        query = query.where(Registration.regulator == "FDA")
    engine = open_store(url)
    with session(engine) as s:
        n = s.exec(query).one()
    engine.dispose()
    return n


def test_second_run_waits_for_the_lock(tmp_path: Path, db_url: str) -> None:
    settings = get_settings(database_url=db_url, data_dir=tmp_path)
    with FileLock(str(tmp_path / "nightly.lock")), pytest.raises(AlreadyRunning):
        run_nightly(settings)


def test_two_runs_on_one_store_from_different_data_dirs_do_not_overlap(tmp_path: Path, db_url: str) -> None:
    from tracker.jobs.locks import nightly_lock, store_lock_path

    with nightly_lock(db_url, tmp_path / "a"):
        settings = get_settings(database_url=db_url, data_dir=tmp_path / "b")
        with pytest.raises(AlreadyRunning, match=r"tracker\.db\.nightly\.lock"):
            run_nightly(settings)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert store_lock_path(other) != store_lock_path(db_url)
    assert store_lock_path("sqlite://") is None  # in-memory: private to its process
    with nightly_lock(db_url, tmp_path / "a"), nightly_lock(other, tmp_path / "c"):
        pass  # different stores and data directories run side by side


def test_killed_run_then_new_run_completes_without_duplicates(tmp_path: Path, db_url: str, replay) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, db_url, str(data_dir), replay.url],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    db_file = Path(db_url.removeprefix("sqlite:///"))
    while time.monotonic() < deadline and proc.poll() is None:
        if db_file.exists():
            try:
                if _count(db_url, fda_only=True) > 0:
                    break
            except Exception:  # the schema may be half-created at this instant
                pass
        time.sleep(0.02)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)  # the job and its spider child, as systemd would
    proc.wait()
    killed_with = _count(db_url, fda_only=True)
    assert killed_with <= 1164

    settings = get_settings(database_url=db_url, data_dir=data_dir, enabled_sources=["regulatory"])
    from tracker.devtools.replay import replay_env

    report = run_nightly(settings, env=replay_env(replay.url), replay=True)
    fda = next(s for s in report.sources if s["source"] == "fda_list")
    assert fda["ok"]
    assert _count(db_url, fda_only=True) == 1164
    engine = open_store(db_url)
    with session(engine) as s:
        numbers = s.exec(select(Registration.number).where(Registration.regulator == "FDA")).all()
        assert len(numbers) == len(set(numbers))
        statuses = [r.status for r in s.exec(select(CrawlRun).order_by(CrawlRun.id))]
        assert statuses[-1] in ("ok", "failed") and all(st != "running" for st in statuses)
        if len(statuses) > 1:
            assert statuses[0] == "crashed"
        assert s.exec(select(func.count()).select_from(SourceRun)).one() >= 1
    engine.dispose()
    assert Path(report.log_path).exists()


def test_a_failing_source_does_not_stop_the_others(tmp_path: Path, db_url: str, replay, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs import crawl, nightly

    monkeypatch.setitem(crawl.SOURCE_GROUPS, "regulatory", ["no_such_spider", "fda_list"])
    monkeypatch.setattr(nightly, "PROCESS_STEPS", {})
    monkeypatch.setattr(nightly, "BEFORE_CRAWL", [])
    monkeypatch.setattr(crawl, "AFTER_REGULATORY", [])
    settings = get_settings(database_url=db_url, data_dir=tmp_path, enabled_sources=["regulatory"])
    report = run_nightly(settings, env=replay_env(replay.url), replay=True)
    assert report.failed == ["no_such_spider"] and not report.ok
    assert next(s for s in report.sources if s["source"] == "fda_list")["new"] == 1164
    assert (tmp_path / "reports" / f"run-{report.run_id}.json").exists()


def _fake_step(name: str, calls: list[str], *, fail: bool = False):  # type: ignore[no-untyped-def]
    def step(engine, settings):  # type: ignore[no-untyped-def]
        calls.append(name)
        if fail:
            raise RuntimeError("boom")
        return {"changed": 0}

    step.__name__ = name
    return step


def test_steps_run_in_order_and_products_are_resolved_after_the_regulators(tmp_path: Path, db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tracker.jobs import crawl, nightly
    from tracker.jobs.crawl import SpiderResult

    calls: list[str] = []
    monkeypatch.setattr(crawl, "run_spider", lambda name, **kw: calls.append(name) or SpiderResult(source=name, ok=True))
    monkeypatch.setattr(nightly, "BEFORE_CRAWL", [_fake_step("seed", calls)])
    monkeypatch.setattr(crawl, "AFTER_REGULATORY", [_fake_step("resolve", calls)])
    monkeypatch.setattr(nightly, "PROCESS_STEPS", {"link": _fake_step("link", calls),
                                                  "broken": _fake_step("broken", calls, fail=True),
                                                  "grade": _fake_step("grade", calls)})
    settings = get_settings(database_url=db_url, data_dir=tmp_path, enabled_sources=["regulatory", "literature"])
    report = run_nightly(settings)
    assert calls == ["seed", *crawl.SOURCE_GROUPS["regulatory"], "resolve", *crawl.SOURCE_GROUPS["literature"],
                     "link", "broken", "grade"]
    assert list(report.steps)[:5] == ["seed", "resolve", "link", "broken", "grade"]
    assert report.steps["broken"] == {"status": "failed", "error": "RuntimeError: boom"}
    assert report.failed == ["broken"]


def test_crawl_command_resolves_products_after_the_regulatory_spiders(db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from tracker.cli import app
    from tracker.jobs import crawl
    from tracker.jobs.crawl import SpiderResult

    calls: list[str] = []
    monkeypatch.setattr(crawl, "run_spider", lambda name, **kw: calls.append(name) or SpiderResult(source=name, ok=True))
    result = CliRunner().invoke(app, ["crawl", "fda_list", "eudamed", "pubmed", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    lines = [line.split(":")[0] for line in result.output.splitlines()]
    assert lines == ["fda_list", "eudamed", "resolve_products", "mark_composed", "pubmed"]
    assert calls == ["fda_list", "eudamed", "pubmed"]
