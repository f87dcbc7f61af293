"""Run one spider in this process and write its figures as JSON.

    python -m spiders.run NAME --database-url URL [--stats-out PATH] [--replay] [-a key=value ...]

Exit status: 0 when the crawl finished without errors, 1 otherwise. ``tracker crawl`` and
the nightly job start one such process per source, so one failing source (or a killed
process) never takes the others down.
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


def crawl(name: str, *, database_url: str, replay: bool = False, args: dict[str, str] | None = None) -> dict[str, Any]:
    settings = Settings(scrapy_settings(get_settings(), database_url=database_url, replay=replay))
    loader = SpiderLoader.from_settings(settings)
    spider_cls = loader.load(name)
    process = CrawlerProcess(settings, install_root_handler=True)
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
    ns = parser.parse_args(argv)
    args = dict(a.split("=", 1) for a in ns.args)
    result = crawl(ns.name, database_url=ns.database_url, replay=ns.replay, args=args)
    text = json.dumps(result)
    if ns.stats_out:
        ns.stats_out.write_text(text, "utf-8")
    sys.stdout.write(text + "\n")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
