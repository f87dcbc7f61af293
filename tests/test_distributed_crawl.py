"""The distributed crawl on a real redis-server and PostgreSQL: seeds, workers, a coordinator,
the shared per-host rate limit and the store pipeline's unique-key race
(docs/distributed-crawl.md, ``tracker.jobs.distributed``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from tracker.cli import app
from tracker.config import get_settings
from tracker.db.engine import open_store, session
from tracker.db.models import NewsItem, Product, Publication, PublicationSource, Registration
from tracker.devtools.replay import Fault, replay_env
from tracker.devtools.servers import free_port
from tracker.jobs.crawl import run_spider
from tracker.jobs.distributed import RoundKeys, round_states
from tracker.names import normalize_product
from tracker.records import RegistrationRecord, utcnow
from tracker.sources.news import load_news_sources
from tracker.store.companies import get_or_create_company
from tracker.store.runs import all_watermarks

pytestmark = pytest.mark.slow  # real Redis and PostgreSQL, several crawl workers end to end

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = ["INSIGHT MMG", "INSIGHT CXR", "Transpara", "BoneView", "BriefCase", "Rapid LVO"]
RATE = 8.0  # requests per second to one host, across both workers
TOLERANCE = 0.03  # seconds: a worker's and the replay server's thread waking late on a busy machine


class TimedRequests(list[str]):
    """The replay server's request list, with the time each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, path: str) -> None:  # called under the replay server's lock
        self.times.append(time.monotonic())
        super().append(path)


def fetched(replay: Any) -> list[str]:
    """Paths the replay server answered, robots.txt aside (each process reads it once)."""
    return [path for path in replay.requests if not path.endswith("/robots.txt")]


def add_products(url: str, names: list[str]) -> None:
    engine = open_store(url)
    with session(engine) as s:
        company = get_or_create_company(s, name="Lunit Inc.")
        for number, name in enumerate(names):
            s.add(Product(slug=f"product-{number}", company_id=company.id or 0, name=name,
                          normalized_name=normalize_product(name)))
        s.commit()
    engine.dispose()


def count(url: str, model: Any) -> int:
    engine = open_store(url)
    with session(engine) as s:
        found = int(s.exec(select(func.count()).select_from(model)).one())
    engine.dispose()
    return found


def env_for(replay: Any, prefix: str, **settings: str) -> dict[str, str]:
    """What every child of a test runs with: the replay server's base URLs, the test's own
    Redis key prefix, and ``settings`` as TRACKER_* variables."""
    extra = {f"TRACKER_{key.upper()}": value for key, value in settings.items()}
    return {**os.environ, **replay_env(replay.url), "TRACKER_REDIS_KEY_PREFIX": prefix, **extra}


STARTED: list[subprocess.Popen[str]] = []


@pytest.fixture(autouse=True)
def _stop_leftovers() -> Any:
    """A failed test leaves no worker behind: what is still running is killed, with its
    spider processes (each command runs in a process group of its own)."""
    yield
    while STARTED:
        process = STARTED.pop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start(*command: str, env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, *command], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    STARTED.append(process)
    return process


def tracker(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """``tracker ARGS`` in its own process."""
    return start("-c", "from tracker.cli import main; main()", *args, env=env)


def finish(process: subprocess.Popen[str], timeout: float = 240) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"exit {process.returncode}:\n{out}\n{err[-3000:]}"
    return out


def worker_requests(output: str) -> dict[str, int]:
    return {r["source"]: r["requests"] for r in json.loads(output)}


# A worker with the replay server's fast settings (no source rates, no AutoThrottle), which
# the command line keeps for single-machine crawls: only crawl_max_host_rps paces it.
REPLAY_WORKER = """
import json, sys
from dataclasses import asdict
from tracker.config import get_settings
from tracker.jobs.distributed import work

spiders, database_url, redis_url = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
results = work(spiders, get_settings(database_url=database_url), redis_url=redis_url, idle=1, replay=True)
print(json.dumps([asdict(r) for r in results]))
"""


def replay_worker(spiders: list[str], database_url: str, redis_url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return start("-c", REPLAY_WORKER, ",".join(spiders), database_url, redis_url, env=env)


def test_two_workers_share_one_queue_fetch_each_request_once_and_keep_the_host_rate(
        replay: Any, redis_server: Any, pg_url: str, db_url: str) -> None:
    spiders = literature = ["pubmed", "europepmc"]
    small_terms = {"literature_query_chars": "60"}  # one search request per product
    # the same crawl in one process, into SQLite: what the workers must add up to
    add_products(db_url, PRODUCTS)
    single = [run_spider(name, database_url=db_url, env=env_for(replay, "single", **small_terms), replay=True)
              for name in spiders]
    assert all(r.ok for r in single)
    expected = Counter(fetched(replay))
    assert len(expected) >= 20 and set(expected.values()) == {1}

    replay.requests = TimedRequests()
    add_products(pg_url, PRODUCTS)
    env = env_for(replay, "pair", crawl_max_host_rps=str(RATE), **small_terms)
    seeded = finish(tracker("crawl", "--seed", "--redis-url", redis_server.url, "--database-url", pg_url,
                            *spiders, env=env))
    assert all(f"{name}: round" in seeded for name in spiders)
    assert replay.requests == []  # seeding downloads nothing
    replay.add_fault(Fault("/pubmed/efetch.fcgi", status=503, times=1))  # retried through the shared queue
    workers = [replay_worker(spiders, pg_url, redis_server.url, env) for _ in range(2)]
    shares = [worker_requests(finish(worker)) for worker in workers]

    # every request once (the one that failed twice), the same ones as in one process, and
    # both workers took part
    got = Counter(fetched(replay))
    retried = got - expected
    assert set(got) == set(expected) and list(retried.values()) == [1]
    assert next(iter(retried)).startswith("/pubmed/efetch.fcgi")
    assert all(sum(share.values()) > 0 for share in shares)
    client = redis.Redis.from_url(redis_server.url)
    fingerprints = sum(int(client.scard(RoundKeys("pair", name).dupefilter)) for name in spiders)
    assert fingerprints == len(expected)
    # every record stored once
    assert count(pg_url, Publication) == count(db_url, Publication) > 0
    assert count(pg_url, PublicationSource) == count(db_url, PublicationSource)
    rounds = round_states(spiders, get_settings(redis_key_prefix="pair"), redis_url=redis_server.url)
    assert sum(r.new for r in rounds.values()) == sum(r.new for r in single)
    assert all(r.clean and r.closed >= 1 and r.drained for r in rounds.values())
    # the round's watermark (the search window's end) is saved once the round is over
    today = utcnow().date().isoformat()
    engine = open_store(pg_url)
    with session(engine) as s:
        assert {k: v for k, v in all_watermarks(s).items() if k in literature} == dict.fromkeys(literature, today)
    engine.dispose()

    # politeness: one host (the replay server), both workers, never closer than 1/RATE, and
    # never more than RATE requests in any second
    times = replay.requests.times
    assert len(times) == len(replay.requests) > 20
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 1 / RATE - TOLERANCE, sorted(gaps)[:5]
    window = int(RATE)
    spans = [later - earlier for earlier, later in zip(times, times[window:], strict=False)]
    assert min(spans) >= window / RATE - TOLERANCE, sorted(spans)[:5]


def test_coordinator_seeds_in_order_resolves_products_and_a_new_round_crawls_again(
        replay: Any, redis_server: Any, pg_url: str) -> None:
    regulatory = ["fda_list", "openfda_pma"]  # openFDA asks for the PMA numbers of the FDA list
    # the news feeds' follow-ups carry the feed and its item (dataclasses) through the queue
    spiders = [*regulatory, "news_feeds"]
    env = env_for(replay, "coord")  # the command line's settings: robots.txt, the sources' rates
    open_store(pg_url).dispose()  # a migrated store before several processes open it
    coordinator = tracker("crawl", "--seed", "--wait", "--json", "--redis-url", redis_server.url,
                          "--database-url", pg_url, *spiders, env=env)
    # once the coordinator has announced its seeds, workers wait for them (openFDA only comes
    # once the FDA list is stored) instead of ending on an empty queue
    client = redis.Redis.from_url(redis_server.url)
    deadline = time.monotonic() + 60
    while not client.exists(RoundKeys("coord", "news_feeds").pending):
        assert coordinator.poll() is None and time.monotonic() < deadline, "no seed was announced"
        time.sleep(0.05)
    workers = [tracker("crawl", "--json", "--idle", "1", "--redis-url", redis_server.url, "--database-url", pg_url,
                       *spiders, env=env) for _ in range(2)]
    rounds = {r["source"]: r for r in json.loads(finish(coordinator))}
    shares = [worker_requests(finish(worker)) for worker in workers]
    assert all(r["ok"] for r in rounds.values())
    assert all(sum(share[name] for share in shares) == rounds[name]["requests"] for name in spiders)
    paths = Counter(fetched(replay))
    assert set(paths.values()) == {1}
    # openFDA was seeded after the FDA list was stored: it asked for the list's PMA numbers and
    # enriched those registrations
    assert any(path.startswith("/openfda/device/pma.json?search=pma_number") for path in paths)
    assert rounds["openfda_pma"]["updated"] > 0 and rounds["openfda_pma"]["new"] == 0
    assert count(pg_url, Registration) == rounds["fda_list"]["new"] > 1000
    assert count(pg_url, NewsItem) == rounds["news_feeds"]["new"] > 0
    # the coordinator resolved the registrations into products after the regulatory spiders
    engine = open_store(pg_url)
    with session(engine) as s:
        unresolved = s.exec(select(func.count()).select_from(Registration)
                            .where(Registration.product_id.is_(None))).one()  # type: ignore[union-attr]
        assert json.loads(all_watermarks(s)["fda_list"])["sha256"]  # the round's, saved by a worker
    engine.dispose()
    assert unresolved == 0 and count(pg_url, Product) > 0

    # the next round: last round's fingerprints are gone, so the feeds are queued and fetched
    # again (articles stored with their text are not fetched again)
    replay.requests = []
    again = finish(tracker("crawl", "--seed", "--redis-url", redis_server.url, "--database-url", pg_url,
                           "news_feeds", env=env))
    feeds = [source for source in load_news_sources() if source.kind == "feed"]
    new_round = round_states(["news_feeds"], get_settings(redis_key_prefix="coord"), redis_url=redis_server.url)
    assert f"news_feeds: round {new_round['news_feeds'].id}, {len(feeds)} requests queued" in again
    out = finish(tracker("crawl", "--json", "--idle", "1", "--redis-url", redis_server.url, "--database-url", pg_url,
                         "news_feeds", env=env))
    (result,) = json.loads(out)
    assert result["ok"] and result["new"] == 0 and result["requests"] > 0
    refetched = Counter(fetched(replay))
    first_round = [path for path in paths if path.startswith("/news/")]
    assert set(refetched.values()) == {1} and set(refetched) <= set(first_round)
    assert len(feeds) <= len(refetched) < len(first_round)


def test_an_unreachable_redis_is_one_clear_line(db_url: str) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    for extra in ([], ["--seed"], ["--seed", "--wait"]):
        result = CliRunner().invoke(app, ["crawl", *extra, "--redis-url", url, "--database-url", db_url, "pubmed"])
        assert result.exit_code == 2, result.output
        assert f"error: cannot reach Redis at {url}" in result.output
        assert "Traceback" not in result.output
    bad = CliRunner().invoke(app, ["crawl", "--seed", "--database-url", db_url, "pubmed"])
    assert bad.exit_code == 2 and "--redis-url" in bad.output


def _record() -> RegistrationRecord:
    return RegistrationRecord(source="fda_ai_list", source_url="https://www.fda.gov/list.csv#row=1",
                              regulator="FDA", kind="510(k)", number="K999001", device_name="Device 1",
                              applicant="Acme AI, Inc.")


def _pipeline(url: str, batch: int) -> tuple[Any, Any]:
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from spiders.pipelines import StorePipeline

    crawler = get_crawler(Spider, {"TRACKER_DATABASE_URL": url, "TRACKER_STORE_BATCH": batch})
    crawler.spider = Spider(name="fda_list")
    crawler.stats.open_spider()
    pipeline = StorePipeline.from_crawler(crawler)
    pipeline.open_spider(crawler.spider)
    return pipeline, crawler.stats


def _waiting_on_a_lock(url: str) -> bool:
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND wait_event_type = 'Lock'").fetchone()
    return bool(row and row[0])


def test_two_writers_of_one_record_store_it_once_without_an_error(pg_url: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    first, first_stats = _pipeline(pg_url, batch=100)  # holds its insert uncommitted
    second, second_stats = _pipeline(pg_url, batch=1)
    first.process_item(_record())
    writer = threading.Thread(target=second.process_item, args=(_record(),))
    writer.start()  # its insert waits for the first writer's uncommitted row
    deadline = time.monotonic() + 30
    while not _waiting_on_a_lock(pg_url):
        assert writer.is_alive() and time.monotonic() < deadline, "the second insert never waited"
        time.sleep(0.05)
    first.session.commit()  # the first row lands: the second insert fails on the unique key
    writer.join(30)
    first.close_spider(first.crawler.spider)
    second.close_spider(second.crawler.spider)
    assert second_stats.get_value("tracker/store_races") == 1
    assert second_stats.get_value("tracker/unchanged") == 1  # merged into the first writer's row
    assert not second_stats.get_value("tracker/store_errors") and not second_stats.get_value("log_count/ERROR")
    assert "could not store" not in caplog.text
    assert count(pg_url, Registration) == 1
