"""News spiders: RSS/Atom feeds (``news_feeds``) and vendor press pages reached through a
sitemap or a listing page (``news_pages``). Sources come from the news sources file
(``tracker.sources.news``); parsing is in ``tracker.parsers.news``.

Pages already stored with their body text are not fetched again, so a nightly run only
fetches what is new (the list is read when the crawl starts, or, in a worker of a distributed
crawl, which never runs ``start``, when a callback first needs it). A page that cannot be
fetched (404, retries exhausted) still leaves the feed's title, date and summary in the store.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import scrapy
from scrapy.http import Response

from spiders.base import TrackerSpider
from tracker.config import Settings
from tracker.parsers.news import parse_article, parse_feed, parse_listing, parse_sitemap
from tracker.records import NewsRecord
from tracker.sources.news import NewsSource, NewsSourcesError, fetch_url, load_news_sources

MAX_LISTING_PAGES = 5


class NewsSpiderBase(TrackerSpider):
    kinds: tuple[str, ...] = ()

    def __init__(self, only: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.only = {name.strip() for name in only.split(",") if name.strip()}
        self._known: set[str] | None = None

    @classmethod
    def requests_per_second(cls, settings: Settings) -> float | None:
        return settings.news_rps

    def sources(self) -> list[NewsSource]:
        settings = self.tracker_settings
        try:
            found = load_news_sources(settings.news_sources_file, base=settings.news_base_url)
        except NewsSourcesError as exc:
            self.fail("news sources: %s", exc)
            return []
        return [s for s in found if s.kind in self.kinds and (not self.only or s.name in self.only)]

    @property
    def known(self) -> set[str]:
        """URLs of the news items stored with their body text (read once per process)."""
        if self._known is None:
            self.load_known()
        return self._known or set()

    def load_known(self) -> None:
        from tracker.db.engine import open_store, session
        from tracker.store.news import news_urls_with_body

        self._known = set()
        url = self.crawler.settings.get("TRACKER_DATABASE_URL")
        if not url:
            return
        engine = open_store(url)
        try:
            with session(engine) as s:
                self._known = news_urls_with_body(s)
        finally:
            engine.dispose()

    def request(self, url: str, callback: Any, **kwargs: Any) -> scrapy.Request:
        return scrapy.Request(fetch_url(url, base=self.tracker_settings.news_base_url),
                              callback=callback, **kwargs)

    def article(self, url: str, source: NewsSource, fallback: NewsRecord | None = None) -> scrapy.Request:
        return self.request(url, self.parse_article, errback=self.article_failed,
                            cb_kwargs={"url": url, "source": source, "fallback": fallback})

    def parse_article(self, response: Response, url: str, source: NewsSource,
                      fallback: NewsRecord | None) -> Iterator[NewsRecord]:
        parsed = parse_article(response.body, url=url, feed=source.name, publisher=source.publisher)
        self.report_problems(parsed.problems, url=url)
        if not parsed.records:
            if fallback is not None:
                yield fallback
            return
        served = self.served(response)
        page = served.mark(parsed.records[0])
        if fallback is None:
            yield page
            return
        # the feed's own fields win for title, date and publisher; the page adds the body
        # (composed when the feed's item or the page was)
        yield replace(fallback, body=page.body or fallback.body,
                      summary=fallback.summary or page.summary,
                      published=fallback.published or page.published,
                      raw={"feed": fallback.raw, "page": page.raw},
                      composed=fallback.composed or page.composed)

    def article_failed(self, failure: Any) -> Iterator[NewsRecord]:
        kwargs = failure.request.cb_kwargs
        self.logger.warning("%s: page not fetched (%s); keeping the feed's fields",
                            kwargs["url"], failure.getErrorMessage())
        if kwargs.get("fallback") is not None:
            yield kwargs["fallback"]


class NewsFeedsSpider(NewsSpiderBase):
    """RSS and Atom feeds; with ``follow = true`` each item's page gives the body text."""

    name = "news_feeds"
    kinds = ("feed",)

    async def start(self) -> Any:
        self.load_known()
        for source in self.sources():
            yield self.request(source.url, self.parse_feed, cb_kwargs={"source": source})

    def parse_feed(self, response: Response, source: NewsSource) -> Iterator[Any]:
        served = self.served(response)
        parsed = parse_feed(response.body, feed_url=source.url, feed=source.name,
                            publisher=source.publisher)
        self.report_problems(parsed.problems, url=source.url)
        if not parsed.records:
            self.fail("%s: no items in %s", source.name, source.url)
        for record in (served.mark(r) for r in parsed.records[: source.max_items]):
            if source.follow and not record.body and record.url not in self.known:
                yield self.article(record.url, source, fallback=record)
            else:
                yield record


class NewsPagesSpider(NewsSpiderBase):
    """Press pages: a sitemap (or sitemap index) or a listing page leads to article pages."""

    name = "news_pages"
    kinds = ("sitemap", "listing")

    async def start(self) -> Any:
        self.load_known()
        for source in self.sources():
            callback = self.parse_sitemap if source.kind == "sitemap" else self.parse_listing
            yield self.request(source.url, callback, cb_kwargs={"source": source, "page_url": source.url})

    def _articles(self, urls: list[str], source: NewsSource) -> Iterator[scrapy.Request]:
        wanted = [u for u in urls if source.wants(u)][: source.max_items]
        for url in wanted:
            if url not in self.known:
                yield self.article(url, source)

    def parse_sitemap(self, response: Response, source: NewsSource, page_url: str) -> Iterator[Any]:
        pages, nested, problems = parse_sitemap(response.body, url=page_url)
        if not pages and not nested and problems:  # not read at all (malformed, too large)
            self.fail("%s: %s", source.name, "; ".join(problems))
            return
        self.report_problems(problems, url=page_url)
        for sitemap in nested:
            yield self.request(sitemap, self.parse_sitemap, cb_kwargs={"source": source, "page_url": sitemap})
        newest_first = sorted(pages, key=lambda p: p.lastmod.timestamp() if p.lastmod else 0, reverse=True)
        yield from self._articles([p.url for p in newest_first], source)

    def parse_listing(self, response: Response, source: NewsSource, page_url: str,
                      depth: int = 1) -> Iterator[Any]:
        links, next_page, problems = parse_listing(response.body, page_url=page_url, include=source.include)
        self.report_problems(problems, url=page_url)
        if not links and depth == 1:
            self.fail("%s: no article links on %s", source.name, page_url)
        yield from self._articles(links, source)
        if next_page and depth < MAX_LISTING_PAGES:
            yield self.request(next_page, self.parse_listing,
                               cb_kwargs={"source": source, "page_url": next_page, "depth": depth + 1})
