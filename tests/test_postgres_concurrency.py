"""Team mode on PostgreSQL: a nightly run, the TUI's reads and two reviewers at once lose no
decision and duplicate nothing, and the nightly lock is PostgreSQL's advisory lock (refused
to a second run from another process and data directory, released when its holder is
killed).

One store for the module: a nightly run on the recorded snapshot (the FDA list and the
literature) seeds it; the tests then run in order on it, as a team's store would live."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tracker.db.engine import make_engine, open_store, session
from tracker.db.models import CrawlRun, EvidenceGrade, Override, PaperProductLink, Product
from tracker.jobs.locks import ADVISORY_KEY

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "data" / "snapshot"

NIGHTLY = """
import json, sys
from tracker.config import get_settings
from tracker.devtools.replay import replay_env
from tracker.jobs.nightly import run_nightly
url, data_dir, replay, sources = sys.argv[1:5]
settings = get_settings(database_url=url, data_dir=data_dir, enabled_sources=sources.split(","))
report = run_nightly(settings, env=replay_env(replay), replay=True)
print(json.dumps(report.to_dict(), default=str))
sys.exit(0 if report.ok else 1)
"""
"""One nightly run in a process of its own (as cron or systemd starts it)."""

REVIEWER = """
import json, sys
from pathlib import Path
from tracker.config import get_settings
from tracker.db.engine import open_store, session
from tracker.evidence.overrides import override_grade, override_link
from tracker.views.review import ReviewItem, decide, review_queue

url, author, plan_file, started_file, stop_file, out_file = sys.argv[1:7]
plan = json.loads(Path(plan_file).read_text())
levels = ["1t", "1c", "2", "3", "4", "5", "6", None]
engine = open_store(url)
written, rounds = [], 0
with session(engine) as s:
    Path(started_file).touch()
    while rounds == 0 or not Path(stop_file).exists():
        for i, (kind, pub, prod) in enumerate(plan):
            turn = rounds + i
            if kind == "level":  # the review screen: change the level of a queue item
                item = ReviewItem("grade", pub, None, "", "", 0.5, "")
                value = levels[turn % len(levels)]
                row = decide(s, item=item, accept=False, level=value, author=author)
            elif kind == "link":  # the review screen: confirm or reject a queue item
                item = ReviewItem("link", pub, prod, "", "", 0.5, "")
                value = turn % 2 == 0
                row = decide(s, item=item, accept=value, author=author)
            elif kind == "feature":  # tracker review feature
                value = turn % 2 == 0
                row = override_grade(s, publication_id=pub, field_name="vendor_independent",
                                     value=value, author=author, reason="read the paper")
            else:  # tracker review link: a hand-made link
                value = True
                row = override_link(s, publication_id=pub, product_id=prod, accept=True,
                                    author=author, reason="named in the full text")
            written.append([row.id, kind, pub, prod, value])
        rounds += 1
        review_queue(s, threshold=0.7)  # the screen refreshes its queue after each round
Path(out_file).write_text(json.dumps({"rounds": rounds, "written": written}))
engine.dispose()
"""
"""A reviewer: the same decisions round after round (values alternating), through the
functions the review screen and ``tracker review`` call, until told to stop; writes every
override it made."""


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_CONFIG=str(home / "no-such-tracker.toml"), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1")
    return env


def _nightly(url: str, data_dir: Path, replay: str, sources: str, home: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", NIGHTLY, url, str(data_dir), replay, sources],
                            stdout=subprocess.PIPE, stderr=(home / f"{data_dir.name}.log").open("w"),
                            text=True, env=_env(home), start_new_session=True)


def _advisory_locks(url: str) -> int:
    """Nightly advisory locks granted in the store's database right now (PostgreSQL keeps a
    bigint key as its high and low 32 bits)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
                " AND classid::bigint = :high AND objid::bigint = :low AND objsubid = 1"),
                {"high": (ADVISORY_KEY >> 32) & 0xFFFFFFFF, "low": ADVISORY_KEY & 0xFFFFFFFF}).scalar_one())
    finally:
        engine.dispose()


def _runs(url: str) -> list[str]:
    """The statuses of the store's runs, oldest first."""
    engine = make_engine(url)
    try:
        with session(engine) as s:
            return list(s.execute(select(CrawlRun.status).order_by(CrawlRun.id)).scalars())
    finally:
        engine.dispose()


def _wait_for(condition: Any, *, what: str, timeout: float = 120, process: subprocess.Popen[str] | None = None) -> None:
    """Poll an observable state of the store (no fixed sleeps): a lock held or released."""
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"the process ended (status {process.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@dataclass
class Store:
    url: str
    replay: str
    home: Path
    seed_report: dict[str, Any]
    killed_run: bool = False
    """The lock test killed a run (the next one marks it crashed)."""


@pytest.fixture(scope="module")
def store(pg_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:  # type: ignore[no-untyped-def]
    """A team's store: one nightly run on the FDA list and the literature of the snapshot."""
    from tracker.devtools.replay import ReplayServer

    home = tmp_path_factory.mktemp("team")
    name = f"team_{os.getpid()}"
    pg_server.drop_database(name)
    url = pg_server.create_database(name)
    with ReplayServer(SNAPSHOT) as replay:
        seed = _nightly(url, home / "seed", replay.url, "fda_list,literature", home)
        out, _ = seed.communicate(timeout=900)
        assert seed.returncode == 0, (home / "seed.log").read_text()[-3000:]
        yield Store(url, replay.url, home, json.loads(out.splitlines()[-1]))
    pg_server.drop_database(name)


def test_second_nightly_is_refused_and_a_killed_one_releases_the_lock(store: Store) -> None:
    from tracker.jobs.locks import AlreadyRunning, nightly_lock

    holder = _nightly(store.url, store.home / "killed", store.replay, "news", store.home)
    try:
        # the run has begun once it recorded itself, which it does holding the lock
        _wait_for(lambda: _runs(store.url) == ["ok", "running"], what="the first run to start", process=holder)
        assert _advisory_locks(store.url) == 1
        # another process, another data directory: refused by the store's lock, with the reason
        cli = subprocess.run([sys.executable, "-c", "from tracker.cli import main; main()", "nightly",
                              "--database-url", store.url], capture_output=True, text=True, timeout=300,
                             env={**_env(store.home), "TRACKER_DATA_DIR": str(store.home / "second")})
        assert cli.returncode == 2, cli.stderr[-2000:]
        assert "not started: another run holds the store's advisory lock" in cli.stderr
        with pytest.raises(AlreadyRunning, match="advisory lock"), nightly_lock(store.url, store.home / "third"):
            pass
        assert holder.poll() is None  # still running: the lock was held all along
    finally:
        if holder.poll() is None:
            os.killpg(holder.pid, signal.SIGKILL)  # the run and its spider, as systemd would
        holder.wait()
    assert holder.returncode == -signal.SIGKILL
    store.killed_run = True
    # the server drops the lock with the dead process's connection; the next run may start
    _wait_for(lambda: _advisory_locks(store.url) == 0, what="the killed run's lock to go", timeout=60)
    with nightly_lock(store.url, store.home / "third"):
        assert _advisory_locks(store.url) == 1
    assert _advisory_locks(store.url) == 0
    assert _runs(store.url) == ["ok", "running"]  # the killed run could not say it ended


def test_two_reviewers_correcting_products_at_once_keep_both_corrections(store: Store) -> None:
    """``tracker review product`` recomputes every product; two at once must not write back
    a product without the other's correction (the later commit would undo it)."""
    from tracker.products.identity import override_product

    engine = open_store(store.url)
    with session(engine) as s:
        ids = s.execute(select(Product.id).where(Product.modality == "CT").order_by(Product.id)
                        .limit(2)).scalars().all()
    plans = {"ana": (ids[0], ["MR", "US", "X-ray", "MR; CT"]), "ben": (ids[1], ["US", "MR", "NM", "X-ray"])}
    start = threading.Barrier(len(plans))
    errors: list[str] = []

    def correct(author: str) -> None:
        product_id, values = plans[author]
        own = None
        try:
            own = open_store(store.url)
            with session(own) as s:
                for value in values:
                    start.wait(timeout=120)  # both corrections begin together, every round
                    product = s.get(Product, product_id)
                    assert product is not None
                    override_product(s, product=product, field_name="modality", value=value,
                                     author=author, reason="checked the label")
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(f"{author}: {type(exc).__name__}: {exc}")
            start.abort()
        finally:
            if own is not None:
                own.dispose()

    threads = [threading.Thread(target=correct, args=(author,)) for author in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert errors == [] and not any(t.is_alive() for t in threads)
    with session(engine) as s:
        for author, (product_id, values) in plans.items():
            product = s.get(Product, product_id)
            assert product is not None
            assert product.modality == values[-1].replace(" ", ""), author
            assert product.taxonomy["modality"] == {"rule": "O1", "source": f"reviewer {author}: checked the label"}
    engine.dispose()


def _plans(url: str) -> tuple[list[list[Any]], list[list[Any]], list[Any]]:
    """Two reviewers' decisions: their own papers and links, plus one level both decide."""
    engine = open_store(url)
    with session(engine) as s:
        graded = s.execute(select(EvidenceGrade.publication_id).where(EvidenceGrade.level.is_not(None))
                           .order_by(EvidenceGrade.publication_id)).scalars().all()
        links = s.execute(select(PaperProductLink.publication_id, PaperProductLink.product_id)
                          .order_by(PaperProductLink.publication_id, PaperProductLink.product_id)).all()
        linked = {pub for pub, _ in links}
        products = s.execute(select(Product.id).order_by(Product.id).limit(2)).scalars().all()
    engine.dispose()
    unlinked = [p for p in graded if p not in linked]
    assert len(graded) >= 20 and len(links) >= 12 and len(unlinked) >= 2
    shared = ["level", graded[0], None]
    ana = [["level", p, None] for p in graded[1:7]] + [["link", pub, prod] for pub, prod in links[0:12:2]] \
        + [["feature", graded[7], None], ["hand", unlinked[0], products[0]], shared]
    ben = [["level", p, None] for p in graded[8:14]] + [["link", pub, prod] for pub, prod in links[1:12:2]] \
        + [["feature", graded[14], None], ["hand", unlinked[1], products[1]], shared]
    return ana, ben, shared


@dataclass
class Reads:
    """What the TUI's reads saw while the others wrote."""

    rounds: int = 0
    product_rows: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def _tui_reads(url: str, stop: threading.Event, reads: Reads) -> None:
    """The TUI's data layer and screens' views, read again and again until ``stop``."""
    from tracker.config import get_settings
    from tracker.evidence.figures import store_figures
    from tracker.tui.data import StoreData
    from tracker.views.company import company_profile
    from tracker.views.gaps import evidence_gaps
    from tracker.views.product_detail import product_detail
    from tracker.views.review import review_queue

    data = StoreData(get_settings(database_url=url))
    try:
        while not stop.is_set() or reads.rounds == 0:
            try:
                data.invalidate()  # what a screen does after a decision: read afresh
                bundle = data.products()
                evidence_gaps(bundle.rows, bundle.evidence)
                with data.session() as s:
                    store_figures(s, bundle.evidence)
                    review_queue(s, threshold=0.7)
                    first = bundle.rows[0]
                    product_detail(s, product_id=first.id)
                    company_profile(s, first.company_id, evidence=bundle.evidence)
                reads.product_rows[len(bundle.rows)] += 1
            except Exception as exc:  # noqa: BLE001 - every failure is reported by the test
                reads.errors.append(f"{type(exc).__name__}: {exc}")
            reads.rounds += 1
    finally:
        data.close()


def test_nightly_tui_and_two_reviewers_at_once(store: Store) -> None:
    from tracker.evidence.effective import effective_grades, evidence_set
    from tracker.evidence.overrides import load_decisions
    from tracker.products.identity import override_product

    engine = open_store(store.url)
    with session(engine) as s:
        before = {name: s.execute(select(func.count()).select_from(table)).scalar_one()
                  for name, table in _COUNTED.items()}
        # a person corrects a product's modality: the catalogue changed, so the next nightly
        # relinks every paper and then regrades it, while the reviewers work
        product = s.execute(select(Product).where(Product.slug == "icometrix-icobrain")).scalar_one()
        override_product(s, product=product, field_name="modality", value="MR; CT", author="lead",
                         reason="reads CT too")
    ana, ben, shared = _plans(store.url)
    home = store.home
    for name, plan in (("ana", ana), ("ben", ben)):
        (home / f"{name}.plan").write_text(json.dumps(plan))
    phase_start = datetime.now(UTC)

    nightly = _nightly(store.url, home / "nightly", store.replay, "news", home)
    _wait_for(lambda: _advisory_locks(store.url) == 1, what="the nightly's lock", process=nightly)
    stop = threading.Event()
    reads = Reads()
    reader = threading.Thread(target=_tui_reads, args=(store.url, stop, reads), daemon=True)
    reader.start()
    reviewers = {name: subprocess.Popen(
        [sys.executable, "-c", REVIEWER, store.url, name, str(home / f"{name}.plan"), str(home / f"{name}.started"),
         str(home / "stop"), str(home / f"{name}.json")], env=_env(home), stderr=subprocess.PIPE, text=True)
        for name in ("ana", "ben")}
    out, _ = nightly.communicate(timeout=900)
    assert nightly.returncode == 0, (home / "nightly.log").read_text()[-3000:]
    assert all((home / f"{name}.started").exists() for name in reviewers)  # they overlapped the run
    (home / "stop").touch()
    stop.set()
    for name, proc in reviewers.items():
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"{name}: {err[-3000:]}"
    reader.join(timeout=300)
    assert not reader.is_alive()
    report = json.loads(out.splitlines()[-1])

    # the nightly relinked and regraded every paper (the catalogue had changed) and went on
    # past the killed run of the other test, which it marked crashed
    papers = before["publication"]
    assert report["steps"]["link"]["linked_now"] == papers and report["steps"]["grade"]["graded"] == papers
    # (a run the lock test killed is marked crashed by this one)
    assert _runs(store.url) == (["ok", "crashed", "ok"] if store.killed_run else ["ok", "ok"])
    with session(engine) as s:
        regraded = s.execute(select(func.count()).select_from(EvidenceGrade)
                             .where(EvidenceGrade.created_at > phase_start)).scalar_one()
        assert regraded == papers

    # the TUI's reads never failed and always saw the whole product table
    assert reads.errors == [] and reads.rounds > 1
    assert list(reads.product_rows) == [len(_product_rows(store.url))]

    # every decision is there, once, as written; the latest per key wins over the new grades
    written = {name: json.loads((home / f"{name}.json").read_text()) for name in reviewers}
    assert all(w["rounds"] >= 1 for w in written.values())
    with session(engine) as s:
        rows = {o.id: o for o in s.execute(select(Override)).scalars()}
        assert Counter(o.author for o in rows.values()) == Counter(
            {"ana": len(written["ana"]["written"]), "ben": len(written["ben"]["written"])})
        writes = [(name, *w) for name in reviewers for w in written[name]["written"]]
        for name, oid, _kind, pub, prod, value in writes:
            row = rows[oid]
            assert (row.author, row.publication_id, row.value) == (name, pub, value)
            assert row.product_id == (prod if row.target == "link" else None)
        final: dict[tuple[Any, ...], Any] = {}  # the order load_decisions applies
        for _name, _oid, kind, pub, prod, value in sorted(writes, key=lambda w: (rows[w[1]].created_at, w[1])):
            final[("link", pub, prod) if kind in ("link", "hand") else (kind, pub)] = value
        # decisions were made while the nightly regraded, and still win over the new grades
        first_decision = min(row.created_at for row in rows.values())
        last_grade = s.execute(select(func.max(EvidenceGrade.created_at))).scalar_one()
        assert first_decision < last_grade
        decisions = load_decisions(s)
        grades = effective_grades(s, decisions=decisions)
        links = {(lk.publication_id, lk.product_id) for lk in evidence_set(s, decisions=decisions).links}
        for key, value in final.items():
            if key[0] == "level":
                assert grades[key[1]].level == value and "level" in grades[key[1]].overridden, key
            elif key[0] == "feature":
                assert grades[key[1]].vendor_independent is value, key
            else:
                assert ((key[1], key[2]) in links) is value, key
        assert len(final) == len(ana) + len(ben) - 1  # the shared level: one decision stands
        assert ("level", shared[1]) in final

    # nothing is duplicated: natural keys stay unique and the counts are what they were
    with session(engine) as s:
        for table, columns in _NATURAL_KEYS:
            named = ", ".join(columns)
            known = " AND ".join(f"{c} IS NOT NULL" for c in columns)
            duplicates = s.execute(text(
                f"SELECT {named}, count(*) FROM {table} WHERE {known} GROUP BY {named}"  # noqa: S608
                " HAVING count(*) > 1")).all()
            assert duplicates == [], table
        after = {name: s.execute(select(func.count()).select_from(table)).scalar_one()
                 for name, table in _COUNTED.items()}
    engine.dispose()
    assert {k: after[k] for k in _UNCHANGED} == {k: before[k] for k in _UNCHANGED}
    assert after["evidencegrade"] == after["linkstate"] == papers
    assert after["override"] == before["override"] + sum(len(w["written"]) for w in written.values())


def _product_rows(url: str) -> list[Any]:
    from tracker.views.products import product_rows

    engine = open_store(url)
    with session(engine) as s:
        rows = product_rows(s)
    engine.dispose()
    return rows


def _counted() -> dict[str, Any]:
    from tracker.db import models

    return {name: table for name, table in models.metadata.tables.items()
            if name not in ("alembic_version", "crawlrun", "sourcerun", "watermark")}


_COUNTED = _counted()
_UNCHANGED = ("product", "productalias", "registration", "publication", "publicationsource",
              "evidencegrade", "linkstate", "platform")
"""Tables a news crawl, a relink and a regrade add no row to (the news may name new
companies: the counterparty of a partnership, say)."""
_NATURAL_KEYS = (
    ("company", ("normalized_name",)), ("companyalias", ("normalized",)), ("product", ("slug",)),
    ("product", ("company_id", "normalized_name")), ("productalias", ("product_id", "normalized")),
    ("registration", ("regulator", "number")), ("publication", ("pmid",)), ("publication", ("doi",)),
    ("publicationsource", ("source", "external_id")), ("newsitem", ("url",)),
    ("companyevent", ("natural_key",)), ("paperproductlink", ("publication_id", "product_id")),
    ("papermention", ("publication_id", "product_id", "role")), ("evidencegrade", ("publication_id",)),
    ("linkstate", ("publication_id",)), ("embeddingcache", ("content_hash", "model")),
    ("platform", ("slug",)), ("platformproduct", ("platform_id", "product_id")),
)
