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
    """Stock retry behaviour; before a retry it waits what the server asked (capped),
    otherwise ``RETRY_BACKOFF_BASE * 2**attempt`` seconds."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0)
        wait = backoff_seconds(attempt, base=self.backoff_base,
                               retry_after=retry_after_seconds(response.headers.get(b"Retry-After")))
        retry = get_retry_request(request, spider=cast(Spider, spider or self.crawler.spider),
                                  reason=f"HTTP {response.status}", max_retry_times=self.max_retry_times)
        if retry is None:
            return response
        if wait > 0:
            log.info("HTTP %s on %s: waiting %.1fs before retry %d", response.status,
                     request.url, wait, attempt + 1)
            await asyncio.sleep(wait)
        return retry
