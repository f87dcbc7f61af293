"""``tracker crawl [SOURCE...]``: run spiders (groups or single spiders)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import DatabaseUrl, app, echo_json, settings_for


@app.command()
def crawl(
    sources: Annotated[list[str] | None, typer.Argument(help="regulatory, literature, news, or spider names")] = None,
    database_url: DatabaseUrl = None,
    replay: Annotated[Path | None, typer.Option(help="Serve this recorded snapshot on loopback and crawl it.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Crawl sources into the store (each spider in its own process)."""
    from dataclasses import asdict

    from tracker.crawl import ends_regulatory_run, expand_sources, replay_env, run_spider
    from tracker.db.engine import open_store

    settings = settings_for(database_url)
    open_store(settings.database_url).dispose()
    names = expand_sources(sources or [])
    results = []
    server = None
    env: dict[str, str] = {}
    if replay is not None:
        from tracker.replay import ReplayServer

        server = ReplayServer(replay).start()
        env = replay_env(server.url)
    try:
        for index, name in enumerate(names):
            result = run_spider(name, database_url=settings.database_url, env=env, replay=server is not None)
            results.append(result)
            if not as_json:
                state = "ok" if result.ok else f"FAILED ({result.error_text})"
                typer.echo(f"{name}: {result.requests} requests, {result.new} new, {result.updated} updated, "
                           f"{result.unchanged} unchanged, {result.errors} errors, {result.seconds:.1f}s: {state}")
            if ends_regulatory_run(names, index):
                # the store holds products, not raw rows; literature queries need them
                from tracker.products.pipeline import resolve_new

                engine = open_store(settings.database_url)
                typer.echo(f"products: {resolve_new(engine, settings)}", err=as_json)
                engine.dispose()
    finally:
        if server is not None:
            server.stop()
    if as_json:
        echo_json([asdict(r) for r in results])
    if not all(r.ok for r in results):
        raise typer.Exit(1)
