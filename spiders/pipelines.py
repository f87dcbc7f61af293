"""The one item pipeline: records go through ``tracker.store.save_record``."""

from __future__ import annotations

import logging
from typing import Any

from tracker.db.engine import open_store, session
from tracker.sources.provenance import is_loopback
from tracker.store import save_record
from tracker.store.runs import set_watermark

log = logging.getLogger(__name__)
BATCH = 50


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


class StorePipeline:
    """Writes each record idempotently; commits every ``BATCH`` items so a killed crawl
    loses at most one uncommitted batch (which the next run fetches again). Counts
    ``tracker/new|updated|unchanged`` in the crawl stats.

    Each record is written inside its own savepoint: a record the store refuses is rolled
    back alone, logged as an error with its source URL and counted in
    ``tracker/store_errors``; the records before and after it are kept (a rollback of the
    whole session would lose every uncommitted neighbour, on every run).

    In a replay crawl a record whose ``source_url`` is still a loopback address (a spider
    that stored the fetched URL instead of the upstream one) is refused as an error: the
    replay server's address must never reach the store."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.database_url = crawler.settings.get("TRACKER_DATABASE_URL")
        self.stats = crawler.stats
        self.replay = crawler.settings.getbool("TRACKER_REPLAY")
        self.pending = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.engine = open_store(self.database_url)
        self.session = session(self.engine)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if self.replay and is_loopback(getattr(item, "source_url", "")):
            log.error("not stored: %s with the replay server's address %s as source URL",
                      type(item).__name__, item.source_url)
            self.stats.inc_value("tracker/store_errors")
            self.stats.inc_value("log_count/ERROR")
            return item
        try:
            with self.session.begin_nested():
                outcome = save_record(self.session, record=item)
        except Exception as exc:  # one bad record must not lose the others
            log.error("could not store %s from %s: %s", type(item).__name__,
                      getattr(item, "source_url", "?"), _one_line(exc))
            self.stats.inc_value("tracker/store_errors")
            self.stats.inc_value("log_count/ERROR")
            return item
        self.stats.inc_value(f"tracker/{outcome.value}")
        self.pending += 1
        if self.pending >= BATCH:
            self.session.commit()
            self.pending = 0
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.session.commit()
        spider = spider or self.crawler.spider
        reason = self.stats.get_value("finish_reason")
        errors = self.stats.get_value("log_count/ERROR", 0)
        watermark = getattr(spider, "new_watermark", None)
        if watermark and reason in (None, "finished") and not errors:
            set_watermark(self.session, source=spider.name, value=str(watermark))
            self.session.commit()
        self.session.close()
        self.engine.dispose()
