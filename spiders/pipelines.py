"""The one item pipeline: records go through ``tracker.store.save_record``."""

from __future__ import annotations

import asyncio
import logging
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tracker.db.engine import open_store, session
from tracker.sources.provenance import is_loopback
from tracker.store import Outcome, save_record
from tracker.store.runs import set_watermark

log = logging.getLogger(__name__)
BATCH = 50

# PostgreSQL's "deadlock detected" and "could not serialize": the other writer won, try again
RACE_SQLSTATES = frozenset({"40P01", "40001"})
# the first half of the advisory lock keys of the crawl's saves (the second: the record kind)
LOCK_SPACE = zlib.crc32(b"radai-tracker store") - 2**31


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


def kind_lock_key(item: Any) -> int:
    """The second half of the advisory lock key for saves of ``item``'s kind (an int4)."""
    return zlib.crc32(type(item).__name__.encode()) - 2**31


def lost_race(exc: BaseException) -> bool:
    """Whether a failed write lost a race with another writer of the same record (a unique
    key taken in between, a deadlock or serialisation failure) rather than being bad."""
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in RACE_SQLSTATES


class StorePipeline:
    """Writes each record idempotently; commits every ``BATCH`` items (``TRACKER_STORE_BATCH``;
    1 in a distributed crawl) so a killed crawl loses at most one uncommitted batch (which the
    next run fetches again). Counts ``tracker/new|updated|unchanged`` in the crawl stats.

    Each record is written inside its own savepoint: a record the store refuses is rolled
    back alone, logged as an error with its source URL and counted in
    ``tracker/store_errors``; the records before and after it are kept (a rollback of the
    whole session would lose every uncommitted neighbour, on every run).

    Two workers of a distributed crawl may store the same record at the same moment. On
    PostgreSQL their saves of one kind of record take turns (a transaction-scoped advisory
    lock per record kind, released by the commit after each record): the store finds a paper
    by a similar title as well as by its ids, which no unique key can guard, so two inserts
    of one paper must not overlap; fetching and parsing stay parallel. Any writer may still
    meet another on a unique key (a writer outside the crawl, or a store without the lock):
    the insert that loses (or a deadlock's victim) rolls its savepoint back and saves the
    record once more, which now finds the other's row and merges into it. That is counted in
    ``tracker/store_races`` and logged at INFO, not as an error.

    In a distributed crawl the watermark is the round's, not one process's
    (``spiders.distributed.RoundScheduler``): the pipeline leaves it alone.

    In a replay crawl a record whose ``source_url`` is still a loopback address (a spider
    that stored the fetched URL instead of the upstream one) is refused as an error: the
    replay server's address must never reach the store."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.database_url = crawler.settings.get("TRACKER_DATABASE_URL")
        self.stats = crawler.stats
        self.replay = crawler.settings.getbool("TRACKER_REPLAY")
        self.batch = crawler.settings.getint("TRACKER_STORE_BATCH", BATCH)
        self.distributed = bool(crawler.settings.get("TRACKER_REDIS_URL"))
        self.pending = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> StorePipeline:
        return cls(crawler)

    def open_spider(self, spider: Any = None) -> None:
        self.engine = open_store(self.database_url)
        self.session = session(self.engine)
        self.kind_locks = self.distributed and self.engine.dialect.name == "postgresql"

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if self.replay and is_loopback(getattr(item, "source_url", "")):
            log.error("not stored: %s with the replay server's address %s as source URL",
                      type(item).__name__, item.source_url)
            self.stats.inc_value("tracker/store_errors")
            self.stats.inc_value("log_count/ERROR")
            return item
        try:
            outcome = self._save(item)
        except Exception as exc:  # one bad record must not lose the others
            log.error("could not store %s from %s: %s", type(item).__name__,
                      getattr(item, "source_url", "?"), _one_line(exc))
            self.stats.inc_value("tracker/store_errors")
            self.stats.inc_value("log_count/ERROR")
            return item
        self.stats.inc_value(f"tracker/{outcome.value}")
        self.pending += 1
        if self.pending >= self.batch:
            self.session.commit()
            self.pending = 0
        return item

    def _save(self, item: Any) -> Outcome:
        """Save in a savepoint; once more when the first try lost a race (see the class)."""
        if self.kind_locks:
            self.session.execute(text("SELECT pg_advisory_xact_lock(:space, :kind)"),
                                 {"space": LOCK_SPACE, "kind": kind_lock_key(item)})
        try:
            with self.session.begin_nested():
                return save_record(self.session, record=item)
        except DBAPIError as exc:
            if not lost_race(exc):
                raise
            self.stats.inc_value("tracker/store_races")
            log.info("%s from %s was stored by another writer at the same moment (%s): saving it again",
                     type(item).__name__, getattr(item, "source_url", "?"), _one_line(exc))
        with self.session.begin_nested():
            return save_record(self.session, record=item)

    def close_spider(self, spider: Any = None) -> None:
        self.session.commit()
        spider = spider or self.crawler.spider
        reason = self.stats.get_value("finish_reason")
        errors = self.stats.get_value("log_count/ERROR", 0)
        watermark = getattr(spider, "new_watermark", None)
        if watermark and reason in (None, "finished") and not errors and not self.distributed:
            set_watermark(self.session, source=spider.name, value=str(watermark))
            self.session.commit()
        self.session.close()
        self.engine.dispose()


class ThreadedStorePipeline(StorePipeline):
    """``StorePipeline`` for a worker of a distributed crawl: the writes run one after the
    other in a thread of their own, so the crawler's thread, which sends each request at its
    reserved time (``spiders.politeness``), never waits for the database (nor for another
    worker's turn on a record kind)."""

    def open_spider(self, spider: Any = None) -> None:
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store")
        super().open_spider(spider)

    async def process_item(self, item: Any, spider: Any = None) -> Any:  # type: ignore[override]
        store = super().process_item
        return await asyncio.get_running_loop().run_in_executor(self.executor, store, item, spider)

    def close_spider(self, spider: Any = None) -> None:
        self.executor.shutdown(wait=True)
        super().close_spider(spider)
