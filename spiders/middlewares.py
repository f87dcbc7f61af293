"""Retries with exponential backoff that honour ``Retry-After``."""

from __future__ import annotations

import asyncio
import logging
from email.utils import parsedate_to_datetime
from typing import Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.http import Request, Response

log = logging.getLogger(__name__)
MAX_WAIT = 120.0


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        return max(0.0, (parsedate_to_datetime(text) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


class RetryAfterMiddleware(RetryMiddleware):
    """Stock retry behaviour; on 429/503 it first waits what the server asked (capped),
    otherwise ``RETRY_BACKOFF_BASE * 2**attempt`` seconds."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        attempt = request.meta.get("retry_times", 0)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            wait = self.backoff_base * (2**attempt)
        wait = min(wait, MAX_WAIT)
        retry = get_retry_request(request, spider=spider or self.crawler.spider,
                                  reason=f"HTTP {response.status}", max_retry_times=self.max_retry_times)
        if retry is None:
            return response
        if wait > 0:
            log.info("HTTP %s on %s: waiting %.1fs before retry %d", response.status,
                     request.url, wait, attempt + 1)
            await asyncio.sleep(wait)
        return retry
