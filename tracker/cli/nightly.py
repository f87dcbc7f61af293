"""``tracker nightly``, ``tracker export`` and ``tracker demo``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.app import DatabaseUrl, app, echo_json, engine_for, settings_for

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.jobs.nightly import NightlyReport

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = REPO_ROOT / "data" / "snapshot"
DEMO_DIR = Path("data/demo")
DEMO_DB = f"sqlite:///{DEMO_DIR / 'tracker.db'}"


@app.command()
def nightly(
    database_url: DatabaseUrl = None,
    replay: Annotated[Path | None, typer.Option(help="Crawl this recorded snapshot on a loopback replay server.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    no_skip: Annotated[bool, typer.Option("--no-skip", help="Run every step even when the store is unchanged since the previous run.")] = False,
) -> None:
    """Crawl every enabled source, link and grade what is new, export a dated snapshot, report.

    Steps whose inputs did not change since the previous run (same store content, code,
    settings and models) are skipped, and its exports and report kept; the run report says
    which and why. Exit status 1 when any source or step failed, 2 when another run holds
    the lock."""
    from tracker.jobs.nightly import AlreadyRunning, format_report

    settings = settings_for(database_url)
    try:
        report = _run(settings, replay=replay, kind="nightly", progress=lambda m: typer.echo(m, err=True),
                      skip_unchanged=not no_skip)
    except AlreadyRunning as exc:
        typer.echo(f"not started: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        echo_json(report.to_dict())
    else:
        typer.echo(format_report(report))
    if not report.ok:
        raise typer.Exit(1)


def _run(settings: Settings, *, replay: Path | None, kind: str, progress: Callable[[str], None],
         export_dir: Path | None = None, skip_unchanged: bool = True) -> NightlyReport:
    from tracker.jobs.nightly import run_nightly

    if replay is None:
        return run_nightly(settings, kind=kind, progress=progress, export_dir=export_dir,
                           skip_unchanged=skip_unchanged)
    from tracker.devtools.replay import ReplayServer, replay_env

    with ReplayServer(replay) as server:
        return run_nightly(settings, kind=kind, env=replay_env(server.url), replay=True,
                           progress=progress, export_dir=export_dir, skip_unchanged=skip_unchanged)


@app.command()
def export(
    kind: Annotated[str, typer.Argument(help="products|companies|registrations|papers|links|mentions|grades|events|gaps")],
    fmt: Annotated[str, typer.Option("--format", help="csv, json or jsonl")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="Output file (default data/exports/KIND.FORMAT)")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Export one kind of record for analysts (overrides applied, source URL on every row)."""
    from tracker.exports.run import export_kind

    settings = settings_for(database_url)
    target = out or Path(settings.data_dir) / "exports" / f"{kind}.{fmt}"
    try:
        count = export_kind(engine_for(database_url), kind=kind, fmt=fmt, out=target)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"{count} {kind} rows -> {target}")


@app.command()
def demo(
    database_url: Annotated[str, typer.Option("--database-url", help="Store to fill (default data/demo/tracker.db).")] = DEMO_DB,
    snapshot: Annotated[Path, typer.Option(help="Recorded snapshot to replay.")] = SNAPSHOT,
    data_dir: Annotated[Path, typer.Option(help="Runtime folder: exports, logs, reports, indexes.")] = DEMO_DIR,
) -> None:
    """Run the nightly job on the recorded real sources (loopback replay server) into a
    fresh SQLite store, print a summary, export, and say how to open the TUI."""
    from rich.console import Console

    from tracker.jobs.demo import summarize

    console = Console(stderr=True)
    settings = settings_for(database_url, data_dir=data_dir)
    with console.status("starting", spinner="dots") as status:

        def progress(message: str) -> None:
            status.update(message)
            console.log(message)

        report = _run(settings, replay=snapshot, kind="demo", progress=progress,
                      export_dir=Path(settings.data_dir) / "exports")
    typer.echo(summarize(settings, report))
    if not report.ok:
        raise typer.Exit(1)
