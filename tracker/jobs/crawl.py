"""Start spiders as child processes (``python -m spiders.run``) and collect their figures.

A process per source keeps Scrapy out of the library, lets one source fail (or be killed)
without the others, and gives each crawl a fresh Twisted reactor.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
) -> SpiderResult:
    """Crawl one source in a child process; never raises for a failed crawl."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        stats_path = Path(tmp) / "stats.json"
        cmd = [sys.executable, "-m", "spiders.run", name, "--database-url", database_url,
               "--stats-out", str(stats_path)]
        if replay:
            cmd.append("--replay")
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


def replay_env(base_url: str) -> dict[str, str]:
    """Environment that points every source's base URL at a replay server."""
    return {
        "TRACKER_FDA_LIST_URL": f"{base_url}/fda/list.html",
        "TRACKER_OPENFDA_BASE_URL": f"{base_url}/openfda",
        "TRACKER_EUDAMED_BASE_URL": f"{base_url}/eudamed",
        "TRACKER_PUBMED_BASE_URL": f"{base_url}/pubmed",
        "TRACKER_EUROPEPMC_BASE_URL": f"{base_url}/europepmc",
        "TRACKER_NEWS_BASE_URL": f"{base_url}/news",
        "TRACKER_OBEY_ROBOTS": "true",
        "TRACKER_NCBI_API_KEY": "",
    }
