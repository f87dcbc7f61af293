"""Retries with exponential backoff that honour ``Retry-After`` (the rules of
``tracker.sources.http``, shared with the single-request client)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, cast

from scrapy import Spider
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Request, Response

from tracker.sources.http import backoff_seconds, retry_after_seconds

log = logging.getLogger(__name__)


class RetryAfterMiddleware(RetryMiddleware):
    """Stock retry behaviour (the same statuses, transport errors and counts); before a retry
    it waits what the server asked (capped), otherwise ``RETRY_BACKOFF_BASE * 2**attempt``
    seconds. A dropped connection or a timeout waits like a 5xx does: the stock middleware
    would send it again at once."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = await self._retry_later(request, f"HTTP {response.status}", spider,
                                        retry_after=retry_after_seconds(response.headers.get(b"Retry-After")))
        return response if retry is None else retry

    async def process_exception(self, request: Request, exception: Exception, spider: Any = None) -> Any:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or not isinstance(exception, self.exceptions_to_retry):
            return None
        return await self._retry_later(request, exception, spider)

    async def _retry_later(self, request: Request, reason: str | Exception, spider: Any,
                           retry_after: float | None = None) -> Request | None:
        """The retry of ``request`` after the wait, or None when its retries are used up
        (``reason``, a status line or the exception, names the retry in the crawl stats)."""
        attempt = request.meta.get("retry_times", 0)
        retry = get_retry_request(request, spider=cast(Spider, spider or self.crawler.spider),
                                  reason=reason, max_retry_times=self.max_retry_times)
        if retry is None:
            return None
        wait = backoff_seconds(attempt, base=self.backoff_base, retry_after=retry_after)
        if wait > 0:
            label = reason if isinstance(reason, str) else type(reason).__name__
            log.info("%s on %s: waiting %.1fs before retry %d", label, request.url, wait, attempt + 1)
            await asyncio.sleep(wait)
        return retry
