"""Every spider against every fault (issue 15, defect 8): 9 spiders x 6 faults.

Each case starts from the store as it stood before that spider in a clean crawl in production
order (regulatory spiders, products resolved, literature, news), injects one fault on the
requests that carry the spider's data, crawls, and asserts:

- the run is reported failed (``ok`` false, errors counted) or was retried to success (then
  the store equals the clean crawl's);
- nothing stored is lost or duplicated: every row that was there before is still there, either
  as it was or as the clean crawl leaves it, and every added row is one the clean crawl adds
  (or, for a news item, the same item with fewer fields: the feed's, without the page's text);
- no watermark moves past data not stored: a failed run leaves the spider's watermark as it was;
- a clean re-run completes the store: it then equals the clean crawl's.

The clean crawl runs once per module; each case copies the SQLite file from before its spider.
Faults hit the requests that carry data (``TARGETS``): a 429 with ``Retry-After`` once per
target (retried to success), every other fault on every such request (the run must fail).
Under a fault a request is retried once and (timeout fault) gets 1 s, so persistent faults
fail fast; the six cases of a spider run side by side, each with its own replay server.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tracker.devtools.replay import Fault, ReplayServer, replay_env
from tracker.jobs.crawl import SOURCE_GROUPS, SpiderResult, ends_regulatory_run, run_spider

pytestmark = pytest.mark.slow  # every source crawled end to end under each fault, then again

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot"
SPIDERS = [name for group in SOURCE_GROUPS.values() for name in group]  # crawl order
FAULTS = ["429", "500", "timeout", "reset", "truncated", "malformed"]


# Malformed bodies, complete HTTP answers with status 200, one per format.
BROKEN_JSON = b'{"meta": {"results": {"total": 2}}, "results": [{"product_co'
BROKEN_XML = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss><channel><item><title>cut'
ERROR_PAGE = b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>"


@dataclass(frozen=True)
class Target:
    """Requests that carry a spider's data: path prefix and a substring of the query."""

    path_prefix: str
    query_contains: str = ""
    malformed: bytes = BROKEN_JSON


TARGETS: dict[str, tuple[Target, ...]] = {
    "fda_list": (Target("/fda/ai-ml-enabled-devices.csv", malformed=ERROR_PAGE),),
    "openfda_510k": (Target("/openfda/device/510k.json"),),
    "openfda_pma": (Target("/openfda/device/pma.json"),),
    "openfda_classification": (Target("/openfda/device/classification.json"),),
    # a vendor's device list and its certificates (not the unfiltered probes)
    "eudamed": (Target("/eudamed/devices/udiDiData", "srn="),
                Target("/eudamed/certificates/search/", "actorSrn=")),
    "pubmed": (Target("/pubmed/efetch.fcgi", malformed=BROKEN_XML),),
    "europepmc": (Target("/europepmc/search"),),
    # one feed and one article page behind the Google News feed; the other feeds go on
    "news_feeds": (Target("/news/www.massdevice.com/feed/", malformed=BROKEN_XML),
                   Target("/news/www.forbes.com/", malformed=ERROR_PAGE)),
    # a nested sitemap and an article page behind the iCAD listing
    "news_pages": (Target("/news/theimagingwire.com/post-sitemap.xml", malformed=BROKEN_XML),
                   Target("/news/www.icadmed.com/about/news-events/press-releases/icad-",
                          malformed=ERROR_PAGE)),
}

# Spider arguments for the clean crawl and every case. EUDAMED asks only the vendors the
# snapshot has (not every company in the store: hundreds of empty actor searches); the
# literature spiders send one query (the snapshot answers every search term with the same
# pages, so the 80-odd terms planned from the products would only multiply each fault).
ARGS: dict[str, dict[str, str]] = {
    "eudamed": {"vendors": "airamed,gleamer,icometrix,lunit,quantib,screenpoint medical"},
    "pubmed": {"query": "radiology artificial intelligence"},
    "europepmc": {"query": "radiology artificial intelligence"},
}


def fault(kind: str, target: Target) -> Fault:
    """The replay server's fault of this kind on this target."""
    where: dict[str, Any] = {"path_prefix": target.path_prefix, "query_contains": target.query_contains}
    if kind == "429":
        return Fault(**where, status=429, retry_after=1, times=1)
    persistent: dict[str, dict[str, Any]] = {
        "500": {"status": 500},
        "timeout": {"trickle": 0.5},  # headers at once, then a body that takes 4.5 s
        "reset": {"reset": 0.5},  # TCP reset halfway through the body
        "truncated": {"truncate": 0.5},  # the connection closes short of Content-Length
        "malformed": {"status": 200, "body": target.malformed},
    }
    return Fault(**where, **persistent[kind], times=-1)


def faulty_env(kind: str) -> dict[str, str]:
    """Settings of the crawl under a fault, so that persistent faults fail fast: a request is
    retried once (the replay backoff is 0.05 s); under the timeout fault an answer gets 1 s.
    Clean crawls keep the defaults (a loaded machine does not make them time out)."""
    env = {"TRACKER_MAX_RETRIES": "1"}
    if kind == "timeout":
        env["TRACKER_HTTP_TIMEOUT"] = "1"
    return env


# ---- what a store holds, comparable between two crawls ---------------------------------
SKIPPED_TABLES = {"crawlrun", "sourcerun", "embeddingcache", "alembic_version"}
VOLATILE = re.compile(r"^id$|_at$")  # row ids and timestamps differ between two equal crawls
# How a row is named where another row points at it (its id depends on the order of inserts).
LABELS: dict[str, tuple[str, ...]] = {
    "company": ("normalized_name",),
    "product": ("slug",),
    "publication": ("pmid", "doi", "normalized_title"),
    "registration": ("regulator", "number"),
}


@dataclass
class Store:
    """A store's rows without ids and timestamps, references replaced by labels. Rows that
    existed before the spider ran (ids up to ``limits``, or a non-id key) are ``kept`` by
    identity; rows added since are a multiset ``added`` (their ids vary between crawls)."""

    kept: dict[str, dict[tuple[Any, ...], tuple[Any, ...]]] = field(default_factory=dict)
    added: dict[str, Counter[tuple[Any, ...]]] = field(default_factory=dict)


def _tables(db: sqlite3.Connection) -> list[str]:
    names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return sorted(n for n in names if n not in SKIPPED_TABLES and not n.startswith("sqlite_"))


def id_limits(path: Path) -> dict[str, int]:
    """The largest row id of each table: rows up to it existed before the spider ran."""
    with closing(sqlite3.connect(path)) as db:
        return {t: db.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{t}"').fetchone()[0]
                for t in _tables(db) if "id" in _columns(db, t)}


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]


def _labels(db: sqlite3.Connection) -> dict[str, dict[int, tuple[Any, ...]]]:
    return {table: {row[0]: tuple(row[1:]) for row in
                    db.execute(f'SELECT id, {", ".join(columns)} FROM "{table}"')}
            for table, columns in LABELS.items()}


def _stable(column: str, value: Any) -> Any:
    """A value as two equal crawls store it. A registration that two overlapping searches
    return is enriched by whichever answer came last: the URL in ``extra.enriched_by`` is a
    race between requests, the source that enriched it is not."""
    if column != "extra" or not isinstance(value, str) or '"enriched_by"' not in value:
        return value
    data = json.loads(value)
    data["enriched_by"] = sorted(data["enriched_by"])
    return json.dumps(data, sort_keys=True)


def _labelled(value: Any, table: str | None, labels: dict[str, dict[int, tuple[Any, ...]]]) -> Any:
    """A reference to a labelled table as the row's label, any other value as it is."""
    return labels.get(table or "", {}).get(value, value)


def read_store(path: Path, limits: dict[str, int]) -> Store:
    """What the store at ``path`` holds; rows with ids over ``limits`` count as added."""
    store = Store()
    with closing(sqlite3.connect(path)) as db:
        labels = _labels(db)
        for table in _tables(db):
            columns = _columns(db, table)
            refs = {r[3]: r[2] for r in db.execute(f'PRAGMA foreign_key_list("{table}")')}
            keys = [r[1] for r in sorted(db.execute(f'PRAGMA table_info("{table}")'), key=lambda r: r[5]) if r[5]]
            kept: dict[tuple[Any, ...], tuple[Any, ...]] = {}
            added: Counter[tuple[Any, ...]] = Counter()
            for raw in db.execute(f'SELECT * FROM "{table}"'):
                row = dict(zip(columns, raw, strict=True))
                values = tuple((c, _stable(c, _labelled(row[c], refs.get(c), labels)))
                               for c in columns if not VOLATILE.search(c))
                if keys == ["id"] and row["id"] > limits.get(table, 0):
                    added[values] += 1
                else:
                    kept[tuple(row[k] for k in keys)] = values
            store.kept[table], store.added[table] = kept, added
    return store


def differences(a: Store, b: Store) -> list[str]:
    """Where two stores differ, by table (empty when they are equal)."""
    found = []
    for table in sorted(set(a.kept) | set(b.kept)):
        ka, kb = a.kept.get(table, {}), b.kept.get(table, {})
        changed = sum(ka.get(k) != kb.get(k) for k in set(ka) | set(kb))
        extra = a.added.get(table, Counter()) - b.added.get(table, Counter())
        missing = b.added.get(table, Counter()) - a.added.get(table, Counter())
        if changed or extra or missing:
            found.append(f"{table}: {changed} kept rows differ, {sum(extra.values())} added rows "
                         f"extra, {sum(missing.values())} missing")
    return found


# What names an added row, where a failed crawl may leave it less complete than the clean
# crawl does (a news item with its feed's fields but not its page's text).
KEYS: dict[str, tuple[str, ...]] = {"newsitem": ("url",)}
# Columns computed from the others: they differ whenever a row is less complete.
DERIVED = {"raw", "content_hash"}


def _completed_by(table: str, row: tuple[Any, ...], clean: Counter[tuple[Any, ...]]) -> bool:
    """Whether the clean crawl adds this row, or (``KEYS``) a row of the same name that has
    every value this one has (``DERIVED`` aside) and fills some this one leaves empty."""
    if row in clean:
        return True
    if table not in KEYS:
        return False
    values = dict(row)
    for other in map(dict, clean):
        if all(values[k] == other[k] for k in KEYS[table]):
            return all(v is None or v == other[c] or c in DERIVED for c, v in values.items())
    return False


def partial_problems(before: Store, after: Store, clean: Store) -> list[str]:
    """What is wrong with a store after a failed crawl: rows lost, rows neither as they were
    nor as the clean crawl leaves them, added rows more often than the clean crawl adds them
    or that it does not complete."""
    found = []
    for table, rows in after.kept.items():
        was, now = before.kept.get(table, {}), clean.kept.get(table, {})
        lost = set(was) - set(rows)
        wrong = [k for k, v in rows.items() if v not in (was.get(k), now.get(k))]
        if lost or wrong:
            found.append(f"{table}: {len(lost)} rows lost, {len(wrong)} rows changed otherwise")
        added, expected = after.added[table], clean.added.get(table, Counter())
        twice = sum(n - 1 for n in added.values() if n > 1)
        junk = sum(not _completed_by(table, row, expected) for row in added)
        if twice or junk:
            found.append(f"{table}: {twice} added rows duplicated, {junk} added rows the clean "
                         f"crawl neither adds nor completes")
    return found


def copy_store(source: Path, target: Path) -> None:
    """Copy a SQLite store with SQLite's backup API: a plain file copy would miss what is still
    in the write-ahead log, and closing its file handle drops this process's SQLite locks."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


# Opening a store runs its migrations, and Alembic's context is one per process.
_STORE_LOCK = threading.Lock()


def watermark(path: Path, source: str) -> str | None:
    """The source's watermark in the store at ``path``."""
    from tracker.db.engine import open_store, session
    from tracker.store.runs import get_watermark

    with _STORE_LOCK:
        engine = open_store(f"sqlite:///{path}")
    try:
        with session(engine) as s:
            return get_watermark(s, source=source)
    finally:
        engine.dispose()


# ---- the clean crawl, once; the cases of a spider together ------------------------------
@dataclass
class Stage:
    """The store file from before a spider ran in the clean crawl, and what the clean crawl
    of that spider left in it."""

    before: Path
    limits: dict[str, int]
    clean: Store
    failed: str = ""  # why the clean crawl failed (its cases fail with this)


def crawl(name: str, server: ReplayServer, path: Path, env: dict[str, str] | None = None) -> SpiderResult:
    """One crawl of ``name`` into the store at ``path`` (a child process, as in production)."""
    return run_spider(name, database_url=f"sqlite:///{path}", env={**replay_env(server.url), **(env or {})},
                      replay=True, args=ARGS.get(name))


@pytest.fixture(scope="module")
def stages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Stage]:
    """Crawl every spider once in production order (products resolved after the regulatory
    spiders, as ``tracker crawl`` does), keeping the store from before each spider."""
    from tracker.config import get_settings
    from tracker.db.engine import open_store
    from tracker.jobs.crawl import run_steps
    from tracker.jobs.steps import AFTER_REGULATORY

    folder = tmp_path_factory.mktemp("fault-matrix")
    path = folder / "clean.db"
    found: dict[str, Stage] = {}
    with pytest.MonkeyPatch.context() as env, ReplayServer(SNAPSHOT) as server:
        # a module fixture starts before conftest's per-test isolation: isolate here too
        for key in [k for k in os.environ if k.startswith("TRACKER_")]:
            env.delenv(key)
        env.setenv("TRACKER_CONFIG", str(folder / "no-such-tracker.toml"))
        env.setenv("TRACKER_DATA_DIR", str(folder / "data"))
        open_store(f"sqlite:///{path}").dispose()
        for index, name in enumerate(SPIDERS):
            before = folder / f"before_{name}.db"
            copy_store(path, before)
            result = crawl(name, server, path)
            limits = id_limits(before)
            found[name] = Stage(before=before, limits=limits, clean=read_store(path, limits),
                                failed="" if result.ok else result.error_text)
            if ends_regulatory_run(SPIDERS, index):
                engine = open_store(f"sqlite:///{path}")
                try:
                    run_steps(AFTER_REGULATORY, engine, get_settings(database_url=f"sqlite:///{path}"))
                finally:
                    engine.dispose()
    return found


@dataclass
class Outcome:
    """One case: the crawl under the fault, the store before and after it, the spider's
    watermark after it, and the clean re-run with the store it leaves."""

    faulty: SpiderResult
    hits: list[int]  # requests each of the spider's targets answered with the fault
    before: Store
    after: Store
    mark: str | None
    again: SpiderResult
    completed: Store


def hits(server: ReplayServer, target: Target) -> int:
    """How many requests the server received for ``target``."""
    return sum(r.startswith(target.path_prefix) and target.query_contains in r for r in server.requests)


def run_case(name: str, kind: str, stage: Stage, folder: Path) -> Outcome:
    """Crawl ``name`` from the store before it, under the fault, then again without."""
    path = folder / f"{name}-{kind}.db"
    copy_store(stage.before, path)
    before = read_store(path, stage.limits)
    with ReplayServer(SNAPSHOT) as server:  # a server per case: faults are per server
        for target in TARGETS[name]:
            server.add_fault(fault(kind, target))
        faulty = crawl(name, server, path, faulty_env(kind))
        counted = [hits(server, target) for target in TARGETS[name]]
        after, mark = read_store(path, stage.limits), watermark(path, name)
        server.faults.clear()
        again = crawl(name, server, path)
    return Outcome(faulty=faulty, hits=counted, before=before, after=after, mark=mark,
                   again=again, completed=read_store(path, stage.limits))


class Matrix:
    """The cases, run a spider at a time: the first time one of a spider's cases is asked
    for, all its selected cases run at once (threads; the crawls are child processes that
    mostly wait on each other's faults)."""

    def __init__(self, stages: dict[str, Stage], folder: Path, selected: set[tuple[str, str]]) -> None:
        self.stages, self.folder, self.selected = stages, folder, selected
        self.done: dict[tuple[str, str], Outcome] = {}

    def outcome(self, name: str, kind: str) -> Outcome:
        if (name, kind) not in self.done:
            kinds = [k for k in FAULTS if (name, k) in self.selected and (name, k) not in self.done]
            kinds = kinds if kind in kinds else [kind]
            with ThreadPoolExecutor(max_workers=len(kinds)) as pool:
                runs = pool.map(lambda k: run_case(name, k, self.stages[name], self.folder), kinds)
                self.done.update({(name, k): run for k, run in zip(kinds, runs, strict=True)})
        return self.done[(name, kind)]


@pytest.fixture(scope="module")
def matrix(request: pytest.FixtureRequest, stages: dict[str, Stage],
           tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    selected = set()
    for item in request.session.items:  # the cases this session runs (``-k`` may pick a few)
        params = getattr(getattr(item, "callspec", None), "params", {})
        if getattr(item, "module", None) is request.module and "kind" in params:
            selected.add((params["name"], params["kind"]))
    return Matrix(stages, tmp_path_factory.mktemp("fault-cases"), selected)


# Combinations that show a defect outside this module's reach, to be fixed where it is.
CASES = [pytest.param(name, kind, id=f"{name}-{kind}") for name in SPIDERS for kind in FAULTS]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_a_fault_loses_nothing_and_a_clean_rerun_completes_the_store(
        name: str, kind: str, stages: dict[str, Stage], matrix: Matrix) -> None:
    stage = stages[name]
    assert not stage.failed, f"the clean crawl of {name} failed: {stage.failed}"
    case = matrix.outcome(name, kind)
    assert all(case.hits), f"a fault hit none of its requests: {case.hits}"
    if kind == "429":  # once per target: retried to success
        assert case.faulty.ok, case.faulty.error_text
        assert differences(case.after, stage.clean) == []
    else:  # on every request that carries data: reported failed
        assert not case.faulty.ok and case.faulty.errors >= 1, case.faulty.error_text
        assert partial_problems(case.before, case.after, stage.clean) == []
        assert case.mark == watermark(stage.before, name)  # a failed crawl moves no watermark
    assert case.again.ok, case.again.error_text
    assert differences(case.completed, stage.clean) == []


# ---- answers too large --------------------------------------------------------------------
def test_download_size_limits_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from spiders.settings import scrapy_settings
    from tracker.config import get_settings

    values = scrapy_settings(get_settings(), database_url="sqlite://")
    assert (values["DOWNLOAD_MAXSIZE"], values["DOWNLOAD_WARNSIZE"]) == (64 * 2**20, 16 * 2**20)
    monkeypatch.setenv("TRACKER_DOWNLOAD_MAXSIZE", "1000")
    assert scrapy_settings(get_settings(), database_url="sqlite://")["DOWNLOAD_MAXSIZE"] == 1000


def test_an_answer_over_the_size_limit_fails_the_crawl_and_stores_nothing(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    size = (SNAPSHOT / "fda" / "ai-ml-enabled-devices.csv").stat().st_size
    env = {**replay_env(replay.url), "TRACKER_DOWNLOAD_MAXSIZE": str(size // 2)}
    result = run_spider("fda_list", database_url=db_url, env=env, replay=True)
    assert not result.ok and result.errors >= 1 and result.new == 0
    path = Path(db_url.removeprefix("sqlite:///"))
    assert read_store(path, {}).added["registration"] == Counter() and watermark(path, "fda_list") is None


def test_a_dropped_connection_is_retried_after_the_backoff(replay, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay.add_fault(Fault(path_prefix="/fda/ai-ml-enabled-devices.csv", reset=0.5, times=1))
    log = tmp_path / "crawl.log"
    result = run_spider("fda_list", database_url=db_url, env=replay_env(replay.url), replay=True, log_file=log)
    assert result.ok, result.error_text
    waited = [line for line in log.read_text("utf-8").splitlines() if "before retry 1" in line]
    assert len(waited) == 1 and "ai-ml-enabled-devices.csv" in waited[0]  # backoff, as after a 5xx
