"""openFDA device spiders: ``openfda_510k``, ``openfda_pma``, ``openfda_classification``.

They start from the store: the FDA list's submission numbers (asked in batches), the
radiology-AI product codes of ``settings.openfda_product_codes`` (510(k) only) and the product
codes of stored registrations (classification). Paging: ``skip``/``limit`` while the result
set fits under openFDA's skip cap (25,000); a larger set follows the ``Link: rel="next"``
header's ``search_after`` cursor from the first page on (openFDA drops the cursor once a
``skip`` was sent). Incremental: searches are limited to decisions on or after the watermark
(the newest decision date seen) minus ``openfda_overlap_days``; the watermark advances only
after a crawl without errors. Polite: ``DOWNLOAD_DELAY = 60 / openfda_rpm`` (except against
the replay server) and the ``api_key`` when one is set.

What a page's callback needs travels in the request's meta (the search, paging, the watermark
the crawl started from, the skip cap, the PMA numbers asked for), so any worker of a
distributed crawl can handle any page; the newest decision date is per process and the
round keeps the largest (``spiders.distributed``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.base import TrackerSpider
from tracker.config import Settings
from tracker.parsers.openfda import PARSERS, SKIP_CAP, decided_since, next_link_params, or_terms
from tracker.sources.apis import openfda_url

BATCH = 50


class OpenFdaSpider(TrackerSpider):
    """Shared navigation; subclasses say which endpoint and which searches."""

    endpoint = ""
    handle_httpstatus_list = [404]  # openFDA answers "no matches" with a 404 JSON body

    def __init__(self, skip_cap: str | int = SKIP_CAP, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.skip_cap = int(skip_cap)
        self.newest: date | None = None

    @classmethod
    def requests_per_second(cls, settings: Settings) -> float | None:
        return max(1, settings.openfda_rpm) / 60.0

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        if not settings.getbool("TRACKER_REPLAY"):
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", 1, priority="spider")

    # ---- what to ask ----------------------------------------------------------------
    def searches(self, session: Any, since: date | None) -> list[str]:
        raise NotImplementedError

    def wanted(self, search: str) -> list[str] | None:
        """The numbers of ``search`` whose records are kept (None: every record)."""
        return None

    def keep(self, record: Any, wanted: list[str] | None) -> bool:
        return wanted is None or record.number in wanted

    def url(self, params: dict[str, Any]) -> str:
        return openfda_url(self.tracker_settings, self.endpoint, params)

    async def start(self) -> Any:
        from tracker.db.engine import open_store, session
        from tracker.store.runs import get_watermark

        engine = open_store(self.settings.get("TRACKER_DATABASE_URL"))
        try:
            with session(engine) as s:
                mark = get_watermark(s, source=self.name)
                previous = date.fromisoformat(mark) if mark else None
                since = (previous - timedelta(days=self.tracker_settings.openfda_overlap_days)
                         if previous else None)
                searches = self.searches(s, since)
        finally:
            engine.dispose()
        self.crawler.stats.set_value("tracker/report/searches", len(searches))
        self.crawler.stats.set_value("tracker/report/since", since.isoformat() if since else "all")
        limit = self.tracker_settings.openfda_page_size
        for search in searches:
            params = {"search": search, "limit": limit}
            yield scrapy.Request(self.url(params), callback=self.parse_page, errback=self.on_error,
                                 meta={"params": params, "skip": 0, "cursor": False,
                                       "previous": previous.isoformat() if previous else None,
                                       "skip_cap": self.skip_cap, "wanted": self.wanted(search)})

    # ---- pages ------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        served = self.served(response)
        page = PARSERS[self.endpoint](response.body, status=response.status, source_url=served.upstream)
        if page.problems:
            self.report_problems(page.problems, url=response.url)
            if not page.seen:  # no results list came back: the page is lost, not empty
                self.fail("%s: unreadable openFDA page", response.url)
                return
        if page.not_found:
            return
        meta = response.meta
        for record in page.records:
            if not self.keep(record, meta.get("wanted")):
                continue
            self.saw(getattr(record, "decision_date", None), previous=meta.get("previous"))
            yield served.mark(record)
        if not page.paging_known:
            # the page's records are good, but where the next page starts is unknown: the
            # crawl is reported failed, so the watermark stays and a re-run asks again
            self.fail("%s: unreadable paging figures: the pages after it were not asked", response.url)
            return
        yield from self.next_page(response, page)

    def next_page(self, response: Response, page: Any) -> Iterator[Any]:
        meta = response.meta
        params, skip, limit = meta["params"], meta["skip"], int(meta["params"]["limit"])
        # what every page of one search carries on (see the module docstring)
        carried = {key: meta.get(key) for key in ("previous", "skip_cap", "wanted")}
        got = page.seen  # every result counts, the rejected ones too
        if got == 0 or skip + got >= page.total:
            return
        if meta["cursor"] or page.total > meta.get("skip_cap", self.skip_cap) + limit:
            cursor = next_link_params(response.headers.get(b"Link"))
            if not cursor or "search_after" not in cursor:
                self.fail("%s: %d results exceed the skip cap and no search_after link came back",
                          response.url, page.total)
                return
            cursor.pop("api_key", None)
            yield scrapy.Request(self.url(cursor), callback=self.parse_page, errback=self.on_error,
                                 meta={"params": {**cursor, "limit": cursor.get("limit", limit)},
                                       "skip": skip + got, "cursor": True, **carried})
            return
        following = {**params, "skip": skip + limit}
        yield scrapy.Request(self.url(following), callback=self.parse_page, errback=self.on_error,
                             meta={"params": params, "skip": skip + limit, "cursor": False, **carried})

    def on_error(self, failure: Any) -> None:
        self.fail("%s failed: %s", failure.request.url, failure.getErrorMessage())

    def saw(self, decided: date | None, *, previous: str | None) -> None:
        """Advance the candidate watermark past ``previous``, the watermark the crawl started
        from (the pipeline, or the round of a distributed crawl, saves it when the crawl
        succeeded)."""
        if not decided or (self.newest and decided <= self.newest):
            return
        self.newest = decided
        if previous is None or decided.isoformat() > previous:
            self.new_watermark = decided.isoformat()
            self.crawler.stats.set_value("tracker/report/watermark", self.new_watermark)


class OpenFda510kSpider(OpenFdaSpider):
    name = "openfda_510k"
    endpoint = "510k"

    def searches(self, session: Any, since: date | None) -> list[str]:
        from tracker.store.registrations import fda_numbers

        numbers = fda_numbers(session, kinds=["510(k)"], decided_since=since, not_enriched_by=self.name)
        self.crawler.stats.set_value("tracker/report/numbers_asked", len(numbers))
        searches = [or_terms("k_number", numbers[i:i + BATCH]) for i in range(0, len(numbers), BATCH)]
        codes = self.tracker_settings.openfda_product_codes
        if codes:
            searches.append(or_terms("product_code", sorted(codes)) + decided_since(since))
        return searches


class OpenFdaPmaSpider(OpenFdaSpider):
    name = "openfda_pma"
    endpoint = "pma"

    def searches(self, session: Any, since: date | None) -> list[str]:
        from tracker.store.registrations import fda_numbers

        numbers = set(fda_numbers(session, kinds=["PMA"], decided_since=since, not_enriched_by=self.name))
        bases = sorted({n.split("/")[0] for n in numbers})
        searches = [or_terms("pma_number", bases[i:i + BATCH]) for i in range(0, len(bases), BATCH)]
        # a PMA has many supplements: each search keeps the ones the store asked about
        self.asked = {search: sorted(n for n in numbers if n.split("/")[0] in bases[i * BATCH:(i + 1) * BATCH])
                      for i, search in enumerate(searches)}
        return searches

    def wanted(self, search: str) -> list[str] | None:
        return self.asked.get(search, [])


class OpenFdaClassificationSpider(OpenFdaSpider):
    name = "openfda_classification"
    endpoint = "classification"

    def searches(self, session: Any, since: date | None) -> list[str]:
        from tracker.store.registrations import fda_product_codes

        codes = fda_product_codes(session)
        return [or_terms("product_code", codes[i:i + BATCH]) for i in range(0, len(codes), BATCH)]

    def saw(self, decided: date | None, *, previous: str | None) -> None:
        """Classifications carry no decision date: no watermark."""
