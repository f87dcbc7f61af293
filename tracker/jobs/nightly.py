"""The nightly job: crawl every enabled source, process what is new, export, write the HTML
report and the digest of what changed since the previous successful run (and run the
delivery hook), report.

- One run at a time per store and per data directory (``tracker.jobs.locks``): OS file
  locks (beside the SQLite file, and ``data_dir/nightly.lock``) that the kernel releases
  when the process dies, or PostgreSQL's advisory lock, so a crashed or killed run never
  leaves one stuck. Runs a killed process left marked ``running`` are marked ``crashed`` by
  the next run.
- Each spider runs in its own process; one failing source does not stop the others.
- Watermarks advance only when a source's crawl succeeded (see ``spiders.pipelines``).
- The HTML report and the digest go beside the exports; a failing delivery hook is a failed ``digest_hook``
  step (logged), the digest files stay.
- Exit status is non-zero when any source or step failed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import select

from tracker.db.engine import open_store, session
from tracker.db.models import CrawlRun, SourceRun
from tracker.jobs import steps as job_steps
from tracker.jobs.crawl import SpiderResult, crawl_sources, expand_sources
from tracker.jobs.locks import AlreadyRunning, nightly_lock
from tracker.jobs.steps import BEFORE_CRAWL, PROCESS_STEPS, Step, call_step, step_name
from tracker.records import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

__all__ = ["AlreadyRunning", "NightlyReport", "format_report", "run_nightly"]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class NightlyReport:
    run_id: int
    started_at: datetime
    finished_at: datetime | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)
    exports: dict[str, int] = field(default_factory=dict)
    export_dir: str | None = None
    digest: dict[str, Any] = field(default_factory=dict)  # paths, counts, period (tracker.digest)
    log_path: str | None = None

    @property
    def failed(self) -> list[str]:
        bad = [s["source"] for s in self.sources if not s["ok"]]
        return bad + [name for name, step in self.steps.items() if step.get("status") == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def changed(self) -> int:
        """Rows created or changed by this run (0 means the store already held everything)."""
        crawled = sum(s["new"] + s["updated"] for s in self.sources)
        return crawled + sum(int(step.get("changed", 0)) for step in self.steps.values())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(ok=self.ok, failed=self.failed, changed=self.changed)
        return data


def _run_step(report: NightlyReport, step: Step, engine: Engine, settings: Settings,
              progress: Progress) -> None:
    name = step_name(step)
    progress(f"step {name}")
    try:
        report.steps[name] = {"status": "ok", **call_step(step, engine, settings)}
    except Exception as exc:  # a failing step is reported; the others still run
        log.exception("step %s failed", name)
        report.steps[name] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def _mark_crashed(engine: Engine) -> int:
    with session(engine) as s:
        stale = s.exec(select(CrawlRun).where(CrawlRun.status == "running")).all()
        for run in stale:
            run.status, run.finished_at = "crashed", run.finished_at or utcnow()
            s.add(run)
        for src in s.exec(select(SourceRun).where(SourceRun.status == "running")).all():
            src.status = "crashed"
            s.add(src)
        s.commit()
        return len(stale)


def _record_source(engine: Engine, run_id: int, result: SpiderResult, started: datetime) -> None:
    with session(engine) as s:
        s.add(SourceRun(run_id=run_id, source=result.source, status="ok" if result.ok else "failed",
                        requests=result.requests, items_new=result.new, items_updated=result.updated,
                        items_unchanged=result.unchanged, errors=result.errors,
                        error_text=result.error_text, started_at=started, finished_at=utcnow()))
        s.commit()


def run_nightly(
    settings: Settings,
    *,
    kind: str = "nightly",
    env: dict[str, str] | None = None,
    replay: bool = False,
    export_dir: Path | None = None,
    progress: Progress | None = None,
) -> NightlyReport:
    """Run the whole job once; raises ``AlreadyRunning`` when another run holds the lock."""
    progress = progress or (lambda message: log.info("%s", message))
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with nightly_lock(settings.database_url, data_dir):
        return _run_locked(settings, kind=kind, env=env or {}, replay=replay,
                           export_dir=export_dir, progress=progress, data_dir=data_dir)


def _run_locked(settings: Settings, *, kind: str, env: dict[str, str], replay: bool,
                export_dir: Path | None, progress: Progress, data_dir: Path) -> NightlyReport:
    engine = open_store(settings.database_url)
    crashed = _mark_crashed(engine)
    if crashed:
        progress(f"marked {crashed} interrupted earlier run(s) as crashed")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    log_path = data_dir / "logs" / f"{kind}-{stamp}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with session(engine) as s:
        run = CrawlRun(kind=kind, log_path=str(log_path))
        s.add(run)
        s.commit()
        run_id = run.id or 0
    report = NightlyReport(run_id=run_id, started_at=utcnow(), log_path=str(log_path))
    for step in BEFORE_CRAWL:
        _run_step(report, step, engine, settings, progress)

    def recorded(result: SpiderResult, started: datetime) -> None:
        _record_source(engine, run_id, result, started)
        report.sources.append(asdict(result))

    def after(steps: list[Step]) -> None:
        for step in steps:
            _run_step(report, step, engine, settings, progress)

    spiders = expand_sources(settings.enabled_sources) if settings.enabled_sources else []
    crawl_sources(spiders, settings, env=env, replay=replay, log_file=log_path, progress=progress,
                  on_result=recorded, run_after=after)
    for step in PROCESS_STEPS.values():
        _run_step(report, step, engine, settings, progress)
    progress("export")
    folder = export_dir or data_dir / "exports" / datetime.now(UTC).strftime("%Y-%m-%d")
    try:
        from tracker.exports.run import export_all

        report.exports = export_all(engine, folder=folder)
        report.export_dir = str(folder)
    except Exception as exc:
        log.exception("export failed")
        report.steps["export"] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    _write_report(report, engine, settings, folder, progress)
    _write_digest(report, engine, settings, folder, progress)
    report.finished_at = utcnow()
    _finish(engine, report, data_dir)
    engine.dispose()
    return report


def _write_report(report: NightlyReport, engine: Engine, settings: Settings, folder: Path,
                  progress: Progress) -> None:
    """The HTML report beside the exports; a failure is logged and reported as a failed
    ``report`` step, never raised."""
    progress("report")
    try:
        report.steps["report"] = {"status": "ok", **job_steps.report(engine, settings, folder=folder)}
    except Exception as exc:
        log.exception("report failed")
        report.steps["report"] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def _write_digest(report: NightlyReport, engine: Engine, settings: Settings, folder: Path,
                  progress: Progress) -> None:
    """The digest step, then the delivery hook when the digest was written; each failure is
    logged and reported as a failed step (``digest``, ``digest_hook``), never raised."""
    progress("digest")
    try:
        report.digest = job_steps.digest(engine, settings, folder=folder)
        report.steps["digest"] = {"status": "ok", "items": report.digest["items"],
                                  "watched": report.digest["counts"].get("watched", 0)}
    except Exception as exc:
        log.exception("digest failed")
        report.steps["digest"] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        return
    if not settings.digest_hook:
        return
    progress("digest hook")
    try:
        paths = dict(report.digest["paths"])
        if report.steps.get("report", {}).get("path"):
            paths["report"] = report.steps["report"]["path"]
        report.steps["digest_hook"] = {"status": "ok", **job_steps.deliver_digest(settings, paths)}
    except Exception as exc:
        log.error("digest hook failed: %s", exc)
        report.steps["digest_hook"] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def _finish(engine: Engine, report: NightlyReport, data_dir: Path) -> None:
    data = report.to_dict()
    reports = data_dir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / f"run-{report.run_id}.json").write_text(json.dumps(data, indent=2, default=str), "utf-8")
    with session(engine) as s:
        run = s.get(CrawlRun, report.run_id)
        if run is not None:
            run.status = "ok" if report.ok else "failed"
            run.finished_at = report.finished_at
            run.report = json.loads(json.dumps(data, default=str))
            s.add(run)
            s.commit()


def format_report(report: NightlyReport) -> str:
    lines = [f"run {report.run_id}: {'ok' if report.ok else 'FAILED: ' + ', '.join(report.failed)}"]
    for src in report.sources:
        state = "ok" if src["ok"] else f"failed ({src['error_text']})"
        lines.append(f"  {src['source']:<24} {src['requests']:>5} requests  {src['new']:>5} new  "
                     f"{src['updated']:>5} updated  {src['unchanged']:>5} unchanged  "
                     f"{src['errors']:>3} errors  {src['seconds']:6.1f}s  {state}")
    for name, step in report.steps.items():
        figures = ", ".join(f"{k}={v}" for k, v in step.items() if k != "status")
        lines.append(f"  step {name:<19} {step.get('status')}  {figures}")
    if report.export_dir:
        lines.append(f"  exports in {report.export_dir}")
    if report.digest.get("paths"):
        lines.append(f"  digest: {report.digest['paths']['md']} ({report.digest['items']} changes)")
    lines.append(f"  log: {report.log_path}")
    return "\n".join(lines)
