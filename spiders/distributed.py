"""The Scrapy side of a distributed crawl: scrapy-redis's shared queue and duplicate filter,
the seed of a round, and what a worker does around the crawl. Roles, rounds and Redis keys:
``tracker.jobs.distributed``; the shared per-host rate limit: ``spiders.politeness``.

scrapy-redis 0.9 with Scrapy 2.13+: its scheduler passes the scheduler interface check (it
has the three methods), serialises a request with ``Request.to_dict`` (callbacks must be
spider methods, ``cb_kwargs`` and ``meta`` picklable: every spider here carries plain values
and the tracker's dataclasses) and pickles it (Scrapy's own disk queues do the same). What it
does not fit is adapted in ``RoundScheduler``: its pop could block the reactor (it waits up
to ``SCHEDULER_IDLE_BEFORE_CLOSE`` in Redis), it passes the ``spider`` argument that Scrapy
2.19 deprecates to the stats, and its keys are formatted twice (a ``%`` in the prefix would
break them). Idle closing is the worker's, not the scheduler's: ``RoundWorker``.
"""

from __future__ import annotations

import os
import socket
import time
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from tracker.jobs.distributed import RoundKeys
from tracker.records import utcnow

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from scrapy import Spider
    from scrapy.crawler import Crawler
    from scrapy.http import Request

    from tracker.config import Settings

QUEUE_POLL_SECONDS = 0.5
"""How often an idle worker looks at the shared queue again (Scrapy's own beat is 5 s)."""

WORKER_LEASE_SECONDS = 60
"""A worker child's place in ``<spider>:workers`` lasts this long unless renewed (every
quarter of it): a killed worker drops out of the round after at most this long."""

SEED_PENDING_SECONDS = 120
"""How long a seed's own announcement lasts if the seed dies before it removes it."""

WORKER_CONCURRENCY = 4
"""Requests one worker takes from the shared queue at a time (``CONCURRENT_REQUESTS``):
few, so the other workers find work too."""

# A worker child joins the round it takes its first request from: KEYS[1] the round hash;
# returns the round's id (nil without a round).
JOIN_ROUND = """
local id = redis.call('HGET', KEYS[1], 'id')
if id then redis.call('HINCRBY', KEYS[1], 'opened', 1) end
return id
"""

# ... and leaves it: ARGV[1] the round id it joined (a newer round is left alone), ARGV[2]
# '1' for an unfinished crawl, ARGV[3] its candidate watermark ('' for none; the largest is
# kept: ISO dates and the FDA list's JSON compare as text, and each has one writer or grows
# with the date), then figure names and values. Returns 1, or 0 when the round was replaced.
LEAVE_ROUND = """
if redis.call('HGET', KEYS[1], 'id') ~= ARGV[1] then return 0 end
for i = 4, #ARGV, 2 do redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1]) end
if ARGV[2] == '1' then redis.call('HINCRBY', KEYS[1], 'failed', 1) end
if ARGV[3] ~= '' then
  local current = redis.call('HGET', KEYS[1], 'watermark')
  if not current or ARGV[3] > current then redis.call('HSET', KEYS[1], 'watermark', ARGV[3]) end
end
redis.call('HINCRBY', KEYS[1], 'closed', 1)
return 1
"""


def distributed_settings(tracker: Settings, base: dict[str, Any], *, redis_url: str, seed: bool,
                         idle: float) -> dict[str, Any]:
    """Scrapy settings that make a crawl a seed or a worker of the crawl on ``redis_url``
    (``base``: the settings they are added to)."""
    values: dict[str, Any] = {
        "REDIS_URL": redis_url,
        "TRACKER_REDIS_URL": redis_url,
        "TRACKER_REDIS_PREFIX": tracker.redis_key_prefix,
        "SCHEDULER_PERSIST": True,  # the queue and the fingerprints outlive each process
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_SERIALIZER": "scrapy_redis.picklecompat",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    }
    if seed:
        return {**values, "SCHEDULER": "spiders.distributed.SeedScheduler", "ITEM_PIPELINES": {}}
    return {
        **values,
        "SCHEDULER": "spiders.distributed.RoundScheduler",
        "TRACKER_CRAWL_IDLE": idle,
        "EXTENSIONS": {**base.get("EXTENSIONS", {}), "spiders.distributed.RoundWorker": 500},
        "SPIDER_MIDDLEWARES": {**base.get("SPIDER_MIDDLEWARES", {}), "spiders.distributed.NoStartRequests": 0},
        "DOWNLOAD_HANDLERS": {**base.get("DOWNLOAD_HANDLERS", {}),
                              "http": "spiders.politeness.SharedHostRateHandler",
                              "https": "spiders.politeness.SharedHostRateHandler"},
        "ITEM_PIPELINES": {"spiders.pipelines.ThreadedStorePipeline": 300},
        "CONCURRENT_REQUESTS": WORKER_CONCURRENCY,
        "TRACKER_STORE_BATCH": 1,  # commit each record: its new rows and its kind's lock are free at once
    }


class RoundScheduler(Scheduler):
    """scrapy-redis's scheduler on the tracker's keys (``RoundKeys``), without blocking pops
    and with Scrapy 2.19's stats calls, and the worker child's membership of its round.

    The child joins the round (``opened``) when it takes its first request, so a child that
    vanishes holding requests keeps the round from counting as clean. When it closes (after
    the item pipeline has committed everything) it adds its figures, its candidate watermark
    and ``closed``; the last one out of a clean round (every child that joined left with a
    finished crawl and no error, and the seed was complete) saves the round's watermark in
    the store. Saving twice (two leaving at once, or a late child) writes the same value.

    Spider state (watermark candidates, per-process sets of seen ids) is per process; what a
    callback needs travels in its request, so that any worker can take any request.
    """

    joined: str | None = None  # the id of the round this child took requests from

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RoundScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.prefix = crawler.settings.get("TRACKER_REDIS_PREFIX")
        scheduler.database_url = crawler.settings.get("TRACKER_DATABASE_URL")
        scheduler.join_round = scheduler.server.register_script(JOIN_ROUND)
        scheduler.leave_round = scheduler.server.register_script(LEAVE_ROUND)
        return scheduler  # type: ignore[no-any-return]

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.keys = RoundKeys(self.prefix, spider.name)
        # the queue classes format their key with the spider's name once more
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider,
                                                 key=self.keys.queue.replace("%", "%%"),
                                                 serializer=self.serializer)
        self.df = RFPDupeFilter(self.server, key=self.keys.dupefilter,
                                debug=spider.settings.getbool("DUPEFILTER_DEBUG"))
        queued = len(self.queue)
        if queued:
            spider.logger.info("%d requests in the shared queue %s", queued, self.keys.queue)

    def enqueue_request(self, request: Request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.queue.push(request)
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        request = self.queue.pop(0)  # never wait in Redis: the reactor would stand still
        if request is None:
            return None
        if self.joined is None:
            joined = self.join_round(keys=[self.keys.round])
            self.joined = joined.decode() if isinstance(joined, bytes) else joined
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request  # type: ignore[no-any-return]

    def close(self, reason: str) -> None:
        if self.joined is None:
            return  # took nothing from the round: nothing to add
        stats = self.stats.get_stats() if self.stats else {}
        figures = {"requests": stats.get("downloader/request_count", 0), "new": stats.get("tracker/new", 0),
                   "updated": stats.get("tracker/updated", 0), "unchanged": stats.get("tracker/unchanged", 0),
                   "errors": stats.get("log_count/ERROR", 0)}
        failed = reason != "finished"
        watermark = getattr(self.spider, "new_watermark", None)
        offered = str(watermark) if watermark and not failed and not figures["errors"] else ""
        args: list[Any] = [self.joined, "1" if failed else "0", offered]
        for name, value in figures.items():
            args += [name, int(value)]
        if not self.leave_round(keys=[self.keys.round], args=args):
            self.spider.logger.warning("round %s of %s was replaced by a new seed while this worker crawled it: "
                                       "its figures are not counted", self.joined, self.spider.name)
            return
        self.save_watermark_if_last()

    def save_watermark_if_last(self) -> None:
        opened, closed, failed, errors, watermark, round_id = (
            value.decode() if isinstance(value, bytes) else value
            for value in self.server.hmget(self.keys.round, "opened", "closed", "failed", "errors", "watermark", "id"))
        if (not watermark or round_id != self.joined or int(opened or 0) != int(closed or 0)
                or int(failed or 0) or int(errors or 0)):
            return
        save_watermark(self.database_url, source=self.spider.name, value=watermark)
        self.spider.logger.info("round %s of %s finished without errors: watermark %s saved",
                                round_id, self.spider.name, watermark)


def save_watermark(database_url: str, *, source: str, value: str) -> None:
    """Write a finished round's watermark (twice at once is fine: the same value)."""
    from sqlalchemy.exc import IntegrityError

    from tracker.db.engine import open_store, session
    from tracker.store.runs import set_watermark

    engine = open_store(database_url)
    try:
        for attempt in (1, 2):  # another worker may insert the row at the same moment
            with session(engine) as s:
                try:
                    set_watermark(s, source=source, value=value)
                    s.commit()
                    return
                except IntegrityError:
                    if attempt == 2:
                        raise
    finally:
        engine.dispose()


class SeedScheduler(RoundScheduler):
    """The seed of a new round: on open, the spider's previous round is dropped (queue,
    fingerprints, figures) and a seed announced (``pending``); the spider's start requests go
    through the duplicate filter into the queue and none comes back out, so nothing is
    downloaded; on close the round is open for the workers, with the candidate watermark the
    spider set at start (the literature spiders' date) and how many requests were queued. A
    complete seed that queued nothing is a finished round: it saves that watermark itself,
    as a single-machine crawl without requests would."""

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.round_id = utcnow().strftime("%Y%m%dT%H%M%S.%fZ")
        self.seeded = 0
        pipe = self.server.pipeline()
        pipe.delete(self.keys.queue, self.keys.dupefilter, self.keys.round)
        pipe.hset(self.keys.round, mapping={"id": self.round_id, "seeded_at": utcnow().isoformat(),
                                            "state": "seeding"})
        pipe.set(self.keys.pending, "1", ex=SEED_PENDING_SECONDS)
        pipe.execute()
        spider.logger.info("new round %s of %s", self.round_id, spider.name)

    def enqueue_request(self, request: Request) -> bool:
        queued = super().enqueue_request(request)
        self.seeded += queued
        return queued

    def next_request(self) -> Request | None:
        return None

    def has_pending_requests(self) -> bool:
        return False

    def close(self, reason: str) -> None:
        fields: dict[str, Any] = {"seeded": self.seeded, "state": "open"}
        failed = reason != "finished" or bool(self.stats and self.stats.get_value("log_count/ERROR"))
        watermark = getattr(self.spider, "new_watermark", None)
        if watermark and not failed:
            fields["watermark"] = str(watermark)
        pipe = self.server.pipeline()
        pipe.hset(self.keys.round, mapping=fields)
        if failed:  # an incomplete seed: the round must not advance the watermark
            pipe.hincrby(self.keys.round, "failed", 1)
        pipe.delete(self.keys.pending)
        pipe.execute()
        if not self.seeded and "watermark" in fields:
            save_watermark(self.database_url, source=self.spider.name, value=fields["watermark"])
        if self.stats:
            self.stats.set_value("tracker/report/round", self.round_id)
            self.stats.set_value("tracker/report/seeded", self.seeded)
        self.spider.logger.info("round %s of %s: %d requests queued", self.round_id, self.spider.name, self.seeded)


class NoStartRequests:
    """A worker never runs the spider's ``start``: its requests come from the seed."""

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        return
        yield  # an asynchronous generator that yields nothing


class RoundWorker:
    """Keeps a worker child on its spider while there is or may be work.

    - It holds a lease in the round's ``workers`` (renewed every quarter of
      ``WORKER_LEASE_SECONDS``) from the spider's opening to its closing, so a coordinator
      knows a round is not drained while a child may still push follow-up requests.
    - It keeps the spider open while the shared queue is not empty or a seed is announced,
      and until the queue has stayed empty for ``TRACKER_CRAWL_IDLE`` seconds (at once when a
      coordinator has marked the round done); meanwhile it looks at the queue every
      ``QUEUE_POLL_SECONDS``.
    """

    def __init__(self, crawler: Crawler) -> None:
        import redis

        settings = crawler.settings
        self.crawler = crawler
        self.client = redis.Redis.from_url(settings.get("TRACKER_REDIS_URL"), decode_responses=True,
                                           socket_connect_timeout=5, socket_timeout=30)
        self.prefix = settings.get("TRACKER_REDIS_PREFIX")
        self.idle = settings.getfloat("TRACKER_CRAWL_IDLE")
        self.member = f"{socket.gethostname()}:{os.getpid()}"
        self.heartbeat: LoopingCall | None = None
        self.idle_since = time.monotonic()
        self.dequeued = 0
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RoundWorker:
        return cls(crawler)

    def engine_started(self) -> None:
        # Scrapy asks an idle scheduler again every 5 s (a private class attribute of the
        # engine, read when the engine starts); an idle worker should notice new requests of
        # the others sooner. If a later Scrapy drops the attribute, workers poll every 5 s.
        engine = self.crawler.engine
        if engine is not None and hasattr(engine, "_SLOT_HEARTBEAT_INTERVAL"):
            engine._SLOT_HEARTBEAT_INTERVAL = QUEUE_POLL_SECONDS

    def spider_opened(self, spider: Spider) -> None:
        self.keys = RoundKeys(self.prefix, spider.name)
        self.renew_lease()
        self.idle_since = time.monotonic()
        self.heartbeat = LoopingCall(self.renew_lease)
        self.heartbeat.start(WORKER_LEASE_SECONDS / 4, now=False)

    def renew_lease(self) -> None:
        now = int(self.client.time()[0])
        self.client.zadd(self.keys.workers, {self.member: now + WORKER_LEASE_SECONDS})

    def spider_idle(self, spider: Spider) -> None:
        now = time.monotonic()
        dequeued = int(self.crawler.stats.get_value("scheduler/dequeued/redis", 0)) if self.crawler.stats else 0
        if dequeued != self.dequeued or self.client.exists(self.keys.pending):
            self.dequeued, self.idle_since = dequeued, now  # work came, or is coming
            raise DontCloseSpider
        if self.client.hget(self.keys.round, "state") == "done":
            return
        if now - self.idle_since < self.idle:
            raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Leave (the scheduler has already added this child's figures to the round)."""
        if self.heartbeat is not None and self.heartbeat.running:
            self.heartbeat.stop()
        try:
            self.client.zrem(self.keys.workers, self.member)
        finally:
            self.client.close()
