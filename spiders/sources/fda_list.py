"""The FDA list of AI-enabled medical devices: the list page, then its CSV download.

Incremental: the watermark is ``{"newest": <newest decision date>, "sha256": <file hash>}``,
read when the crawl starts and carried by its requests (so that any worker of a distributed
crawl can compare the file with it).
A file whose hash equals the watermark's is not parsed again (the report says so); a changed
file is parsed and every row goes through the store, which writes only new or changed rows;
the report gives the newest decision date before and after and how many rows are newer.
``-a full=1`` ignores the watermark.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse

from spiders.base import TrackerSpider
from tracker.parsers.fda_list import parse_fda_csv, parse_fda_xml


def find_download_link(response: Response) -> str | None:
    """The list file's URL on the FDA page (CSV preferred, then the Excel/XML export)."""
    for selector in ('a[href$=".csv"]::attr(href)', 'a:contains("CSV")::attr(href)',
                     'a[href$=".xml"]::attr(href)', 'a:contains("Download")::attr(href)'):
        try:
            href = response.css(selector).get()
        except Exception:  # ':contains' is a parsel extension; be tolerant
            href = None
        if href:
            return response.urljoin(href)
    return None


class FdaListSpider(TrackerSpider):
    name = "fda_list"

    def __init__(self, panel: str = "Radiology", full: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panel = panel or None
        self.full = full.lower() in ("1", "true", "yes")

    async def start(self) -> Any:
        previous = {} if self.full else self._previous_watermark()
        yield scrapy.Request(self.tracker_settings.fda_list_url, callback=self.parse_page,
                             cb_kwargs={"previous": previous, "panel": self.panel})

    def _previous_watermark(self) -> dict[str, str]:
        from tracker.db.engine import open_store, session
        from tracker.store.runs import get_watermark

        engine = open_store(self.settings.get("TRACKER_DATABASE_URL"))
        try:
            with session(engine) as s:
                value = get_watermark(s, source=self.name)
        finally:
            engine.dispose()
        try:
            return dict(json.loads(value)) if value else {}
        except (ValueError, TypeError):  # an older plain-date watermark
            return {"newest": str(value)}

    def parse_page(self, response: Response, previous: dict[str, str], panel: str | None) -> Iterator[Any]:
        link = find_download_link(response)
        if link is None:
            self.fail("no list download link on %s", response.url)
            return
        yield response.follow(link, callback=self.parse_list, cb_kwargs={"previous": previous, "panel": panel})

    def parse_list(self, response: Response, previous: dict[str, str], panel: str | None) -> Iterator[Any]:
        """The list file; ``previous`` is the watermark the crawl started from."""
        digest = hashlib.sha256(response.body).hexdigest()
        stats = self.crawler.stats
        stats.set_value("tracker/report/sha256", digest)
        stats.set_value("tracker/report/previous_newest", previous.get("newest"))
        if previous.get("sha256") == digest:
            self.logger.info("%s unchanged since the last crawl (sha256 %s)", response.url, digest[:12])
            stats.set_value("tracker/report/file_unchanged", 1)
            return
        served = self.served(response)
        if response.url.lower().endswith(".xml") or response.body.lstrip()[:5] == b"<?xml":
            parsed = parse_fda_xml(response.body, source_url=served.upstream, panel=panel)
        else:
            parsed = parse_fda_csv(_text(response), source_url=served.upstream, panel=panel)
        self.report_problems(parsed.problems, url=response.url)
        newest = max((r.decision_date for r in parsed.records if r.decision_date), default=None)
        if newest is None:
            self.fail("no rows parsed from %s", response.url)
            return
        before = previous.get("newest")
        stats.set_value("tracker/report/rows", len(parsed.records))
        stats.set_value("tracker/report/newest", newest.isoformat())
        stats.set_value("tracker/report/rows_newer", sum(
            1 for r in parsed.records if r.decision_date and (not before or r.decision_date.isoformat() > before)))
        self.new_watermark = json.dumps({"newest": newest.isoformat(), "sha256": digest})
        yield from (served.mark(record) for record in parsed.records)


def _text(response: Response) -> str:
    """The body as text: decoded as Scrapy detected (header, BOM) for a text answer, else as
    UTF-8 (the FDA's encoding) with undecodable bytes replaced, so that the rows they are in
    are still read, and reported if they no longer parse."""
    if isinstance(response, TextResponse):
        return response.text
    return response.body.decode("utf-8-sig", errors="replace")
