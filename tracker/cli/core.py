"""``tracker init``, ``tracker stats`` and ``tracker import-fda``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for, settings_for


@app.command()
def init(database_url: DatabaseUrl = None) -> None:
    """Create the store, or upgrade its schema to the newest migration."""
    engine = engine_for(database_url)
    typer.echo(f"store ready: {engine.url.render_as_string(hide_password=True)}")


@app.command()
def stats(
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
    market: Annotated[bool, typer.Option("--market", help="Consolidation metrics per year.")] = False,
    evidence: Annotated[bool, typer.Option("--evidence", help="Reference evidence figures.")] = False,
    include_systems: Annotated[bool, typer.Option(
        "--include-systems", help="Count imaging systems (scanners whose AI is a device feature) "
        "as products too; by default only AI software counts.")] = False,
) -> None:
    """Counts per table, registrations by regulator and year (and more as sections land)."""
    from tracker.db.engine import session
    from tracker.jobs.reports import build_stats, format_stats

    engine = engine_for(database_url)
    with session(engine) as s:
        data = build_stats(s, settings_for(database_url), market=market, evidence=evidence,
                           include_systems=include_systems)
    if as_json:
        echo_json(data)
        return

    typer.echo(format_stats(data))


@app.command("import-fda")
def import_fda(
    path: Annotated[Path, typer.Argument(help="The FDA AI-enabled list as CSV or XML export.")],
    database_url: DatabaseUrl = None,
    all_panels: Annotated[bool, typer.Option("--all-panels", help="Keep non-radiology rows.")] = False,
) -> None:
    """Import the FDA AI-enabled device list from a file (radiology rows by default)."""
    from tracker.jobs.importers import import_fda_list

    engine = engine_for(database_url)
    result = import_fda_list(engine, path=path, panel=None if all_panels else "Radiology")
    for problem in result.problems:
        typer.echo(f"{path}: {problem} (skipped)", err=True)
    typer.echo(f"{path.name}: {result.summary()}")
    if result.problems:
        raise typer.Exit(3)


@app.command("serve-replay")
def serve_replay(
    root: Annotated[Path, typer.Argument(help="Snapshot folder")] = Path("data/snapshot"),
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8765,
) -> None:
    """Serve a recorded snapshot on loopback (for trying spiders by hand)."""
    import time

    from tracker.devtools.replay import ReplayServer

    with ReplayServer(root, port=port) as server:
        typer.echo(f"replaying {root} at {server.url} (Ctrl-C stops)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
