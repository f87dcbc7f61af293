"""Europe PMC REST search: JSON, ``resultType=core``, ``cursorMark`` paging.

Per search term: ``search?query=...&format=json&resultType=core&pageSize=N&cursorMark=*``,
then the ``nextCursorMark`` of each answer until it repeats (or a page comes back empty).
Incremental by first index date: ``AND FIRST_IDATE:[since TO today]``. Brings MEDLINE records,
PMC-only records and preprints (source PPR) with their DOIs and, where Europe PMC knows it,
the published version of a preprint. Rate: ``europepmc_rps``.

Bad answers are reported, never raised: a page without one usable record fails the crawl
with one logged error (nothing from it is stored); a bad result or a field of the wrong type
is a logged warning and the rest of the page is stored; an unreadable ``nextCursorMark``
stores the page and fails the crawl (the pages after it could not be asked).

Pages go through the duplicate filter (a term and cursor are asked once per crawl, by whichever
worker of a distributed crawl takes them); ``seen`` only spares one process storing a record
twice, the store keeps each paper once anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.base import TrackerSpider
from tracker.config import Settings
from tracker.literature.plan import search_plan
from tracker.parsers.europepmc import parse_search
from tracker.sources.apis import europepmc_search_url


class EuropePmcSpider(TrackerSpider):
    name = "europepmc"

    def __init__(self, query: str = "", since: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = query or None
        self.since = since or None
        self.seen: set[str] = set()

    @classmethod
    def requests_per_second(cls, settings: Settings) -> float | None:
        return settings.europepmc_rps

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        settings.set("URLLENGTH_LIMIT", 8190, priority="spider")  # long OR-ed search terms

    def _request(self, term: str, cursor: str, number: int) -> scrapy.Request:
        settings = self.tracker_settings
        params = {"query": term, "format": "json", "resultType": "core",
                  "pageSize": settings.europepmc_page_size, "cursorMark": cursor}
        url = europepmc_search_url(settings, params)
        return scrapy.Request(url, callback=self.parse_page,
                              cb_kwargs={"term": term, "cursor": cursor, "number": number})

    async def start(self) -> Any:
        settings = self.tracker_settings
        plan = search_plan(database_url=self.settings.get("TRACKER_DATABASE_URL"), source=self.name,
                           max_chars=settings.literature_query_chars, query=self.query, since=self.since)
        self.new_watermark = plan.until.isoformat()
        if not plan.terms:
            self.logger.warning("Europe PMC: no products in the store and no query given: nothing to search")
            return
        self.logger.info("Europe PMC: %d search request(s) for %d product(s), index dates %s to %s",
                         len(plan.terms), plan.products, plan.since or "the beginning", plan.until)
        for number, term in enumerate(plan.terms, 1):
            if plan.since:
                term = f"({term}) AND FIRST_IDATE:[{plan.since.isoformat()} TO {plan.until.isoformat()}]"
            yield self._request(term, "*", number)

    def parse_page(self, response: Response, term: str, cursor: str, number: int) -> Iterator[Any]:
        page = parse_search(response.body)
        where = f"Europe PMC search {number} cursorMark={cursor}"
        if not page.records and page.problems:
            self.fail(f"{where} unusable, page skipped: {'; '.join(page.problems)}")
            return
        self.report_problems(page.problems, url=where, level=logging.WARNING)
        if not page.records:
            self.logger.info("%s: empty result page (%d hits); search finished", where, page.hit_count)
            return
        served = self.served(response)
        for record in page.records:
            # a record without a real id (see the parser) is known by its DOI or title and year
            key = record.external_id or record.doi or f"{record.title}|{record.year}"
            if key not in self.seen:
                self.seen.add(key)
                yield served.mark(record)
        if not page.paging_known:
            # the records are good, but where the next page starts is unknown: the crawl is
            # reported failed, so the watermark stays and a re-run asks again
            self.fail(f"{where}: unreadable nextCursorMark: the pages after it were not asked")
            return
        if not page.next_cursor or page.next_cursor == cursor:
            self.logger.info("%s: last page (%d hits)", where, page.hit_count)
            return
        yield self._request(term, page.next_cursor, number)
