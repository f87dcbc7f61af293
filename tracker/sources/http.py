"""Single HTTP requests outside a crawl (httpx), and the retry rules the spiders share.

Retried: the statuses in ``RETRY_STATUSES`` (408, 429, 5xx) and transport errors (timeouts,
refused or dropped connections), up to ``settings.max_retries`` times. The wait before a
retry is what the server's ``Retry-After`` asks, else ``settings.retry_backoff * 2**n``
seconds (n = retries so far), never more than ``MAX_WAIT``. The spiders' retry middleware
(``spiders.middlewares``) uses the same ``retry_after_seconds`` and ``backoff_seconds``.

An answer larger than ``settings.download_maxsize`` bytes (the limit the spiders use too)
is abandoned as it streams in and raises ``FetchError``: a runaway server cannot fill the
memory.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

if TYPE_CHECKING:
    from tracker.config import Settings

log = logging.getLogger(__name__)

RETRY_STATUSES: tuple[int, ...] = (408, 429, 500, 502, 503, 504, 522, 524)
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
        return max(0.0, (parsedate_to_datetime(text) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def backoff_seconds(retries: int, *, base: float, retry_after: float | None = None) -> float:
    """How long to wait before the next retry: ``Retry-After`` when given, else exponential."""
    wait = retry_after if retry_after is not None else base * (2**retries)
    return min(max(wait, 0.0), MAX_WAIT)


class FetchError(RuntimeError):
    """A request that did not give a usable answer (after retries), with a message for people."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response


class HttpClient:
    """An httpx client with the tracker's user agent, timeout and retry rules. Use as a
    context manager; ``transport`` is for tests."""

    def __init__(self, settings: Settings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.max_retries = max(0, settings.max_retries)
        self.backoff = settings.retry_backoff
        self.max_bytes = settings.download_maxsize
        self.client = httpx.Client(timeout=settings.http_timeout, follow_redirects=True,
                                   headers={"User-Agent": settings.agent}, transport=transport)

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        retry_after = None
        if isinstance(error, _RetryableStatus):
            retry_after = retry_after_seconds(error.response.headers.get("Retry-After"))
        wait = backoff_seconds(state.attempt_number - 1, base=self.backoff, retry_after=retry_after)
        log.info("%s: waiting %.1fs before retry %d", error, wait, state.attempt_number)
        return wait

    def _once(self, url: str) -> httpx.Response:
        with self.client.stream("GET", url) as streamed:
            body = self._bounded_body(streamed, url)
        # the answer as read: decoded body, so the encoding and length headers no longer apply
        headers = [(k, v) for k, v in streamed.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        response = httpx.Response(streamed.status_code, headers=headers, content=body,
                                  request=streamed.request)
        response.history = streamed.history
        if response.status_code in RETRY_STATUSES:
            raise _RetryableStatus(response)
        return response

    def _bounded_body(self, response: httpx.Response, url: str) -> bytes:
        """Read the answer, stopping as soon as it passes ``max_bytes`` (0: no limit)."""
        limit = self.max_bytes
        declared = response.headers.get("Content-Length", "")
        if limit and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"answer from {url} declares {int(declared):,} bytes, over the "
                             f"{limit:,}-byte limit", url=url, status=response.status_code)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if limit and size > limit:
                raise FetchError(f"answer from {url} is over the {limit:,}-byte limit",
                                 url=url, status=response.status_code)
            chunks.append(chunk)
        return b"".join(chunks)

    def get(self, url: str, *, shown: str | None = None) -> httpx.Response:
        """GET ``url`` with retries; the last answer, whatever its status (a 404 is the
        caller's to read). Raises ``FetchError`` when no answer came, or the last one was
        still a retried status. ``shown`` is the URL for messages (without API keys)."""
        shown = shown or url
        retrying = Retrying(stop=stop_after_attempt(self.max_retries + 1), wait=self._wait,
                            retry=retry_if_exception_type((_RetryableStatus, httpx.TransportError)),
                            reraise=True)
        try:
            return retrying(self._once, url)
        except _RetryableStatus as exc:
            status = exc.response.status_code
            raise FetchError(f"HTTP {status} from {shown} after {self.max_retries} retries",
                             url=shown, status=status) from exc
        except httpx.HTTPError as exc:
            raise FetchError(f"no answer from {shown}: {type(exc).__name__}: {exc}", url=shown) from exc


def describe(response: httpx.Response, *, limit: int = 200) -> str:
    """``HTTP 404: <the body's start>`` for error messages."""
    text: Any = response.text.strip().replace("\n", " ")
    return f"HTTP {response.status_code}" + (f": {text[:limit]}" if text else "")
