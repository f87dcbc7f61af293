"""Polite defaults for every spider; ``scrapy_settings`` fills them from tracker settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tracker.sources.http import RETRY_STATUSES

if TYPE_CHECKING:
    from tracker.config import Settings

BOT_NAME = "radai-tracker"
SPIDER_MODULES = ["spiders.sources"]
NEWSPIDER_MODULE = "spiders.sources"

ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = list(RETRY_STATUSES)
CLOSESPIDER_ERRORCOUNT = 50
DOWNLOAD_TIMEOUT = 30
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
HTTPCACHE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # replaces the stock RetryMiddleware: same retries, plus waiting for Retry-After
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "spiders.middlewares.RetryAfterMiddleware": 550,
}
ITEM_PIPELINES = {"spiders.pipelines.StorePipeline": 300}


def scrapy_settings(tracker: Settings, *, database_url: str, replay: bool = False, redis_url: str | None = None,
                    idle: float | None = None, seed: bool = False) -> dict[str, Any]:
    """Scrapy settings for one crawl, from the tracker's typed settings; with ``redis_url``
    for a worker or (``seed``) the seed of a distributed crawl (``spiders.distributed``)."""
    values = {k: v for k, v in globals().items() if k.isupper()}
    values.update(
        USER_AGENT=tracker.agent,
        ROBOTSTXT_OBEY=tracker.obey_robots,
        RETRY_TIMES=tracker.max_retries,
        RETRY_BACKOFF_BASE=tracker.retry_backoff,
        CLOSESPIDER_ERRORCOUNT=tracker.error_cap,
        DOWNLOAD_TIMEOUT=tracker.http_timeout,
        DOWNLOAD_MAXSIZE=tracker.download_maxsize,
        DOWNLOAD_WARNSIZE=tracker.download_warnsize,
        TRACKER_DATABASE_URL=database_url,
    )
    if replay:  # the loopback replay server: no need to be slow
        values.update(AUTOTHROTTLE_ENABLED=False, DOWNLOAD_DELAY=0, RETRY_BACKOFF_BASE=0.05,
                      CONCURRENT_REQUESTS_PER_DOMAIN=4, TRACKER_REPLAY=True)
    if redis_url:
        from spiders.distributed import distributed_settings

        values.update(distributed_settings(tracker, values, redis_url=redis_url, seed=seed,
                                           idle=tracker.crawl_idle_seconds if idle is None else idle))
    return values
