"""Start spiders as child processes (``python -m spiders.run``) and collect their figures.

A process per source keeps Scrapy out of the library, lets one source fail (or be killed)
without the others, and gives each crawl a fresh Twisted reactor.

``crawl_sources`` is "crawl, then resolve products": the one loop ``tracker crawl`` and the
nightly job share. A crawl shared by several machines through Redis starts the same child
processes with a Redis URL (``tracker.jobs.distributed``).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.jobs.steps import AFTER_REGULATORY, Step, call_step
from tracker.records import utcnow

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

log = logging.getLogger(__name__)

# Spiders per source group, in crawl order (regulators first: they make the products that
# literature queries and news resolution use).
SOURCE_GROUPS: dict[str, list[str]] = {
    "regulatory": ["fda_list", "openfda_510k", "openfda_pma", "openfda_classification", "eudamed"],
    "literature": ["pubmed", "europepmc"],
    "news": ["news_feeds", "news_pages"],
}


@dataclass
class SpiderResult:
    source: str
    ok: bool
    requests: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0
    seconds: float = 0.0
    error_text: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def expand_sources(names: list[str]) -> list[str]:
    """Group names ("regulatory") become their spiders; spider names stay as they are."""
    spiders: list[str] = []
    for name in names or list(SOURCE_GROUPS):
        for spider in SOURCE_GROUPS.get(name, [name]):
            if spider not in spiders:
                spiders.append(spider)
    return spiders


def ends_regulatory_run(names: list[str], index: int) -> bool:
    """True after the last of a run of regulatory spiders: time to resolve products."""
    regulatory = set(SOURCE_GROUPS["regulatory"])
    if names[index] not in regulatory:
        return False
    return index + 1 == len(names) or names[index + 1] not in regulatory


def run_spider(
    name: str,
    *,
    database_url: str,
    env: Mapping[str, str] | None = None,
    replay: bool = False,
    args: Mapping[str, str] | None = None,
    log_file: Path | None = None,
    timeout: float | None = None,
    redis_url: str | None = None,
    idle: float | None = None,
    seed: bool = False,
) -> SpiderResult:
    """Crawl one source in a child process; never raises for a failed crawl.

    With ``redis_url`` the child is part of a distributed crawl: a worker (until the shared
    queue has stayed empty for ``idle`` seconds) or, with ``seed``, the seed of a new round
    (``tracker.jobs.distributed``)."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        stats_path = Path(tmp) / "stats.json"
        cmd = [sys.executable, "-m", "spiders.run", name, "--database-url", database_url,
               "--stats-out", str(stats_path)]
        if replay:
            cmd.append("--replay")
        if redis_url:
            cmd += ["--redis-url", redis_url]
            cmd += ["--seed"] if seed else (["--idle", str(idle)] if idle is not None else [])
        for key, value in (args or {}).items():
            cmd += ["-a", f"{key}={value}"]
        child_env = {**os.environ, **(env or {})}
        out = open(log_file, "a", encoding="utf-8") if log_file else subprocess.PIPE  # noqa: SIM115
        try:
            proc = subprocess.run(cmd, env=child_env, stdout=out, stderr=subprocess.STDOUT,
                                  text=True, timeout=timeout, check=False)
            output = proc.stdout if isinstance(proc.stdout, str) else ""
        except subprocess.TimeoutExpired:
            return SpiderResult(source=name, ok=False, error_text="timed out",
                                seconds=time.monotonic() - started)
        finally:
            if log_file:
                out.close()  # type: ignore[union-attr]
        seconds = time.monotonic() - started
        if not stats_path.exists():
            tail = "\n".join(output.strip().splitlines()[-5:]) if output else ""
            return SpiderResult(source=name, ok=False, seconds=seconds,
                                error_text=f"exit {proc.returncode}: {tail or 'see the log file'}")
        data = json.loads(stats_path.read_text("utf-8"))
    return SpiderResult(
        source=name, ok=bool(data.get("ok")) and proc.returncode == 0,
        requests=data.get("requests", 0), new=data.get("new", 0), updated=data.get("updated", 0),
        unchanged=data.get("unchanged", 0), errors=data.get("errors", 0), seconds=seconds,
        error_text="" if data.get("ok") else f"finish_reason={data.get('finish_reason')}, errors={data.get('errors')}",
        extra={k: v for k, v in data.items() if k not in SpiderResult.__dataclass_fields__},
    )


def run_steps(steps: list[Step], engine: Engine, settings: Settings) -> None:
    """The default way ``crawl_sources`` runs its steps: in order, errors propagate."""
    for step in steps:
        call_step(step, engine, settings)


def after_regulatory(settings: Settings, run_after: Callable[[list[Step]], None] | None = None) -> None:
    """Run ``AFTER_REGULATORY`` with ``run_after``, or else one step after the other on the
    settings' store."""
    if run_after is not None:
        run_after(AFTER_REGULATORY)
        return
    from tracker.db.engine import open_store

    engine = open_store(settings.database_url)
    try:
        run_steps(AFTER_REGULATORY, engine, settings)
    finally:
        engine.dispose()


def crawl_sources(
    spiders: list[str],
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    replay: bool = False,
    log_file: Path | None = None,
    progress: Callable[[str], None] | None = None,
    on_result: Callable[[SpiderResult, datetime], None] | None = None,
    run_after: Callable[[list[Step]], None] | None = None,
) -> list[SpiderResult]:
    """Crawl spiders in order, each in its own process; after the last of a run of
    regulatory spiders, run ``AFTER_REGULATORY`` (resolve registrations into products: the
    literature queries and news resolution that follow need products, not raw rows).

    ``on_result(result, started)`` sees each spider's figures; ``run_after(steps)`` runs
    the steps (default: one after the other on the settings' store, errors propagate).
    """
    results: list[SpiderResult] = []
    for index, name in enumerate(spiders):
        if progress:
            progress(f"crawl {name}")
        started = utcnow()
        result = run_spider(name, database_url=settings.database_url, env=env, replay=replay,
                            log_file=log_file)
        results.append(result)
        if on_result:
            on_result(result, started)
        if ends_regulatory_run(spiders, index):
            after_regulatory(settings, run_after)
    return results
