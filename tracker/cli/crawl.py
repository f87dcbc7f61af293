"""``tracker crawl [SOURCE...]``: run spiders (groups or single spiders)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.app import DatabaseUrl, app, echo_json, settings_for

if TYPE_CHECKING:
    from datetime import datetime

    from tracker.jobs.crawl import SpiderResult
    from tracker.jobs.steps import Step


@app.command()
def crawl(
    sources: Annotated[list[str] | None, typer.Argument(help="regulatory, literature, news, or spider names")] = None,
    database_url: DatabaseUrl = None,
    replay: Annotated[Path | None, typer.Option(help="Serve this recorded snapshot on loopback and crawl it.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Crawl sources into the store (each spider in its own process); products are resolved
    after the regulatory spiders."""
    from contextlib import ExitStack
    from dataclasses import asdict

    from tracker.db.engine import open_store
    from tracker.jobs.crawl import crawl_sources, expand_sources
    from tracker.jobs.steps import call_step, step_name

    settings = settings_for(database_url)
    engine = open_store(settings.database_url)
    env: dict[str, str] = {}

    def echo_result(result: SpiderResult, started: datetime) -> None:
        if not as_json:
            state = "ok" if result.ok else f"FAILED ({result.error_text})"
            typer.echo(f"{result.source}: {result.requests} requests, {result.new} new, "
                       f"{result.updated} updated, {result.unchanged} unchanged, "
                       f"{result.errors} errors, {result.seconds:.1f}s: {state}")

    def run_after(steps: list[Step]) -> None:
        for step in steps:
            typer.echo(f"{step_name(step)}: {call_step(step, engine, settings)}", err=as_json)

    with ExitStack() as stack:
        stack.callback(engine.dispose)
        if replay is not None:
            from tracker.devtools.replay import ReplayServer, replay_env

            server = stack.enter_context(ReplayServer(replay))
            env = replay_env(server.url)
        results = crawl_sources(expand_sources(sources or []), settings, env=env,
                                replay=replay is not None, on_result=echo_result,
                                run_after=run_after)
    if as_json:
        echo_json([asdict(r) for r in results])
    if not all(r.ok for r in results):
        raise typer.Exit(1)
