"""PostgreSQL as a first-class store, on a real server (``pg_server`` in tests/conftest.py):
the migrations, the upserts, the nightly job, the exports, the review operations and the
TUI's queries give the same results on PostgreSQL as on SQLite.

The nightly job runs once per engine for the whole module (both at once, on the recorded
snapshot); the review test works on copies of those stores, so the other tests see them as
the nightly left them."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, inspect, select, text
from sqlalchemy.engine import Engine, make_url

from tracker.db.engine import alembic_config, make_engine, open_store, session
from tracker.records import Author, EventRecord, NewsRecord, PublicationRecord, RegistrationRecord
from tracker.store import Outcome, save_record

pytestmark = pytest.mark.slow  # a real PostgreSQL server: every migration, demos on both engines

ENGINES = ("sqlite", "postgresql")

# ---- migrations and schema ---------------------------------------------------------------


def _alembic(engine: Engine, command_name: str, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        getattr(command, command_name)(cfg, revision)


def _schema_differences(engine: Engine) -> list[Any]:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tracker.db.models import metadata

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, metadata))


def test_migrations_upgrade_downgrade_and_upgrade_again_on_postgresql(pg_url: str) -> None:
    """Every migration goes up and comes back down on an empty PostgreSQL, one at a time."""
    from alembic.script import ScriptDirectory

    from tracker.db.models import metadata

    revisions = [r.revision for r in ScriptDirectory.from_config(alembic_config(pg_url)).walk_revisions()]
    revisions.reverse()  # oldest first
    engine = make_engine(pg_url)

    def current() -> list[str]:
        with engine.connect() as connection:
            return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())

    try:
        seen = []
        for revision in revisions:
            _alembic(engine, "upgrade", revision)
            assert current() == [revision]
            seen.append(set(inspect(engine).get_table_names()))
        assert seen[-1] == {*metadata.tables, "alembic_version"}
        assert _schema_differences(engine) == []
        for revision, tables in zip(reversed(revisions[:-1]), reversed(seen[:-1]), strict=True):
            _alembic(engine, "downgrade", "-1")
            assert current() == [revision] and set(inspect(engine).get_table_names()) == tables
        _alembic(engine, "downgrade", "base")
        assert current() == [] and set(inspect(engine).get_table_names()) == {"alembic_version"}
        _alembic(engine, "upgrade", "head")
        assert current() == [revisions[-1]] and _schema_differences(engine) == []
    finally:
        engine.dispose()


def test_processes_opening_a_new_postgresql_store_at_once_migrate_it_once(pg_url: str) -> None:
    """Crawl workers or analysts that open a new store together take turns on an advisory
    lock: without it, two would create the same tables and one would fail."""
    code = f"from tracker.db.engine import open_store; open_store({pg_url!r}).dispose()"
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    outcomes = [(proc.wait(timeout=120), proc.stderr.read() if proc.stderr else "") for proc in procs]
    assert [status for status, _ in outcomes] == [0, 0, 0, 0], outcomes
    engine = make_engine(pg_url)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        assert len(versions) == 1
    finally:
        engine.dispose()


def test_models_and_migrated_schema_agree(store_url: str) -> None:
    """``alembic check`` on both engines: autogenerate finds nothing to add or change."""
    engine = open_store(store_url)
    try:
        assert _schema_differences(engine) == []
    finally:
        engine.dispose()


def test_postgresql_sessions_read_timestamps_in_utc(pg_url: str) -> None:
    """A server (or database) set to another time zone still hands back UTC: dates taken
    from timestamps (a news item's day, a product's first date) are the same as on SQLite."""
    url = make_url(pg_url)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'ALTER DATABASE "{url.database}" SET timezone TO \'America/New_York\''))
    admin.dispose()
    engine = open_store(pg_url)
    try:
        late = datetime(2022, 4, 6, 23, 30, tzinfo=UTC)
        with session(engine) as s:
            save_record(s, record=NewsRecord(source="news", url="https://example.org/late", title="t",
                                             published=late))
            s.commit()
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT published FROM newsitem")).scalar_one()
        assert stored == late and stored.utcoffset() == timedelta(0)
        assert stored.date() == date(2022, 4, 6)
    finally:
        engine.dispose()


# ---- upserts -----------------------------------------------------------------------------


def _registration(**changes: Any) -> RegistrationRecord:
    values: dict[str, Any] = dict(source="fda_list", regulator="FDA", kind="510(k)", number="K123456",
                                  device_name="Rapid LVO", applicant="iSchemaView, Inc.",
                                  decision_date=date(2020, 1, 2))
    return RegistrationRecord(**{**values, **changes})


def test_upserts_are_idempotent_on_both_engines(store_url: str) -> None:
    """The same record twice is one row (``UNCHANGED``); a changed record updates that row."""
    from tracker.db.models import (
        CompanyEvent,
        NewsItem,
        Publication,
        PublicationSource,
        Registration,
    )

    engine = open_store(store_url)
    berlin = timezone(timedelta(hours=2))
    paper = dict(title="Stand-alone AI for breast cancer detection in screening mammography", year=2019,
                 authors=[Author(name="Doe J", affiliations=["Radboud"])])
    records: list[tuple[Any, Any]] = [
        (_registration(), _registration(product_code="QIH")),
        (PublicationRecord(source="pubmed", external_id="31000001", pmid="31000001", **paper),
         PublicationRecord(source="pubmed", external_id="31000001", pmid="31000001",
                           abstract="We evaluated a commercial system.", **paper)),
        (NewsRecord(source="news", url="https://example.org/a", title="RadNet acquires Aidence",
                    published=datetime(2022, 1, 24, 23, 56, tzinfo=berlin)),
         NewsRecord(source="news", url="https://example.org/a", title="RadNet acquires Aidence",
                    published=datetime(2022, 1, 24, 23, 56, tzinfo=berlin), summary="Closed.")),
        (EventRecord(source="seed", event_type="acquisition", company="Aidence", counterparty="RadNet",
                     event_date=date(2022, 1, 24), status="completed", origin="seed"),
         EventRecord(source="seed", event_type="acquisition", company="Aidence", counterparty="RadNet",
                     event_date=date(2022, 1, 24), status="completed", origin="seed", stake=1.0)),
    ]
    try:
        with session(engine) as s:
            for first, changed in records:
                assert save_record(s, record=first) is Outcome.NEW
                s.commit()
                assert save_record(s, record=first) is Outcome.UNCHANGED, first
                assert save_record(s, record=changed) is Outcome.UPDATED, changed
                s.commit()
                assert save_record(s, record=changed) is Outcome.UNCHANGED, changed
            # the same paper from a second source is the same row, recorded once per source
            epmc = PublicationRecord(source="europepmc", external_id="MED:31000001", pmid="31000001",
                                     doi="10.1000/XYZ", **paper)
            assert save_record(s, record=epmc) is Outcome.UPDATED
            assert save_record(s, record=epmc) is Outcome.UNCHANGED
            s.commit()
        with session(engine) as s:
            regs = s.execute(select(Registration)).scalars().all()
            assert [(r.number, r.product_code) for r in regs] == [("K123456", "QIH")]
            pubs = s.execute(select(Publication)).scalars().all()
            assert [(p.pmid, p.doi, p.abstract) for p in pubs] == [
                ("31000001", "10.1000/xyz", "We evaluated a commercial system.")]
            assert sorted(s.execute(select(PublicationSource.source)).scalars()) == ["europepmc", "pubmed"]
            news = s.execute(select(NewsItem)).scalars().all()
            assert [(n.url, n.summary) for n in news] == [("https://example.org/a", "Closed.")]
            published = news[0].published
            assert published.replace(tzinfo=None) == datetime(2022, 1, 24, 21, 56)  # stored in UTC
            events = s.execute(select(CompanyEvent)).scalars().all()
            assert [(e.event_type, e.stake) for e in events] == [("acquisition", 1.0)]
    finally:
        engine.dispose()


def _icu_database(pg_server: Any, name: str) -> str:
    """A database whose collation follows a language's rules (ICU ``en-US``), as a team's
    server may have: "a-c" sorts after "ab" there, before it in code point order."""
    import psycopg

    pg_server.drop_database(name)
    with psycopg.connect(host="127.0.0.1", port=pg_server.port, user="postgres", dbname="postgres",
                         autocommit=True) as connection:
        try:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 LOCALE_PROVIDER icu '  # type: ignore[arg-type]
                               "ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
        except psycopg.Error as exc:
            pytest.skip(f"this PostgreSQL cannot create an ICU-collated database: {exc}")
    return pg_server.url(name)


@pytest.mark.parametrize("engine_kind", ["sqlite", "postgresql-icu"])
def test_text_is_ordered_by_code_point_whatever_the_collation(engine_kind: str, tmp_path: Path,
                                                               request: pytest.FixtureRequest) -> None:
    """Which registration founds a product (and so the product ids the linker's catalogue
    is keyed on) and the order of export rows do not depend on a database's collation."""
    from tracker.db.models import Product, Registration
    from tracker.exports.rows import companies_rows, products_rows, registrations_rows
    from tracker.products.resolution import resolve_products

    name = f"icu_{os.getpid()}"
    pg_server = None if engine_kind == "sqlite" else request.getfixturevalue("pg_server")
    url = f"sqlite:///{tmp_path / 'tracker.db'}" if pg_server is None else _icu_database(pg_server, name)
    numbers = ["_Z1", "AB-2", "A-C1", "AB1", "B21", "B-1"]
    applicants = ["zeta Health", "ab Health", "a-c Health", "Ab Vision", "B2 Medical", "b Labs"]
    engine = open_store(url)
    try:
        with session(engine) as s:
            for number, applicant in zip(numbers, applicants, strict=True):
                save_record(s, record=_registration(source="eudamed", regulator="EU", kind="EUDAMED device",
                                                    number=number, device_name=f"Tool {number}",
                                                    applicant=applicant, decision_date=None))
            s.commit()
            resolve_products(s)
            founded = s.execute(select(Registration.number).join(Product, Product.id == Registration.product_id)
                                .order_by(Product.id)).scalars().all()
            companies = [row["company"] for row in companies_rows(s)]
            products = [row["product_id"] for row in products_rows(s)]
            registrations = [row["number"] for row in registrations_rows(s)]
    finally:
        engine.dispose()
        if pg_server is not None:
            pg_server.drop_database(name)
    assert registrations == sorted(numbers)  # code point order: "A-C1" < "AB-2" < "AB1" < ... < "_Z1"
    assert products == sorted(products) and companies == sorted(companies)
    # one product per registration, founded (and so numbered) in registration order
    assert founded == sorted(numbers)


# ---- the nightly job on both engines -------------------------------------------------------


@dataclass
class Run:
    url: str
    data_dir: Path
    result: subprocess.CompletedProcess[str]

    @property
    def exports(self) -> Path:
        return self.data_dir / "exports"


@dataclass
class Stores:
    runs: dict[str, Run]
    home: Path

    def url(self, engine: str) -> str:
        return self.runs[engine].url


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(TRACKER_CONFIG=str(home / "no-such-tracker.toml"), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1")
    return env


@pytest.fixture(scope="module")
def stores(pg_server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:  # type: ignore[no-untyped-def]
    """``tracker demo`` (the nightly job on the recorded snapshot, exports included) into a
    fresh SQLite store and a fresh PostgreSQL database, both at once."""
    home = tmp_path_factory.mktemp("engines")
    name = f"nightly_{os.getpid()}"
    pg_server.drop_database(name)
    urls = {"sqlite": f"sqlite:///{home / 'sqlite' / 'tracker.db'}",
            "postgresql": pg_server.create_database(name)}
    code = "from tracker.cli import main; main()"
    procs = {}
    for engine, url in urls.items():
        log = (home / f"{engine}.log").open("w+")
        procs[engine] = (subprocess.Popen(
            [sys.executable, "-c", code, "demo", "--database-url", url, "--data-dir", str(home / engine)],
            stdout=log, stderr=subprocess.STDOUT, text=True, env=_env(home)), log)
    runs = {}
    for engine, (proc, log) in procs.items():
        proc.wait(timeout=1200)
        log.seek(0)
        runs[engine] = Run(urls[engine], home / engine,
                           subprocess.CompletedProcess(proc.args, proc.returncode, log.read(), ""))
        log.close()
    yield Stores(runs, home)
    pg_server.drop_database(name)


VOLATILE = frozenset({"fetched_at", "created_at", "updated_at", "started_at", "finished_at",
                      "linked_at", "level_changed_at", "log_path"})
"""Columns that say when (or where) a run did something, not what it found."""
NATURAL_KEYS = {"company": ("normalized_name",), "product": ("slug",), "registration": ("regulator", "number"),
                "publication": ("pmid", "doi", "normalized_title"), "newsitem": ("url",),
                "platform": ("slug",), "companyevent": ("natural_key",)}
"""What a row is, whatever id a run gave it (registrations and news items are numbered in the
order a crawl happened to store them)."""
REFERENCES = {"company_id": "company", "counterparty_id": "company", "product_id": "product",
              "publication_id": "publication", "preprint_of_id": "publication", "news_item_id": "newsitem",
              "platform_id": "platform", "registration_id": "registration"}
RUN_TABLES = frozenset({"crawlrun", "sourcerun", "watermark", "alembic_version"})


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLite reads times back naive (in UTC), PostgreSQL aware
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    if isinstance(value, bytes):
        import numpy as np

        return tuple(np.round(np.frombuffer(value, dtype=np.float32), 5))
    return value


def store_contents(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table as sorted rows, ids replaced by the natural keys of the rows they name."""
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    try:
        with engine.connect() as connection:
            raw = {name: [dict(r._mapping) for r in connection.execute(select(table))]
                   for name, table in meta.tables.items()}
    finally:
        engine.dispose()
    keys = {table: {row["id"]: tuple(row[c] for c in cols) for row in raw[table]}
            for table, cols in NATURAL_KEYS.items()}
    out = {}
    for name, rows in raw.items():
        if name in RUN_TABLES:
            continue
        table_rows = []
        for row in rows:
            item = []
            for column, value in sorted(row.items()):
                if column in VOLATILE or column == "id":
                    continue
                if (name, column) == ("registration", "extra") and "enriched_by" in value:
                    # which source enriched it, not which of its responses came first (a
                    # registration in two openFDA answers keeps the first URL to arrive)
                    value = {**value, "enriched_by": sorted(value["enriched_by"])}
                if column in REFERENCES and value is not None:
                    value = keys[REFERENCES[column]][value]
                item.append((column, _plain(value)))
            table_rows.append(tuple(item))
        out[name] = sorted(table_rows, key=repr)
    return out


def _ids(url: str, table: str, key: str) -> dict[Any, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return dict(connection.execute(text(f"SELECT {key}, id FROM {table}")).all())  # noqa: S608
    finally:
        engine.dispose()


@pytest.mark.slow
def test_nightly_gives_the_same_store_on_both_engines(stores: Stores) -> None:
    for engine in ENGINES:
        run = stores.runs[engine].result
        assert run.returncode == 0, f"{engine}:\n{run.stdout[-4000:]}"
    sqlite_out, pg_out = (stores.runs[e].result.stdout for e in ENGINES)
    # the summaries agree: counts per table, the linker's version and the headline figures
    assert sqlite_out.split("Store now holds:")[1].split("Exports:")[0] == \
        pg_out.split("Store now holds:")[1].split("Exports:")[0]

    def versions(out: str) -> list[str]:
        return [part.split("=", 1)[1] for line in out.splitlines() if "step link" in line or "step grade" in line
                for part in line.split(", ") if part.startswith("model_version=")]

    assert versions(sqlite_out) == versions(pg_out) and len(versions(sqlite_out)) == 2
    # the same rows in every table (run bookkeeping aside) ...
    contents = {engine: store_contents(stores.url(engine)) for engine in ENGINES}
    assert contents["sqlite"].keys() == contents["postgresql"].keys()
    for table in contents["sqlite"]:
        assert contents["sqlite"][table] == contents["postgresql"][table], table
    assert len(contents["sqlite"]["paperproductlink"]) > 100 and len(contents["sqlite"]["evidencegrade"]) > 400
    # ... under the same ids where ids carry meaning (the linker's catalogue, exports' ids)
    for table, key in (("product", "slug"), ("company", "normalized_name"), ("publication", "title")):
        assert _ids(stores.url("sqlite"), table, key) == _ids(stores.url("postgresql"), table, key), table


def _export_rows_with_times(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    return list(json.loads(path.read_text("utf-8")))


def _export_rows(path: Path) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k not in VOLATILE} for row in _export_rows_with_times(path)]


@pytest.mark.slow
def test_nightly_exports_are_the_same_on_both_engines(stores: Stores) -> None:
    from tracker.exports.columns import KINDS

    folders = {engine: stores.runs[engine].exports for engine in ENGINES}
    names = {engine: sorted(p.name for p in folders[engine].iterdir() if p.suffix in (".csv", ".json")
                            and not p.name.startswith("digest")) for engine in ENGINES}
    assert names["sqlite"] == names["postgresql"]
    assert set(names["sqlite"]) >= {f"{kind}.{fmt}" for kind in KINDS for fmt in ("csv", "json")}
    # times are written alike too: in UTC, with the offset (SQLite reads them back naive)
    for engine in ENGINES:
        mentions = _export_rows_with_times(folders[engine] / "mentions.csv")
        assert mentions and all(row["created_at"].endswith("+00:00") for row in mentions), engine
    for name in names["sqlite"]:
        sqlite_rows, pg_rows = (_export_rows(folders[e] / name) for e in ENGINES)
        assert len(sqlite_rows) == len(pg_rows), name
        for i, (a, b) in enumerate(zip(sqlite_rows, pg_rows, strict=True)):
            assert a == b, f"{name} row {i}"
    # the digest lists the same changes; its file name and period are the run's time, and each
    # section is in the order its items were recorded, under their store ids ("registration/12"):
    # a crawl's timing, not the engine's
    digests = {e: _without_times(json.loads(next(folders[e].glob("digest-*.json")).read_text("utf-8")),
                                 also=("key", "record"))
               for e in ENGINES}
    for digest in digests.values():
        for section in digest["sections"].values():
            section["items"] = sorted(section["items"], key=lambda item: json.dumps(item, sort_keys=True))
    assert digests["sqlite"] == digests["postgresql"]
    assert sum(len(section["items"]) for section in digests["postgresql"]["sections"].values()) > 1000


def _without_times(value: Any, also: tuple[str, ...] = ()) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v, also) for k, v in value.items()
                if k not in ("since", "until", "generated_at", "recorded_at", "period", "paths", "path", *also)
                and k not in VOLATILE}
    if isinstance(value, list):
        return [_without_times(v, also) for v in value]
    return value


# ---- review operations and the TUI's queries -------------------------------------------------


def _copy_store(stores: Stores, pg_server: Any, engine: str, name: str) -> str:
    """A copy of a nightly store to change (the originals stay as the nightly left them)."""
    source = stores.url(engine)
    if engine == "sqlite":
        target = stores.home / f"{name}.db"
        with sqlite3.connect(source.removeprefix("sqlite:///")) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return f"sqlite:///{target}"
    import psycopg

    pg_server.drop_database(name)
    with psycopg.connect(host="127.0.0.1", port=pg_server.port, user="postgres", dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(source).database}"')  # type: ignore[arg-type]
    return pg_server.url(name)


def _review(url: str) -> None:
    """The same decisions on either store, through the functions ``tracker review`` and the
    TUI's review screen call."""
    from tracker.db.models import EvidenceGrade, PaperProductLink, Product, Registration
    from tracker.evidence.overrides import confirm_grade, override_grade, override_link
    from tracker.products.identity import merge_products, override_product, split_product
    from tracker.views.review import decide, mark_not_relevant, review_queue

    engine = open_store(url)
    try:
        with session(engine) as s:
            links = s.execute(select(PaperProductLink.publication_id, PaperProductLink.product_id)
                              .order_by(PaperProductLink.publication_id, PaperProductLink.product_id)).all()
            graded = s.execute(select(EvidenceGrade.publication_id).where(EvidenceGrade.level.is_not(None))
                               .order_by(EvidenceGrade.publication_id)).scalars().all()
            (pub_a, prod_a), (pub_b, prod_b), (pub_c, _) = links[0], links[5], links[10]
            override_link(s, publication_id=pub_a, product_id=prod_a, accept=False, author="ana", reason="not it")
            override_link(s, publication_id=pub_b, product_id=prod_b, accept=True, author="ben")
            lunit = s.execute(select(Product).where(Product.slug == "lunit-lunit-insight-mmg")).scalar_one()
            override_link(s, publication_id=graded[3], product_id=lunit.id, accept=True, author="ana",
                          reason="a hand-made link")
            override_grade(s, publication_id=graded[0], field_name="level", value="4", author="ana")
            override_grade(s, publication_id=graded[1], field_name="vendor_independent", value=True, author="ben")
            override_grade(s, publication_id=graded[2], field_name="sample_size", value=1234, author="ben")
            confirm_grade(s, publication_id=graded[4], author="ana")
            mark_not_relevant(s, [pub_c], author="ben", reason="a protocol, no results")
            for item, accept in zip(review_queue(s, threshold=0.7)[:6], (True, False) * 3, strict=False):
                decide(s, item=item, accept=accept, level="3", author="ana")
            icobrain = s.execute(select(Product).where(Product.slug == "icometrix-icobrain")).scalar_one()
            override_product(s, product=icobrain, field_name="modality", value="MR; CT", author="ben",
                             reason="both")
            cxr = s.execute(select(Product).where(Product.slug == "lunit-lunit-insight-cxr")).scalar_one()
            triage = s.execute(select(Product).where(Product.slug == "lunit-lunit-insight-cxr-triage")).scalar_one()
            merge_products(s, keep=cxr, drop=triage, author="ana", reason="one product")
            regs = sorted(r.number for r in s.execute(select(Registration).where(
                Registration.product_id == cxr.id)).scalars())
            split_product(s, product=cxr, numbers=regs[-1:], name="Lunit INSIGHT CXR Next", author="ben",
                          reason="a new line")
    finally:
        engine.dispose()


def _plain_view(value: Any) -> Any:
    """A view's result as plain data: dataclasses as dicts, sets sorted, times dropped."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain_view(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: _plain_view(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_view(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain_view(v) for v in value)
    if isinstance(value, datetime):
        return "<time>"
    assert value is None or isinstance(value, (str, int, float, date)), type(value)
    return value


def tui_views(url: str) -> dict[str, Any]:
    """What the TUI's screens read (tracker.tui.data and the views each screen calls)."""
    from tracker.config import get_settings
    from tracker.evidence.effective import effective_grades, evidence_set
    from tracker.evidence.figures import store_figures
    from tracker.tui.data import StoreData
    from tracker.views.company import company_profile, vendor_profiles
    from tracker.views.compare import compare_products, task_products
    from tracker.views.gaps import evidence_gaps, heatmap_totals
    from tracker.views.market import market_view
    from tracker.views.paper_detail import paper_detail
    from tracker.views.papers import PaperQuery, search_text
    from tracker.views.platforms import platform_detail, platform_rows
    from tracker.views.product_detail import product_detail
    from tracker.views.review import review_queue

    data = StoreData(get_settings(database_url=url))
    try:
        bundle = data.products()
        rows = bundle.rows
        out: dict[str, Any] = {"products": rows, "tasks": bundle.findings,
                               "gaps": evidence_gaps(rows, bundle.evidence).lists,
                               "heatmap": heatmap_totals(rows)}
        lunit = next(r for r in rows if r.slug == "lunit-lunit-insight-cxr")
        rapid = [r.id for r in rows if r.company.casefold().startswith(("rapidai", "ischemaview"))]
        with data.session() as s:
            evidence = evidence_set(s)
            out["links"] = evidence.links
            out["grades"] = effective_grades(s)
            out["figures"] = store_figures(s).report()
            out["company"] = company_profile(s, lunit.company_id, evidence=evidence)
            out["vendors"] = vendor_profiles(s, evidence=evidence)
            out["compare"] = compare_products(s, [lunit.id, *rapid[:2]], evidence=evidence)
            out["task"] = task_products(s, "LVO")
            market = market_view(s)
            out["market"] = [market.years, market.registrations, market.timeline, market.brands,
                             market.ownership.edges]
            out["platforms"] = [(row, platform_detail(s, row.id)) for row in platform_rows(s)]
            out["product"] = product_detail(s, product_id=lunit.id)
            out["papers"] = [paper_detail(s, publication_id=link.publication_id)
                             for link in evidence.links[:40]]
            # case: "lunit" finds "Lunit" on both engines (SQLite's LIKE ignores case, PostgreSQL's does not)
            out["search"] = [search_text(s, query=PaperQuery(text=words, product=product, abstracts=True,
                                                           limit=50))
                             for words, product in (("lunit", ""), ("MAMMOGRAPHY screening", ""),
                                                    ("", "insight"), ("deep LEARNING", "transpara"))]
            out["queue"] = review_queue(s, threshold=0.7)
        return _plain_view(out)
    finally:
        data.close()


@pytest.mark.slow
def test_review_operations_and_tui_queries_agree_on_both_engines(stores: Stores, pg_server) -> None:  # type: ignore[no-untyped-def]
    views = {}
    for engine in ENGINES:
        url = _copy_store(stores, pg_server, engine, f"reviewed_{engine}_{os.getpid()}")
        _review(url)
        views[engine] = tui_views(url)
    assert views["sqlite"].keys() == views["postgresql"].keys()
    for name in views["sqlite"]:
        assert views["sqlite"][name] == views["postgresql"][name], name
    search = views["postgresql"]["search"]
    assert search[0]["total"] > 0 and search[2]["total"] > 0  # the case-blind filters found papers
    assert views["postgresql"]["queue"] and views["postgresql"]["gaps"]["no_peer_reviewed"]
