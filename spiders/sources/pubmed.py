"""PubMed through NCBI E-utilities: esearch on the history server, then efetch in batches.

Per search term: ``esearch.fcgi?db=pubmed&usehistory=y&retmax=0`` (with ``datetype=edat``,
``mindate``/``maxdate`` from the watermark), then ``efetch.fcgi`` with ``WebEnv``/``query_key``
and ``retstart``/``retmax`` (``pubmed_batch_size``, at most 200) until ``Count``. Every request
carries ``tool`` and ``email`` (and ``api_key`` when set). The rate is NCBI's limit:
``DOWNLOAD_DELAY = 1 / effective_pubmed_rps`` (3/s without a key, 10/s with), not randomised.
A malformed page is logged as an error and skipped (the run goes on; the watermark is then
not advanced, so the next run asks again); an empty result is logged and ends that term.

Every request goes through the duplicate filter: two searches that land on the same history
entry ask the same efetch pages, which are then fetched once, also when different workers of
a distributed crawl read the two searches (``seen_histories`` and ``seen_pmids`` only spare
one process work; the store keeps each paper once whichever worker stores it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.base import TrackerSpider
from tracker.config import Settings
from tracker.literature.plan import SearchPlan, search_plan
from tracker.parsers.pubmed import parse_efetch, parse_esearch
from tracker.sources.apis import eutils_url

MAX_RETRIEVABLE = 10_000  # E-utilities return at most this many records of one search


class PubmedSpider(TrackerSpider):
    name = "pubmed"

    def __init__(self, query: str = "", since: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.query = query or None
        self.since = since or None
        self.seen_histories: set[tuple[str, str]] = set()
        self.seen_pmids: set[str] = set()

    @classmethod
    def requests_per_second(cls, settings: Settings) -> float | None:
        return settings.effective_pubmed_rps

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        settings.set("URLLENGTH_LIMIT", 8190, priority="spider")  # long OR-ed search terms
        settings.set("DOWNLOAD_DELAY_JITTER", 0, priority="spider")  # NCBI: a steady rate

    def _url(self, endpoint: str, params: dict[str, Any]) -> str:
        return eutils_url(self.tracker_settings, endpoint, params)

    async def start(self) -> Any:
        settings = self.tracker_settings
        plan: SearchPlan = search_plan(database_url=self.settings.get("TRACKER_DATABASE_URL"), source=self.name,
                                       max_chars=settings.literature_query_chars, query=self.query,
                                       since=self.since)
        self.new_watermark = plan.until.isoformat()
        if not plan.terms:
            self.logger.warning("PubMed: no products in the store and no query given: nothing to search")
            return
        self.logger.info("PubMed: %d search request(s) for %d product(s), entry dates %s to %s",
                         len(plan.terms), plan.products, plan.since or "the beginning", plan.until)
        for number, term in enumerate(plan.terms, 1):
            params: dict[str, Any] = {"db": "pubmed", "term": term, "usehistory": "y", "retmax": 0}
            if plan.since:
                params.update(datetype="edat", mindate=plan.since.strftime("%Y/%m/%d"),
                              maxdate=plan.until.strftime("%Y/%m/%d"))
            yield scrapy.Request(self._url("esearch.fcgi", params), callback=self.parse_search,
                                 cb_kwargs={"number": number})

    def parse_search(self, response: Response, number: int) -> Iterator[Any]:
        result = parse_esearch(response.body)
        if result.problems or not result.webenv or not result.query_key:
            problems = result.problems or ["no WebEnv/QueryKey in the answer"]
            self.fail(f"PubMed esearch {number} unusable ({response.url[:200]}): {'; '.join(problems)}")
            return
        if result.count == 0:
            self.logger.info("PubMed esearch %d: empty result (0 papers); nothing to fetch", number)
            return
        history = (result.webenv, result.query_key)
        if history in self.seen_histories:
            self.logger.info("PubMed esearch %d: same history entry as an earlier search; skipped", number)
            return
        self.seen_histories.add(history)
        count = result.count
        if count > MAX_RETRIEVABLE:
            self.logger.warning("PubMed esearch %d: %d papers, only the first %d are retrievable; "
                                "narrow the window (since=...)", number, count, MAX_RETRIEVABLE)
            count = MAX_RETRIEVABLE
        batch = max(1, min(self.tracker_settings.pubmed_batch_size, 200))
        self.logger.info("PubMed esearch %d: %d papers, %d efetch page(s)", number, count, -(-count // batch))
        for start in range(0, count, batch):
            params = {"db": "pubmed", "WebEnv": result.webenv, "query_key": result.query_key,
                      "retstart": start, "retmax": batch, "retmode": "xml"}
            yield scrapy.Request(self._url("efetch.fcgi", params), callback=self.parse_fetch,
                                 cb_kwargs={"start": start})

    def parse_fetch(self, response: Response, start: int) -> Iterator[Any]:
        parsed = parse_efetch(response.body)
        fatal = not parsed.records and parsed.problems
        if fatal:
            self.fail(f"PubMed efetch page retstart={start} unusable, page skipped: {'; '.join(parsed.problems)}")
            return
        self.report_problems(parsed.problems, url=f"efetch retstart={start}", level=logging.WARNING)
        if not parsed.records:
            self.logger.warning("PubMed efetch page retstart=%d: empty result page", start)
            return
        served = self.served(response)
        for record in parsed.records:
            if record.pmid in self.seen_pmids:
                continue
            self.seen_pmids.add(record.pmid or "")
            yield served.mark(record)
