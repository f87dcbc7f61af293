"""``tracker crawl [SOURCE...]``: run spiders (groups or single spiders), on this machine or
as part of a crawl shared through Redis (``--redis-url``, docs/distributed-crawl.md)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tracker.cli.app import DatabaseUrl, app, echo_json, settings_for

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from tracker.config import Settings
    from tracker.jobs.crawl import SpiderResult
    from tracker.jobs.steps import Step


@app.command()
def crawl(
    sources: Annotated[list[str] | None, typer.Argument(help="regulatory, literature, news, or spider names")] = None,
    database_url: DatabaseUrl = None,
    replay: Annotated[Path | None, typer.Option(help="Serve this recorded snapshot on loopback and crawl it.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    redis_url: Annotated[str | None, typer.Option(
        "--redis-url", help="Share the crawl through this Redis: run as a worker (default: the redis_url "
                            "setting; unset: crawl on this machine only).")] = None,
    seed: Annotated[bool, typer.Option(
        "--seed", help="Start a new round of each spider: queue its start requests for the workers, "
                       "download nothing.")] = False,
    wait: Annotated[bool, typer.Option(
        "--wait", help="With --seed: seed one spider at a time once the workers have crawled the one "
                       "before, and resolve products after the regulatory spiders.")] = False,
    idle: Annotated[float | None, typer.Option(
        "--idle", min=0.1, help="Worker: end a spider after its shared queue stayed empty this many "
                                "seconds (default: crawl_idle_seconds).")] = None,
) -> None:
    """Crawl sources into the store (each spider in its own process); products are resolved
    after the regulatory spiders. With a Redis URL several machines share the crawl: workers
    fetch, --seed queues the start requests, --seed --wait also waits for the workers and
    resolves products (docs/distributed-crawl.md)."""
    from contextlib import ExitStack
    from dataclasses import asdict

    from tracker.db.engine import open_store
    from tracker.jobs.crawl import crawl_sources, expand_sources
    from tracker.jobs.steps import call_step, step_name

    settings = settings_for(database_url)
    redis_url = redis_url or settings.redis_url
    if (seed or wait or idle is not None) and not redis_url:
        raise typer.BadParameter("--seed, --wait and --idle need --redis-url (or the redis_url setting)")
    if wait and not seed:
        raise typer.BadParameter("--wait goes with --seed")
    if redis_url and replay is not None:
        raise typer.BadParameter("--replay serves a snapshot to this machine only: point every worker's "
                                 "base URLs at one replay or mirror server instead")
    spiders = expand_sources(sources or [])

    def echo_result(result: SpiderResult, started: datetime) -> None:
        if not as_json:
            state = "ok" if result.ok else f"FAILED ({result.error_text})"
            typer.echo(f"{result.source}: {result.requests} requests, {result.new} new, "
                       f"{result.updated} updated, {result.unchanged} unchanged, "
                       f"{result.errors} errors, {result.seconds:.1f}s: {state}")

    if redis_url:
        results = _distributed(spiders, settings, redis_url=redis_url, seed=seed, wait=wait, idle=idle,
                               as_json=as_json, on_result=echo_result)
    else:
        engine = open_store(settings.database_url)
        env: dict[str, str] = {}

        def run_after(steps: list[Step]) -> None:
            for step in steps:
                typer.echo(f"{step_name(step)}: {call_step(step, engine, settings)}", err=as_json)

        with ExitStack() as stack:
            stack.callback(engine.dispose)
            if replay is not None:
                from tracker.devtools.replay import ReplayServer, replay_env

                server = stack.enter_context(ReplayServer(replay))
                env = replay_env(server.url)
            results = crawl_sources(spiders, settings, env=env, replay=replay is not None,
                                    on_result=echo_result, run_after=run_after)
    if as_json:
        echo_json([asdict(r) for r in results])
    if not all(r.ok for r in results):
        raise typer.Exit(1)


def _distributed(spiders: list[str], settings: Settings, *, redis_url: str, seed: bool, wait: bool,
                 idle: float | None, as_json: bool,
                 on_result: Callable[[SpiderResult, datetime], None]) -> list[SpiderResult]:
    """Seed, coordinate or work (``tracker.jobs.distributed``); an unreachable Redis ends
    the command with one line and exit status 2."""
    from tracker.db.engine import open_store
    from tracker.jobs import distributed
    from tracker.jobs.steps import call_step, step_name

    try:
        distributed.connect(redis_url).close()
    except distributed.RedisUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    open_store(settings.database_url).dispose()  # the schema is up to date before any child starts
    if seed and not wait:

        def echo_seeded(result: SpiderResult, started: datetime) -> None:
            if not as_json:
                queued = distributed.describe(result)
                state = "ok" if result.ok else f"FAILED ({result.error_text})"
                typer.echo(f"{result.source}: round {queued['round']}, {queued['seeded']} requests queued: {state}")

        return distributed.seed(spiders, settings, redis_url=redis_url, on_result=echo_seeded)
    if seed:
        engine = open_store(settings.database_url)

        def run_after(steps: list[Step]) -> None:
            for step in steps:
                typer.echo(f"{step_name(step)}: {call_step(step, engine, settings)}", err=as_json)

        try:
            return distributed.coordinate(spiders, settings, redis_url=redis_url, on_result=on_result,
                                          run_after=run_after,
                                          progress=None if as_json else typer.echo)
        except distributed.RedisUnavailable as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        finally:
            engine.dispose()
    return distributed.work(spiders, settings, redis_url=redis_url, idle=idle, on_result=on_result)
