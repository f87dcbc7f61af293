"""The nightly job: one run at a time, survives a SIGKILL, failing sources reported."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock
from sqlalchemy import func
from sqlmodel import col, select

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


@pytest.mark.slow  # a whole nightly killed mid-crawl, then a second one
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
    assert report.steps["broken"] == {"status": "failed", "error": "RuntimeError: boom",
                                      "seconds": report.steps["broken"]["seconds"]}
    assert all(isinstance(step["seconds"], float) for step in report.steps.values())
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


# -- nothing new, little work (tracker.jobs.nightly's skip rule) --

PAPER: dict[str, Any] = {  # a paper on a product of the recorded EUDAMED snapshot (wording made up)
    "source": "pubmed", "external_id": "1", "pmid": "1", "year": 2020,
    "title": "Stand-alone artificial intelligence for breast cancer detection in screening mammography",
    "abstract": "We compared the stand-alone performance of a commercial AI system (Lunit INSIGHT MMG, "
                "Lunit, Seoul, South Korea) with 14 radiologists reading 2652 screening mammograms "
                "in a retrospective reader study."}
AFTER_CRAWL = ["link", "grade", "events", "platforms"]


def _stored_steps(url: str, run_id: int) -> dict:  # type: ignore[type-arg]
    engine = open_store(url)
    with session(engine) as s:
        run = s.get(CrawlRun, run_id)
        steps = dict(run.report["steps"]) if run is not None else {}
    engine.dispose()
    return steps


@pytest.mark.slow  # four nightlies in a row
def test_a_nightly_with_nothing_new_skips_the_heavy_steps_and_a_new_paper_still_flows(  # type: ignore[no-untyped-def]
        tmp_path: Path, db_url: str, replay, monkeypatch) -> None:
    from tracker.db.models import EvidenceGrade, PaperProductLink, Product, Publication
    from tracker.devtools.replay import replay_env
    from tracker.jobs import nightly as nightly_module
    from tracker.records import PublicationRecord
    from tracker.store import save_record

    # the code is what it is for the whole test (others may be editing this checkout)
    monkeypatch.setattr(nightly_module, "inputs_fingerprint", lambda settings: "code, settings, models")
    settings = get_settings(database_url=db_url, data_dir=tmp_path / "data", enabled_sources=["eudamed"])
    folder = tmp_path / "exports"

    def nightly():  # type: ignore[no-untyped-def]
        report = run_nightly(settings, env=replay_env(replay.url), replay=True, export_dir=folder)
        assert report.ok, report.failed
        return report

    cold = nightly()
    assert cold.steps["resolve_products"]["changed"] > 0 and cold.steps["export"]["status"] == "ok"
    # the same replayed records again and again: the source is asked every time and has nothing
    # new; a group of steps is skipped once it changed nothing on this very store, the exports
    # and the report are kept once they were made from it
    runs = [cold] + [nightly() for _ in range(3)]
    for before, run in zip(runs, runs[1:], strict=False):
        assert run.sources[0]["ok"] and run.sources[0]["new"] == run.sources[0]["updated"] == 0
        for group, names in (("resolve", ["resolve_products", "mark_composed"]), ("process", AFTER_CRAWL)):
            last, now = before.state["groups"][group], run.state["groups"][group]
            due = not (last["before"] == last["after"] == now["before"])
            assert [run.steps[name]["status"] for name in names] == ["ok" if due else "skipped"] * len(names)
        made = before.state["exports"]
        assert run.steps["export"]["status"] == ("skipped" if made["store"] == run.state["groups"]["process"]["after"] else "ok")
    last = runs[-1]
    stored = _stored_steps(db_url, last.run_id)  # what the store keeps of the run says why
    for name in ["resolve_products", "mark_composed", *AFTER_CRAWL, "export", "report"]:
        assert stored[name]["status"] == "skipped", name
        assert stored[name]["reason"].startswith("store unchanged since run ")
    assert stored["seed_events"]["status"] == stored["digest"]["status"] == "ok"
    assert last.changed == 0 and last.digest["items"] == 0
    assert Path(last.steps["report"]["path"]).is_file()

    # a paper added to the store (as ``tracker add-paper`` would): linked, graded, exported
    engine = open_store(db_url)
    with session(engine) as s:
        save_record(s, record=PublicationRecord(**PAPER))
        s.commit()
    added = nightly()
    assert added.steps["link"]["status"] == "ok" and added.steps["link"]["linked_now"] == 1
    assert added.steps["link"]["links"] == 1
    assert added.steps["grade"]["status"] == "ok" and added.steps["grade"]["graded"] == 1
    assert added.steps["export"]["status"] == added.steps["report"]["status"] == "ok"
    assert PAPER["title"] in (folder / "links.csv").read_text("utf-8")
    with session(engine) as s:
        paper_id = s.exec(select(Publication.id).where(Publication.pmid == "1")).one()
        linked = s.exec(select(Product.name).join(PaperProductLink, col(PaperProductLink.product_id) == Product.id)
                        .where(PaperProductLink.publication_id == paper_id)).all()
        assert linked == ["Lunit INSIGHT MMG"]
        assert s.exec(select(EvidenceGrade).where(EvidenceGrade.publication_id == paper_id)).first()
    engine.dispose()


def test_kept_exports_are_checked_copied_into_a_new_folder_and_no_skip_runs_every_step(
        tmp_path: Path, store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.jobs import nightly as nightly_module

    monkeypatch.setattr(nightly_module, "inputs_fingerprint", lambda settings: "code, settings, models")
    settings = get_settings(database_url=store_url, data_dir=tmp_path / "data", enabled_sources=[])
    day1, day2 = tmp_path / "day1", tmp_path / "day2"
    first = run_nightly(settings, export_dir=day1)
    second = run_nightly(settings, export_dir=day1)
    assert first.ok and second.steps["export"]["status"] == "skipped"
    third = run_nightly(settings, export_dir=day2)  # a new dated folder: the same files, copied
    assert third.steps["export"]["status"] == third.steps["report"]["status"] == "skipped"
    assert f"copied from {day1}" in third.steps["export"]["reason"]
    for name in ("products.csv", "gaps.json", "report.html"):
        assert (day2 / name).read_bytes() == (day1 / name).read_bytes()
    assert third.steps["link"]["status"] == "skipped"

    (day2 / "products.csv").write_text("edited by hand\n", "utf-8")  # no longer what was made
    fourth = run_nightly(settings, export_dir=day2)
    assert fourth.steps["export"]["status"] == "ok" and fourth.steps["report"]["status"] == "skipped"
    assert (day2 / "products.csv").read_bytes() == (day1 / "products.csv").read_bytes()

    fifth = run_nightly(settings, export_dir=day2, skip_unchanged=False)
    assert fifth.ok and not [name for name, step in fifth.steps.items() if step["status"] != "ok"]


def test_the_inputs_fingerprint_follows_the_settings_and_the_user_trained_models(tmp_path: Path) -> None:
    from tracker.jobs.steps import inputs_fingerprint

    settings = get_settings(data_dir=tmp_path / "data")
    first = inputs_fingerprint(settings)
    assert inputs_fingerprint(get_settings(data_dir=tmp_path / "data")) == first
    assert inputs_fingerprint(get_settings(data_dir=tmp_path / "data", event_min_confidence=0.99)) != first
    model = tmp_path / "data" / "models" / "grading_model.json"  # ``tracker train grading`` writes it
    model.parent.mkdir(parents=True)
    model.write_text("{}", "utf-8")
    assert inputs_fingerprint(settings) != first


def test_the_store_digest_sees_any_change_of_content_but_not_the_runs_own_records(store_url: str) -> None:
    from tracker.db.models import Company, EmbeddingCache, Watermark
    from tracker.jobs.steps import store_digest

    engine = open_store(store_url)
    empty = store_digest(engine)
    with session(engine) as s:
        s.add(CrawlRun(kind="nightly"))
        s.add(Watermark(source="pubmed", value="2026-01-01"))
        s.add(EmbeddingCache(content_hash="x", model="m", dim=1, vector=b"\0\0\0\0"))
        s.commit()
    assert store_digest(engine) == empty
    with session(engine) as s:
        company = Company(name="Acme", normalized_name="acme")
        s.add(company)
        s.commit()
        with_acme = store_digest(engine)
        assert with_acme != empty
        company.name = "Acne"  # a rename of the same length
        s.add(company)
        s.commit()
        assert store_digest(engine) not in (empty, with_acme)
        company.name = "Acme"
        s.add(company)
        s.commit()
    assert store_digest(engine) == with_acme
    engine.dispose()


def test_process_takes_the_nightly_lock(tmp_path: Path, db_url: str, engine) -> None:  # type: ignore[no-untyped-def]
    from tracker.jobs.locks import nightly_lock
    from tracker.jobs.process import process_store

    calls: list[str] = []
    settings = get_settings(database_url=db_url, data_dir=tmp_path / "data")
    steps = {"link": _fake_step("link", calls)}
    import tracker.jobs.process as process

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(process, "PROCESS_STEPS", steps)
        with nightly_lock(db_url, tmp_path / "elsewhere"), pytest.raises(AlreadyRunning, match="nightly.lock"):
            process_store(engine, settings, steps=("link",))  # the store's lock
            from typer.testing import CliRunner

            from tracker.cli import app

            result = CliRunner().invoke(app, ["process", "--database-url", db_url])
            assert result.exit_code == 2 and "not started:" in result.output  # one line, no traceback
        with FileLock(str(tmp_path / "data" / "nightly.lock")), pytest.raises(AlreadyRunning):
            process_store(engine, settings, steps=("link",))  # the data directory's
        assert calls == []
        assert process_store(engine, settings, steps=("link",)).steps == {"link": {"changed": 0}}
    assert calls == ["link"]


def test_exports_made_while_the_store_changed_are_made_again(tmp_path: Path, db_url: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A write during the export (a review decision saved meanwhile) may be in the files but
    not in the digest the run started them from: the next run makes them again."""
    from tracker.db.models import Company
    from tracker.exports import run as exports_run
    from tracker.jobs import nightly as nightly_module

    monkeypatch.setattr(nightly_module, "inputs_fingerprint", lambda settings: "code, settings, models")
    real = exports_run.export_all

    def export_all_meanwhile(engine, **kw):  # type: ignore[no-untyped-def]
        with session(engine) as s:
            s.add(Company(name="Written meanwhile", normalized_name="written meanwhile"))
            s.commit()
        return real(engine, **kw)

    settings = get_settings(database_url=db_url, data_dir=tmp_path / "data", enabled_sources=[])
    with monkeypatch.context() as mp:
        mp.setattr(exports_run, "export_all", export_all_meanwhile)
        first = run_nightly(settings, export_dir=tmp_path / "out")
    assert first.ok and "exports" not in first.state and "report" not in first.state
    second = run_nightly(settings, export_dir=tmp_path / "out")
    assert second.steps["export"]["status"] == "ok"
    assert "Written meanwhile" in (tmp_path / "out" / "companies.csv").read_text("utf-8")


def test_nightly_command_no_skip(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from typer.testing import CliRunner

    from tracker.cli import app
    from tracker.jobs import nightly as nightly_module

    monkeypatch.setattr(nightly_module, "inputs_fingerprint", lambda settings: "code, settings, models")
    monkeypatch.setenv("TRACKER_ENABLED_SOURCES", "[]")
    runner = CliRunner()
    statuses = []
    for flags in ([], [], [], ["--no-skip"]):
        result = runner.invoke(app, ["nightly", "--database-url", db_url, "--json", *flags])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        statuses.append({name: step["status"] for name, step in report["steps"].items()})
    assert statuses[2]["link"] == statuses[2]["export"] == "skipped"
    assert set(statuses[3].values()) == {"ok"}
