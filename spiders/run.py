"""Run one spider in this process and write its figures as JSON.

    python -m spiders.run NAME --database-url URL [--stats-out PATH] [--replay] [-a key=value ...]
                               [--redis-url URL [--seed | --idle SECONDS]]

Exit status: 0 when the crawl finished without errors, 1 otherwise. ``tracker crawl`` and
the nightly job start one such process per source, so one failing source (or a killed
process) never takes the others down. With ``--redis-url`` the process is part of a
distributed crawl (``spiders.distributed``): a worker on the spider's shared queue, or with
``--seed`` the seed of a new round, which queues the start requests and downloads nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from spiders.settings import scrapy_settings
from tracker.config import get_settings


def crawl(name: str, *, database_url: str, replay: bool = False, args: dict[str, str] | None = None,
          redis_url: str | None = None, idle: float | None = None, seed: bool = False) -> dict[str, Any]:
    settings = Settings(scrapy_settings(get_settings(), database_url=database_url, replay=replay,
                                        redis_url=redis_url, idle=idle, seed=seed))
    loader = SpiderLoader.from_settings(settings)
    spider_cls = loader.load(name)
    process = CrawlerProcess(settings)  # LOG_INSTALL_ROOT_HANDLER: True by default
    crawler = process.create_crawler(spider_cls)
    process.crawl(crawler, **(args or {}))
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return summarize(name, stats)


def summarize(name: str, stats: dict[str, Any]) -> dict[str, Any]:
    errors = int(stats.get("log_count/ERROR", 0))
    reason = stats.get("finish_reason")
    return {
        "source": name,
        "requests": int(stats.get("downloader/request_count", 0)),
        "new": int(stats.get("tracker/new", 0)),
        "updated": int(stats.get("tracker/updated", 0)),
        "unchanged": int(stats.get("tracker/unchanged", 0)),
        "errors": errors,
        "parse_problems": int(stats.get("tracker/parse_problems", 0)),
        "finish_reason": reason,
        "ok": reason == "finished" and errors == 0,
        # what a spider reports about its run (watermarks, file hash, rows newer than before)
        "report": {k.removeprefix("tracker/report/"): v for k, v in stats.items()
                   if k.startswith("tracker/report/")},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m spiders.run")
    parser.add_argument("name")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--stats-out", type=Path)
    parser.add_argument("--replay", action="store_true", help="fast settings for the loopback replay server")
    parser.add_argument("-a", dest="args", action="append", default=[], help="spider argument key=value")
    parser.add_argument("--redis-url", help="take part in a distributed crawl on this Redis")
    parser.add_argument("--seed", action="store_true", help="start a new round: queue the start requests, fetch nothing")
    parser.add_argument("--idle", type=float, help="worker: end after the shared queue stayed empty this long")
    ns = parser.parse_args(argv)
    if (ns.seed or ns.idle is not None) and not ns.redis_url:
        parser.error("--seed and --idle need --redis-url")
    args = dict(a.split("=", 1) for a in ns.args)
    result = crawl(ns.name, database_url=ns.database_url, replay=ns.replay, args=args,
                   redis_url=ns.redis_url, idle=ns.idle, seed=ns.seed)
    text = json.dumps(result)
    if ns.stats_out:
        ns.stats_out.write_text(text, "utf-8")
    sys.stdout.write(text + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
