"""What every tracker spider shares."""

from __future__ import annotations

import logging
from typing import Any

import scrapy
from scrapy.http import Response

from tracker.config import Settings, get_settings
from tracker.sources.provenance import ServedAs


class TrackerSpider(scrapy.Spider):
    """A spider with the tracker's settings at hand and a way to report unparsable input
    (logged as a warning with where it was, counted in ``tracker/parse_problems``; a
    source-level failure is :meth:`fail`, an error).

    Politeness, one rule for every source: a spider names its rate setting in
    :meth:`requests_per_second`; the download delay is its inverse, per site (Scrapy's delay
    applies per domain slot), except against the local replay server. ``crawl_max_host_rps``,
    when set, caps every source (the replay server too). In a distributed crawl the same delay
    is kept per host across all workers together (``spiders.politeness``) instead of per
    process."""

    @classmethod
    def requests_per_second(cls, settings: Settings) -> float | None:
        """The source's rate limit (requests per second); None leaves Scrapy's default."""
        return None

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        tracker = get_settings()
        rates = [tracker.crawl_max_host_rps]
        if not settings.getbool("TRACKER_REPLAY"):
            rates.append(cls.requests_per_second(tracker))
        delay = max((1.0 / max(rate, 0.01) for rate in rates if rate is not None), default=None)
        if settings.get("TRACKER_REDIS_URL"):
            # one delay per host for every worker together (spiders.politeness) replaces the
            # per-process one
            settings.set("TRACKER_HOST_INTERVAL", delay or 0.0, priority="spider")
            settings.set("DOWNLOAD_DELAY", 0, priority="spider")
        elif delay is not None:
            settings.set("DOWNLOAD_DELAY", delay, priority="spider")

    @property
    def tracker_settings(self) -> Settings:
        cached = getattr(self, "_tracker_settings", None)
        if cached is None:
            cached = get_settings()
            self._tracker_settings = cached
        return cached

    def served(self, response: Response) -> ServedAs:
        """What the answer says about its provenance: ``.upstream`` is the URL to store (the
        real service's, also when a mirror or the replay server answered), ``.mark(record)``
        flags composed records and drops invented ids (``tracker.sources.provenance``)."""
        return ServedAs.from_headers(response.url, response.headers.get)

    def report_problems(self, problems: list[str], *, url: str, level: int = logging.WARNING) -> None:
        for problem in problems:
            self.logger.log(level, "%s: %s (skipped)", url, problem)
        if problems and self.crawler.stats:
            self.crawler.stats.inc_value("tracker/parse_problems", len(problems))

    def fail(self, message: str, *args: Any, **kwargs: Any) -> None:
        """A source-level error: logged as ERROR (``%`` arguments as in logging), so the run is
        reported failed."""
        self.logger.error(message, *args, **kwargs)
