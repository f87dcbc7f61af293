"""The FDA list of AI-enabled medical devices: the list page, then its CSV download."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

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

    def __init__(self, panel: str = "Radiology", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.panel = panel or None

    async def start(self) -> Any:
        yield scrapy.Request(self.tracker_settings.fda_list_url, callback=self.parse_page)

    def parse_page(self, response: Response) -> Iterator[Any]:
        link = find_download_link(response)
        if link is None:
            self.fail("no list download link on %s", response.url)
            return
        yield response.follow(link, callback=self.parse_list)

    def parse_list(self, response: Response) -> Iterator[Any]:
        if response.url.lower().endswith(".xml") or response.body.lstrip()[:5] == b"<?xml":
            parsed = parse_fda_xml(response.body, source_url=response.url, panel=self.panel)
        else:
            parsed = parse_fda_csv(response.text, source_url=response.url, panel=self.panel)
        self.report_problems(parsed.problems, url=response.url)
        if not parsed.records:
            self.fail("no rows parsed from %s", response.url)
        yield from parsed.records
