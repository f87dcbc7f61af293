"""One rate limit per host for every worker of a distributed crawl together, kept in Redis.

Scrapy's ``DOWNLOAD_DELAY`` spaces the requests of one process; several workers would each
keep that pace and together exceed it. Here the delay is a reservation: right before a
request goes out, one Lua script on the Redis server reads the host's next free time
(``<prefix>:host:<host>``, microseconds on the Redis server's clock, so the workers' own
clocks do not matter), gives this request ``max(now, next free)`` and moves the next free
time one interval on; the request then waits for its time with ``asyncio.sleep`` (the
reactor keeps running). The interval is the spider's delay (``TRACKER_HOST_INTERVAL``, set by
``TrackerSpider.update_settings`` from the source's rate and ``crawl_max_host_rps``); zero
means no limit and no Redis call.

A reservation only holds if the request goes out on time: a worker whose thread was busy
(parsing a large page) when its time came wakes late, possibly just before another worker's
next slot. So a request that wakes later than ``LATE_SLACK`` after its time gives the slot
up and reserves a new one (``politeness/missed`` in the stats).

Why a download handler around Scrapy's HTTP handler rather than a downloader middleware: the
handler runs when the request already holds one of its slot's transfer places and is sent
right after the wait. A wait in a middleware would be followed by Scrapy's per-slot queue,
which can hold the request back further, so two workers' requests could still go out closer
together than the interval. robots.txt requests and retries (re-queued through the shared
queue by ``RetryAfterMiddleware``) go through here like any other request.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler, load_object

from tracker.jobs.distributed import host_key

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

DEFAULT_HTTP_HANDLER = "scrapy.core.downloader.handlers.http11.HTTP11DownloadHandler"

LATE_SLACK = 0.005
"""Seconds a request may wake after its reserved time and still take it."""

# KEYS[1]: the host's key; ARGV[1]: the interval in microseconds. Returns how many
# microseconds the request waits. Lua numbers are doubles: exact for microsecond times.
RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, free)
local following = at + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', following), 'PX', math.ceil((following - now) / 1000) + 60000)
return at - now
"""


class SharedHostRateHandler:
    """Download handler for http and https: reserve the host's next slot, wait for it, then
    download with the inner handler (``TRACKER_HTTP_HANDLER``, Scrapy's HTTP/1.1 handler by
    default). Counts ``politeness/waits`` and ``politeness/wait_ms`` in the stats."""

    lazy = False

    def __init__(self, crawler: Crawler) -> None:
        import redis.asyncio

        settings = crawler.settings
        self.crawler = crawler
        self.inner = build_from_crawler(load_object(settings.get("TRACKER_HTTP_HANDLER", DEFAULT_HTTP_HANDLER)),
                                        crawler)
        self.interval_us = round(settings.getfloat("TRACKER_HOST_INTERVAL", 0.0) * 1_000_000)
        self.prefix = settings.get("TRACKER_REDIS_PREFIX")
        self.redis = redis.asyncio.Redis.from_url(settings.get("TRACKER_REDIS_URL"), socket_connect_timeout=5,
                                                  socket_timeout=30)
        self.reserve = self.redis.register_script(RESERVE)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostRateHandler:
        return cls(crawler)

    async def download_request(self, request: Request) -> Response:
        if self.interval_us > 0:
            await self.take_slot(urlparse_cached(request).hostname or "")
        response: Response = await self.inner.download_request(request)
        return response

    async def take_slot(self, host: str) -> None:
        """Return at this worker's next reserved time for ``host`` (see the module)."""
        stats = self.crawler.stats
        while True:
            asked = time.monotonic()  # the reserved time is at least this plus the wait
            wait = int(await self.reserve(keys=[host_key(self.prefix, host)], args=[self.interval_us])) / 1_000_000
            if wait > 0:
                await asyncio.sleep(wait)
                if stats:
                    stats.inc_value("politeness/waits")
                    stats.inc_value("politeness/wait_ms", round(wait * 1000))
            if time.monotonic() - (asked + wait) <= LATE_SLACK:
                return
            if stats:
                stats.inc_value("politeness/missed")

    async def close(self) -> None:
        try:
            closing: Any = self.inner.close()
            if closing is not None:
                await closing
        finally:
            await self.redis.aclose()
