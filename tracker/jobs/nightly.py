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

Nothing new, little work. Each run records, in its run report (``state``), a digest of the
store's content before and after each group of steps (``tracker.jobs.steps.store_digest``)
and a fingerprint of the code, settings and user-trained models (``inputs_fingerprint``).

- A group of steps (``resolve``: resolving products after the regulators; ``process``:
  link, grade, events, platforms) is skipped when the previous run ran it (or skipped it)
  on a store with this very digest, with these inputs, every step ok, and it changed
  nothing: the steps, functions of the store and those inputs, would change nothing again.
  A store that changed in any way since (a crawl, ``tracker add-paper``, a review decision,
  a restore) has another digest, and the steps run.
- The exports and the HTML report are kept when the previous run made them from a store
  with this digest and these inputs and their files are still as it wrote them (checked by
  SHA-256): in the same folder they stay, into a new dated folder they are copied. The
  exports are a function of the store alone; the report also shows when it was made, so a
  kept report says the earlier time (the step record says which run made it).
- The digest always runs: its period ends now, it says "No changes since ..." when nothing
  changed, and the delivery hook gets it every morning.

A skipped or kept step says so in the run report and the log, with the reason and the run
whose work it relies on; ``state.skip_rule_seconds`` is what the rule itself cost.
``skip_unchanged=False`` (``tracker nightly --no-skip``) runs every step (and still records
the digests for the next run).
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlmodel import col, select

from tracker.db.engine import open_store, session
from tracker.db.models import CrawlRun, SourceRun
from tracker.jobs import steps as job_steps
from tracker.jobs.crawl import SpiderResult, crawl_sources, expand_sources
from tracker.jobs.locks import AlreadyRunning, nightly_lock
from tracker.jobs.steps import (
    BEFORE_CRAWL,
    PROCESS_STEPS,
    Step,
    call_step,
    inputs_fingerprint,
    step_name,
    store_digest,
)
from tracker.records import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

__all__ = ["AlreadyRunning", "NightlyReport", "format_report", "run_nightly"]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]

BASIS_KINDS = ("nightly", "demo")
"""Runs whose recorded state a later run may rely on to skip work (``CrawlRun.kind``)."""


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
    # store digests around each group of steps, the inputs' fingerprint, what the exports and
    # the report were made from: what the next run's skip rule reads
    state: dict[str, Any] = field(default_factory=dict)

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
    started = time.perf_counter()
    try:
        report.steps[name] = {"status": "ok", **call_step(step, engine, settings)}
    except Exception as exc:  # a failing step is reported; the others still run
        log.exception("step %s failed", name)
        report.steps[name] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    report.steps[name]["seconds"] = round(time.perf_counter() - started, 2)


@dataclass
class Basis:
    """The previous run's recorded state: what this run may rely on to skip work."""

    run_id: int
    state: dict[str, Any]

    def group(self, name: str) -> dict[str, Any]:
        return dict(self.state.get("groups", {}).get(name) or {})


def _basis(engine: Engine, run_id: int) -> Basis | None:
    """The state the latest earlier nightly (or demo) run recorded; None when that run left
    none (it crashed, or predates the record): then nothing is skipped."""
    with session(engine) as s:
        run = s.exec(select(CrawlRun).where(col(CrawlRun.kind).in_(BASIS_KINDS), col(CrawlRun.id) < run_id)
                     .order_by(col(CrawlRun.id).desc()).limit(1)).first()
    if run is None or run.id is None or not isinstance(run.report, dict):
        return None
    state = run.report.get("state")
    return Basis(run.id, state) if isinstance(state, dict) and state.get("inputs") else None


class _Skipper:
    """The skip rule of one run (see the module docstring): the store's digest at each group
    of steps, compared with the previous run's."""

    def __init__(self, engine: Engine, settings: Settings, report: NightlyReport, *,
                 enabled: bool) -> None:
        """``enabled=False``: skip nothing (the digests are still recorded for the next run)."""
        self.engine, self.report = engine, report
        started = time.perf_counter()
        self.basis = _basis(engine, report.run_id) if enabled else None
        report.state.update(inputs=inputs_fingerprint(settings), groups={},
                            basis_run=self.basis.run_id if self.basis else None)
        self.seconds = time.perf_counter() - started

    def digest(self) -> str:
        started = time.perf_counter()
        try:
            return store_digest(self.engine)
        finally:
            self.seconds += time.perf_counter() - started
            self.report.state["skip_rule_seconds"] = round(self.seconds, 2)

    def same_inputs(self) -> bool:
        return self.basis is not None and self.basis.state.get("inputs") == self.report.state["inputs"]

    def unchanged_since(self, group: str, names: list[str], before: str) -> str | None:
        """Why the steps of ``group`` need not run on a store with digest ``before``, or None."""
        if self.basis is None or not self.same_inputs():
            return None
        last = self.basis.group(group)
        if not (last.get("ok") and last.get("steps") == names
                and last.get("before") == last.get("after") == before):
            return None
        return (f"store unchanged since run {self.basis.run_id} (digest {before[:12]}), where these "
                "steps changed nothing with the same code, settings and models")

    def run_group(self, group: str, steps: list[Step], settings: Settings, progress: Progress) -> str:
        """Run (or skip) a group of steps; record the digests around it; the digest after."""
        names = [step_name(step) for step in steps]
        before = self.digest()
        reason = self.unchanged_since(group, names, before)
        if reason:
            for name in names:
                progress(f"step {name} skipped: {reason}")
                log.info("step %s skipped: %s", name, reason)
                self.report.steps[name] = {"status": "skipped", "reason": reason, "seconds": 0.0}
            after = before
        else:
            for step in steps:
                _run_step(self.report, step, self.engine, settings, progress)
            after = self.digest()
        ok = all(self.report.steps.get(n, {}).get("status") in ("ok", "skipped")
                 and not self.report.steps.get(n, {}).get("failed") for n in names)
        key = group if group not in self.report.state["groups"] else f"{group}#{len(self.report.state['groups'])}"
        self.report.state["groups"][key] = {"steps": names, "before": before, "after": after,
                                            "ok": ok, "skipped": bool(reason)}
        return after

    def made_from(self, store: str) -> None:
        """Forget what this run made (exports, report) when the store changed while it was
        made (a review decision saved meanwhile, say): the files may hold that change, the
        record would say ``store``."""
        made = [what for what in ("exports", "report")
                if self.report.state.get(what, {}).get("run") == self.report.run_id]
        if made and self.digest() != store:
            for what in made:
                self.report.state.pop(what)

    def kept(self, what: str, store: str) -> dict[str, Any] | None:
        """The previous run's record of ``what`` (``exports``, ``report``) when it was made
        from a store with digest ``store`` and these inputs, and its files are unchanged."""
        if self.basis is None or not self.same_inputs():
            return None
        made = self.basis.state.get(what)
        if not isinstance(made, dict) or made.get("store") != store:
            return None
        folder = Path(made.get("folder", ""))
        files = made.get("files") or {}
        if not files or any(_sha256(folder / name) != sha for name, sha in files.items()):
            return None
        return made


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _keep(made: dict[str, Any], folder: Path) -> str:
    """Leave the files of ``made`` where they are, or copy them into ``folder``; says which."""
    source = Path(made["folder"])
    if source.resolve() == folder.resolve():
        return "kept"
    folder.mkdir(parents=True, exist_ok=True)
    for name in made["files"]:
        shutil.copy2(source / name, folder / name)
    return f"copied from {source}"


def _made(store: str, folder: Path, names: list[str], run_id: int, **extra: Any) -> dict[str, Any]:
    return {"store": store, "folder": str(folder), "run": run_id,
            "files": {name: _sha256(folder / name) for name in names}, **extra}


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
    skip_unchanged: bool = True,
) -> NightlyReport:
    """Run the whole job once; raises ``AlreadyRunning`` when another run holds the lock.
    ``skip_unchanged=False`` runs every step even when the store is unchanged."""
    progress = progress or (lambda message: log.info("%s", message))
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with nightly_lock(settings.database_url, data_dir):
        return _run_locked(settings, kind=kind, env=env or {}, replay=replay,
                           export_dir=export_dir, progress=progress, data_dir=data_dir,
                           skip_unchanged=skip_unchanged)


def _run_locked(settings: Settings, *, kind: str, env: dict[str, str], replay: bool,
                export_dir: Path | None, progress: Progress, data_dir: Path,
                skip_unchanged: bool) -> NightlyReport:
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
    skipper = _Skipper(engine, settings, report, enabled=skip_unchanged)
    for step in BEFORE_CRAWL:
        _run_step(report, step, engine, settings, progress)

    def recorded(result: SpiderResult, started: datetime) -> None:
        _record_source(engine, run_id, result, started)
        report.sources.append(asdict(result))

    def after(steps: list[Step]) -> None:
        skipper.run_group("resolve", steps, settings, progress)

    spiders = expand_sources(settings.enabled_sources) if settings.enabled_sources else []
    crawl_sources(spiders, settings, env=env, replay=replay, log_file=log_path, progress=progress,
                  on_result=recorded, run_after=after)
    store = skipper.run_group("process", list(PROCESS_STEPS.values()), settings, progress)
    folder = export_dir or data_dir / "exports" / datetime.now(UTC).strftime("%Y-%m-%d")
    _export(report, engine, skipper, store, folder, progress)
    _write_report(report, engine, settings, skipper, store, folder, progress)
    skipper.made_from(store)
    _write_digest(report, engine, settings, folder, progress)
    report.finished_at = utcnow()
    _finish(engine, report, data_dir)
    engine.dispose()
    return report


def _export(report: NightlyReport, engine: Engine, skipper: _Skipper, store: str, folder: Path,
            progress: Progress) -> None:
    """Every export into ``folder``, or the previous run's files when they were made from
    this store (kept, or copied into a new folder); a failure is a failed ``export`` step."""
    started = time.perf_counter()
    made = skipper.kept("exports", store)
    try:
        if made is not None:
            how = _keep(made, folder)
            reason = (f"store unchanged since run {made['run']} made these exports "
                      f"(digest {store[:12]}); {how}")
            _skipped(report, "export", reason, made, progress)
            report.exports = dict(made.get("rows") or {})
            report.state["exports"] = {**made, "folder": str(folder)}
        else:
            progress("export")
            from tracker.exports.run import export_all

            report.exports = export_all(engine, folder=folder)
            report.steps["export"] = {"status": "ok", "rows": sum(report.exports.values())}
            names = [p.name for p in sorted(folder.iterdir())
                     if p.suffix in (".csv", ".json") and p.stem in report.exports]
            report.state["exports"] = _made(store, folder, names, report.run_id, rows=report.exports)
        report.export_dir = str(folder)
    except Exception as exc:
        log.exception("export failed")
        report.steps["export"] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        report.state.pop("exports", None)
    report.steps["export"]["seconds"] = round(time.perf_counter() - started, 2)


def _skipped(report: NightlyReport, step: str, reason: str, made: dict[str, Any],
             progress: Progress) -> dict[str, Any]:
    """Record ``step`` as skipped because ``made`` (a previous run's files) still holds, say
    so on the progress line and in the log; returns the step's record to add to."""
    progress(f"{step} skipped: {reason}")
    log.info("%s skipped: %s", step, reason)
    entry: dict[str, Any] = {"status": "skipped", "reason": reason, "made_by_run": made["run"]}
    report.steps[step] = entry
    return entry


def _write_report(report: NightlyReport, engine: Engine, settings: Settings, skipper: _Skipper,
                  store: str, folder: Path, progress: Progress) -> None:
    """The HTML report beside the exports (or the previous run's, made from this store); a
    failure is logged and reported as a failed ``report`` step, never raised."""
    started = time.perf_counter()
    made = skipper.kept("report", store)
    try:
        if made is not None:
            how = _keep(made, folder)
            reason = (f"store unchanged since run {made['run']} made report.html at "
                      f"{made.get('generated_at')} (digest {store[:12]}); {how}")
            target = folder / "report.html"
            _skipped(report, "report", reason, made, progress).update(
                path=str(target), kib=target.stat().st_size // 1024, tasks=made.get("tasks", []))
            report.state["report"] = {**made, "folder": str(folder)}
        else:
            progress("report")
            figures = job_steps.report(engine, settings, folder=folder)
            report.steps["report"] = {"status": "ok", **figures}
            report.state["report"] = _made(store, folder, ["report.html"], report.run_id,
                                           generated_at=figures.get("generated_at"),
                                           tasks=figures.get("tasks", []))
    except Exception as exc:
        log.exception("report failed")
        report.steps["report"] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
        report.state.pop("report", None)
    report.steps["report"]["seconds"] = round(time.perf_counter() - started, 2)


def _write_digest(report: NightlyReport, engine: Engine, settings: Settings, folder: Path,
                  progress: Progress) -> None:
    """The digest step, then the delivery hook when the digest was written; each failure is
    logged and reported as a failed step (``digest``, ``digest_hook``), never raised."""
    progress("digest")
    started = time.perf_counter()
    try:
        report.digest = job_steps.digest(engine, settings, folder=folder)
        report.steps["digest"] = {"status": "ok", "items": report.digest["items"],
                                  "watched": report.digest["counts"].get("watched", 0),
                                  "seconds": round(time.perf_counter() - started, 2)}
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
