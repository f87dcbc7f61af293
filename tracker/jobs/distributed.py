"""A crawl shared by several machines: one request queue, one duplicate filter and one
per-host rate limit per spider in Redis (scrapy-redis; the Scrapy side is
``spiders.distributed`` and ``spiders.politeness``). docs/distributed-crawl.md says how to run it.

Roles, each ``tracker crawl`` with a Redis URL:

- **seed** (``--seed``): per spider, in crawl order, a new *round*: the previous round's
  queue, duplicate filter and figures are dropped, then the spider's start requests are
  computed from the store as it stands and pushed through the duplicate filter. Nothing is
  downloaded.
- **worker** (no ``--seed``): per spider, in crawl order, a child process that takes requests
  from the shared queue (follow-ups go back to it, so any worker may fetch them) until the
  queue has stayed empty for ``crawl_idle_seconds`` while no seeding was announced.
- **coordinator** (``--seed --wait``): seeds one spider at a time, waits until the workers
  have drained its round, then seeds the next one, and runs ``AFTER_REGULATORY`` (product
  resolution) after the last of a run of regulatory spiders: each spider sees the store as
  the single-machine crawl would (openFDA asks for the numbers the FDA list just brought,
  the literature searches use tonight's products). Only the coordinator resolves products;
  workers never do.

A round's watermark is saved by the last worker child that leaves it, and only when the round
had no error and no worker child vanished (``spiders.distributed.RoundScheduler``).

Redis keys (``<p>`` is ``settings.redis_key_prefix``, ``<spider>`` the spider's name):

- ``<p>:<spider>:requests``: sorted set, the shared queue (scrapy-redis ``PriorityQueue``:
  pickled requests, score ``-priority``);
- ``<p>:<spider>:dupefilter``: set, the fingerprints of the round's requests;
- ``<p>:<spider>:round``: hash, the round: ``id``, ``seeded_at``, ``seeded``, ``state``
  (``seeding``, ``open``, ``done`` once a coordinator saw it drained), ``watermark``
  (candidate), and over the worker children that took requests from it ``opened``,
  ``closed``, ``failed`` (unfinished crawls; also an incomplete seed), and their summed
  ``requests``, ``new``, ``updated``, ``unchanged``, ``errors``;
- ``<p>:<spider>:workers``: sorted set, the worker children on the spider, scored by the end
  of their lease (Redis clock, seconds; renewed while they run);
- ``<p>:<spider>:pending``: string with an expiry: a seed of this spider is coming, workers
  wait instead of counting idle time;
- ``<p>:host:<host>``: string, the next free time of a host (Redis clock, microseconds).

This module is the one home of those names; it imports redis (never Scrapy), and only when
called.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from tracker.jobs.crawl import SpiderResult, after_regulatory, ends_regulatory_run, run_spider
from tracker.records import utcnow

if TYPE_CHECKING:
    from redis import Redis

    from tracker.config import Settings
    from tracker.jobs.steps import Step

log = logging.getLogger(__name__)

PENDING_LEASE_SECONDS = 30
"""How long a coordinator's announcement that a spider will be seeded lasts unless renewed
(it is renewed every third of that while the coordinator runs)."""

PROGRESS_EVERY_SECONDS = 30.0


class RedisUnavailable(RuntimeError):
    """Redis cannot be reached; the message says where (password hidden) and why."""


@dataclass(frozen=True)
class RoundKeys:
    """The Redis keys of one spider's crawl rounds (see the module docstring)."""

    prefix: str
    spider: str

    @property
    def queue(self) -> str:
        return f"{self.prefix}:{self.spider}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:{self.spider}:dupefilter"

    @property
    def round(self) -> str:
        return f"{self.prefix}:{self.spider}:round"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:{self.spider}:workers"

    @property
    def pending(self) -> str:
        return f"{self.prefix}:{self.spider}:pending"


def host_key(prefix: str, host: str) -> str:
    """The key holding a host's next free time."""
    return f"{prefix}:host:{host}"


ROUND_FIGURES = ("opened", "closed", "failed", "requests", "new", "updated", "unchanged", "errors")


@dataclass
class RoundState:
    """A round as Redis has it now."""

    id: str = ""
    seeded: int = 0
    state: str = ""
    watermark: str | None = None
    queued: int = 0
    workers: int = 0  # worker children with a live lease
    opened: int = 0
    closed: int = 0
    failed: int = 0
    requests: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: int = 0

    @property
    def drained(self) -> bool:
        """Nothing queued and no worker child on it: every request of the round is done."""
        return self.queued == 0 and self.workers == 0

    @property
    def clean(self) -> bool:
        """Every worker child that joined left with a finished crawl and no error."""
        return self.opened == self.closed and not self.failed and not self.errors


def redacted(url: str) -> str:
    """A Redis URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str) -> Redis:
    """A client for ``url`` that has answered a PING; ``RedisUnavailable`` otherwise."""
    import redis

    try:
        client = redis.Redis.from_url(url, decode_responses=True, socket_connect_timeout=5, socket_timeout=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise RedisUnavailable(f"cannot reach Redis at {redacted(url)}: {exc}") from exc
    return client


def read_round(client: Redis, keys: RoundKeys) -> RoundState:
    now = int(client.time()[0])
    pipe = client.pipeline(transaction=False)
    pipe.hgetall(keys.round)
    pipe.zcard(keys.queue)
    pipe.zcount(keys.workers, now, "+inf")
    fields, queued, workers = pipe.execute()
    return RoundState(
        id=fields.get("id", ""), seeded=int(fields.get("seeded", 0)), state=fields.get("state", ""),
        watermark=fields.get("watermark"), queued=int(queued), workers=int(workers),
        **{name: int(fields.get(name, 0)) for name in ROUND_FIGURES},
    )


def wait_drained(client: Redis, keys: RoundKeys, *, poll: float = 0.5,
                 progress: Callable[[str], None] | None = None) -> RoundState:
    """Block until the round of ``keys`` is drained; its state then."""
    last_note = time.monotonic()
    while True:
        state = read_round(client, keys)
        if state.drained:
            return state
        if progress and time.monotonic() - last_note >= PROGRESS_EVERY_SECONDS:
            progress(f"{keys.spider}: waiting for the workers: {state.queued} requests queued, "
                     f"{state.workers} worker(s) on it")
            last_note = time.monotonic()
        time.sleep(poll)


class PendingLease:
    """Announces that spiders will be seeded (their ``pending`` keys, renewed in a
    background thread) so that workers wait for them instead of ending; ``release`` stops
    renewing one (its seed removes the key once its requests are queued); leaving the
    ``with`` block removes those still held."""

    def __init__(self, client: Redis, keys: list[str], *, ttl: int = PENDING_LEASE_SECONDS) -> None:
        self.client, self.ttl = client, ttl
        self.held = list(keys)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._renew_until_stopped, name="pending-lease", daemon=True)

    def _renew(self) -> None:
        with self._lock:
            held = list(self.held)
        if held:
            pipe = self.client.pipeline(transaction=False)
            for key in held:
                pipe.set(key, "1", ex=self.ttl)
            pipe.execute()

    def _renew_until_stopped(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                self._renew()
            except Exception:  # a lost connection: the keys expire, workers stop waiting
                log.warning("could not renew the pending marks", exc_info=True)

    def release(self, key: str) -> None:
        with self._lock:
            if key in self.held:
                self.held.remove(key)

    def __enter__(self) -> PendingLease:
        self._renew()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        with self._lock:
            held, self.held = self.held, []
        if held:
            self.client.delete(*held)


def seed(spiders: list[str], settings: Settings, *, redis_url: str, env: Mapping[str, str] | None = None,
         replay: bool = False, log_file: Path | None = None,
         on_result: Callable[[SpiderResult, datetime], None] | None = None) -> list[SpiderResult]:
    """Start a new round of each spider (in order) and queue its start requests; the
    figures say how many were queued (``extra["report"]["seeded"]``)."""
    results = []
    for name in spiders:
        started = utcnow()
        result = run_spider(name, database_url=settings.database_url, env=env, replay=replay,
                            log_file=log_file, redis_url=redis_url, seed=True)
        results.append(result)
        if on_result:
            on_result(result, started)
    return results


def work(spiders: list[str], settings: Settings, *, redis_url: str, idle: float | None = None,
         env: Mapping[str, str] | None = None, replay: bool = False, log_file: Path | None = None,
         on_result: Callable[[SpiderResult, datetime], None] | None = None) -> list[SpiderResult]:
    """Be one worker: each spider in order, in its own process, until its shared queue has
    stayed empty for ``idle`` seconds (default ``crawl_idle_seconds``). The figures are this
    worker's share of the round."""
    results = []
    for name in spiders:
        started = utcnow()
        result = run_spider(name, database_url=settings.database_url, env=env, replay=replay,
                            log_file=log_file, redis_url=redis_url,
                            idle=idle if idle is not None else settings.crawl_idle_seconds)
        results.append(result)
        if on_result:
            on_result(result, started)
    return results


def round_result(seeded: SpiderResult, state: RoundState, seconds: float) -> SpiderResult:
    """A drained round as one spider's figures: summed over its worker children."""
    ok = seeded.ok and state.clean
    problems = [] if seeded.ok else [f"seed: {seeded.error_text}"]
    if not state.clean:
        problems.append(f"{state.errors} errors, {state.failed} failed and "
                        f"{state.opened - state.closed} vanished worker run(s)")
    return SpiderResult(
        source=seeded.source, ok=ok, requests=state.requests, new=state.new, updated=state.updated,
        unchanged=state.unchanged, errors=state.errors + seeded.errors, seconds=seconds,
        error_text="; ".join(problems),
        extra={"round": state.id, "seeded": state.seeded, "worker_runs": state.closed,
               "watermark": state.watermark if ok else None},
    )


def coordinate(spiders: list[str], settings: Settings, *, redis_url: str, env: Mapping[str, str] | None = None,
               replay: bool = False, log_file: Path | None = None, poll: float = 0.5,
               progress: Callable[[str], None] | None = None,
               on_result: Callable[[SpiderResult, datetime], None] | None = None,
               run_after: Callable[[list[Step]], None] | None = None) -> list[SpiderResult]:
    """Seed the spiders one at a time, each once the previous one's round is drained, and
    resolve products after the last of a run of regulatory spiders (``crawl_sources``'s
    order, with the downloading done by the workers). A spider's figures are its round's,
    summed over the workers."""
    import redis

    client = connect(redis_url)
    prefix = settings.redis_key_prefix
    results: list[SpiderResult] = []
    try:
        with PendingLease(client, [RoundKeys(prefix, name).pending for name in spiders]) as lease:
            for index, name in enumerate(spiders):
                keys = RoundKeys(prefix, name)
                lease.release(keys.pending)  # from now on the seed itself holds it
                if progress:
                    progress(f"seed {name}")
                started, clock = utcnow(), time.monotonic()
                seeded = run_spider(name, database_url=settings.database_url, env=env, replay=replay,
                                    log_file=log_file, redis_url=redis_url, seed=True)
                state = wait_drained(client, keys, poll=poll, progress=progress)
                client.hset(keys.round, "state", "done")
                result = round_result(seeded, state, time.monotonic() - clock)
                results.append(result)
                if on_result:
                    on_result(result, started)
                if ends_regulatory_run(spiders, index):
                    after_regulatory(settings, run_after)
    except redis.RedisError as exc:
        raise RedisUnavailable(f"lost Redis at {redacted(redis_url)}: {exc}") from exc
    finally:
        client.close()
    return results


def round_states(spiders: list[str], settings: Settings, *, redis_url: str) -> dict[str, RoundState]:
    """Each spider's round as Redis has it now (for reports and tests)."""
    client = connect(redis_url)
    try:
        return {name: read_round(client, RoundKeys(settings.redis_key_prefix, name)) for name in spiders}
    finally:
        client.close()


def describe(result: SpiderResult) -> dict[str, Any]:
    """The figures a seed child reported: its round and how many requests it queued."""
    report = result.extra.get("report", {}) if isinstance(result.extra.get("report"), dict) else {}
    return {"round": report.get("round"), "seeded": int(report.get("seeded", 0))}
