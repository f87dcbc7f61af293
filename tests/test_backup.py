# mypy: disable-error-code="no-untyped-def"
"""``tracker backup`` / ``tracker restore``: a consistent copy of a live SQLite store through
the online backup API while another process writes, restores that refuse to overwrite and
upgrade old schemas, and pg_dump/pg_restore between two databases of a real PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tui_store import build_store
from typer.testing import CliRunner

from tracker.cli import app as cli
from tracker.db import pgtools
from tracker.db.engine import alembic_config, make_engine, open_store, session
from tracker.jobs import backup as backup_job
from tracker.jobs.backup import BackupError, backup_store, head_revision, restore_store, store_rows
from tracker.records import PublicationRecord
from tracker.store import save_record

WRITER = """
import sys
from pathlib import Path
from tracker.db.engine import make_engine, session
from tracker.records import PublicationRecord
from tracker.store import save_record

engine = make_engine(sys.argv[1])
stop = Path(sys.argv[2])
n = 0
with session(engine) as s:
    while not stop.exists():
        n += 1
        save_record(s, record=PublicationRecord(
            source="pubmed", external_id=str(n), pmid=str(n), year=2020,
            title=f"Deep learning triage of chest radiographs, cohort {n}"))
        s.commit()  # one paper and its source copy per transaction
        print(n, flush=True)
"""


def _sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def _prefill(url: str, papers: int) -> None:
    """``papers`` papers of some 1.5 kB each, inserted in bulk (source ``bulk``)."""
    from sqlalchemy import insert

    from tracker.db.models import Publication

    engine = open_store(url)
    with engine.begin() as c:
        c.execute(insert(Publication.__table__), [  # type: ignore[arg-type]
            {"pmid": f"b{n}", "title": f"Bulk paper {n}", "normalized_title": f"bulk paper {n}",
             "abstract": "Deep learning detection of lung nodules on chest CT. " * 28, "source": "bulk"}
            for n in range(papers)])
    engine.dispose()


def _filled(url: str) -> dict[str, object]:
    engine = open_store(url)
    try:
        return build_store(engine)
    finally:
        engine.dispose()


def _rows(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        return store_rows(engine)
    finally:
        engine.dispose()


def _sample(url: str) -> list[tuple[object, ...]]:
    """A few rows across tables, to compare a restore with its source beyond counts."""
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return [
                *c.execute(text("SELECT number, regulator, decision_date, ce_class FROM registration ORDER BY number")),
                *c.execute(text("SELECT pmid, title, year FROM publication ORDER BY pmid")),
                *c.execute(text("SELECT publication_id, product_id, score FROM paperproductlink "
                                "ORDER BY publication_id, product_id")),
                *c.execute(text("SELECT publication_id, level, confidence FROM evidencegrade ORDER BY publication_id")),
            ]
    finally:
        engine.dispose()


def _revision(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as c:
            return str(c.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
    finally:
        engine.dispose()


def test_backup_of_a_store_being_written_is_consistent_and_complete_up_to_a_point(tmp_path: Path) -> None:
    """Another process commits one paper (and its source copy) per transaction the whole
    time; every copy holds papers 1..m with no gap and no paper without its source copy,
    and every paper committed before the backup began."""
    url = _sqlite_url(tmp_path / "live.db")
    _prefill(url, 20_000)  # some 30 MB: the copy takes long enough for the writer to go on
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, url, str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    committed = 0
    try:
        for attempt in range(4):
            for line in writer.stdout:  # the writer's own word for what it committed
                committed = int(line)
                if committed >= 25 * (attempt + 1):
                    break
            before = committed
            report = backup_store(url, tmp_path / f"copy{attempt}.db")
            with sqlite3.connect(report.path) as copy:
                pmids = sorted(int(p) for (p,) in copy.execute(
                    "SELECT pmid FROM publication WHERE source = 'pubmed'"))
                sources = copy.execute("SELECT count(*) FROM publicationsource").fetchone()[0]
                prefilled = copy.execute("SELECT count(*) FROM publication WHERE source = 'bulk'").fetchone()[0]
                orphans = copy.execute(
                    "SELECT count(*) FROM publication p WHERE p.source = 'pubmed' AND NOT EXISTS "
                    "(SELECT 1 FROM publicationsource s WHERE s.publication_id = p.id)").fetchone()[0]
                assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            assert pmids == list(range(1, len(pmids) + 1)), "a gap: not a snapshot"
            assert len(pmids) >= before, "papers committed before the backup are missing"
            assert sources == len(pmids) and orphans == 0 and prefilled == 20_000
            assert report.rows["publication"] == len(pmids) + 20_000
            assert report.revision == head_revision()
        for line in writer.stdout:  # the writer went on after the last backup
            if int(line) >= committed + 10:
                break
        else:
            pytest.fail("the writer stopped writing")
    finally:
        stop.touch()
        _, errors = writer.communicate(timeout=60)
    assert writer.returncode == 0, errors
    assert not list(tmp_path.glob(".copy*.tmp")), "a temporary file was left behind"


def test_restore_into_a_new_path_gives_the_same_rows(tmp_path: Path) -> None:
    source = _sqlite_url(tmp_path / "store.db")
    _filled(source)
    result = CliRunner().invoke(cli, ["backup", str(tmp_path / "b" / "tracker.db"), "--database-url", source])
    assert result.exit_code == 0, result.output
    assert "online backup API" in result.output and "publication" in result.output

    target = _sqlite_url(tmp_path / "restored" / "tracker.db")
    result = CliRunner().invoke(cli, ["restore", str(tmp_path / "b" / "tracker.db"), "--database-url", target])
    assert result.exit_code == 0, result.output
    assert _rows(target) == _rows(source)
    assert sum(_rows(target).values()) > 50
    assert _sample(target) == _sample(source)


def test_backup_into_a_folder_names_a_dated_file(tmp_path: Path) -> None:
    source = _sqlite_url(tmp_path / "store.db")
    _filled(source)
    (tmp_path / "backups").mkdir()
    report = backup_store(source, tmp_path / "backups")
    assert report.path.parent == tmp_path / "backups"
    assert report.path.name.startswith("tracker-") and report.path.suffix == ".db"
    assert report.size == report.path.stat().st_size > 0


def test_restore_refuses_a_store_with_rows_unless_forced(tmp_path: Path) -> None:
    empty = _sqlite_url(tmp_path / "empty.db")
    open_store(empty).dispose()
    empty_backup = backup_store(empty, tmp_path / "empty-backup.db").path
    target = _sqlite_url(tmp_path / "target.db")
    _filled(target)
    held = _rows(target)

    result = CliRunner().invoke(cli, ["restore", str(empty_backup), "--database-url", target])
    assert result.exit_code == 1
    assert "already holds" in result.output and "--force" in result.output
    assert _rows(target) == held

    result = CliRunner().invoke(cli, ["restore", str(empty_backup), "--database-url", target, "--force"])
    assert result.exit_code == 0, result.output
    assert f"replacing {sum(held.values()):,} rows" in result.output
    assert sum(_rows(target).values()) == 0

    # an initialised but empty store is no obstacle
    report = restore_store(empty_backup, empty)
    assert report.replaced_rows == 0


def test_a_failed_backup_leaves_the_previous_one_and_no_store_behind(tmp_path: Path) -> None:
    previous = tmp_path / "backup.db"
    previous.write_bytes(b"yesterday's backup")
    missing = tmp_path / "no-such" / "tracker.db"
    with pytest.raises(BackupError, match="no store at"):
        backup_store(_sqlite_url(missing), previous)
    assert not missing.exists() and not missing.parent.exists()

    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as other:
        other.execute("CREATE TABLE t (x)")
    with pytest.raises(BackupError, match="not a tracker store"):
        backup_store(_sqlite_url(foreign), previous)
    assert previous.read_bytes() == b"yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "other.db"]

    with pytest.raises(BackupError, match="neither a SQLite backup nor a pg_dump"):
        restore_store(previous, _sqlite_url(tmp_path / "new.db"))
    assert not (tmp_path / "new.db").exists()


def test_an_old_revision_backup_is_upgraded_on_restore(tmp_path: Path) -> None:
    from alembic import command

    old = _sqlite_url(tmp_path / "old.db")
    command.upgrade(alembic_config(old), "0003")  # the store as an earlier tracker left it
    engine = make_engine(old)
    with session(engine) as s:
        for n in range(3):
            save_record(s, record=PublicationRecord(
                source="pubmed", external_id=f"3100000{n}", pmid=f"3100000{n}", year=2021,
                title=f"External validation of a fracture detection AI, site {n}"))
        s.execute(text(
            "INSERT INTO registration (source, source_url, fetched_at, raw, content_hash, composed, "
            "regulator, kind, number, device_name, applicant, extra) VALUES ('fda_list', "
            "'https://www.fda.gov/', '2024-05-01 03:00:00.000000', 'null', '', 0, 'FDA', '510(k)', "
            "'K240001', 'BoneView', 'Gleamer', '{}')"))
        s.commit()
    engine.dispose()

    report = backup_store(old, tmp_path / "old-backup.db")
    assert report.revision == "0003" and report.head == head_revision() != "0003"
    target = _sqlite_url(tmp_path / "new" / "tracker.db")
    restored = restore_store(report.path, target)
    assert (restored.backup_revision, restored.revision) == ("0003", head_revision())
    assert _revision(target) == head_revision()
    assert restored.rows["publication"] == 3 and restored.rows["registration"] == 1
    engine = make_engine(target)
    with engine.connect() as c:  # 0004 backfilled when the store first recorded it
        created, fetched = c.execute(text("SELECT created_at, fetched_at FROM registration")).one()
    engine.dispose()
    assert created == fetched


# -- PostgreSQL ---------------------------------------------------------------------------------

def test_postgres_backup_with_pg_dump_restores_into_another_database(pg_url: str, pg_server, tmp_path: Path) -> None:
    secret = "s3cret-Pw"  # trust authentication ignores it; it must still never show
    source = make_url(pg_url).set(password=secret).render_as_string(hide_password=False)
    _filled(source)
    result = CliRunner().invoke(cli, ["backup", str(tmp_path / "store.dump"), "--database-url", source, "--json"])
    assert result.exit_code == 0, result.output
    assert secret not in result.output
    report = backup_store(source, tmp_path / "again.dump")
    assert report.engine == "postgresql" and Path(report.tool or "").name == "pg_dump"
    assert "--format=custom" in report.command and not any(secret in arg for arg in report.command)
    assert report.rows == {k: v for k, v in _rows(source).items()}
    assert (tmp_path / "store.dump").read_bytes()[:5] == b"PGDMP"

    name = "restored_" + make_url(pg_url).database  # type: ignore[operator]
    pg_server.drop_database(name)
    target = pg_server.create_database(name)
    try:
        result = CliRunner().invoke(cli, ["restore", str(tmp_path / "store.dump"), "--database-url", target])
        assert result.exit_code == 0, result.output
        assert "pg_restore" in result.output
        assert _rows(target) == _rows(source) and sum(_rows(target).values()) > 50
        assert _sample(target) == _sample(source)
        assert _revision(target) == head_revision()

        again = CliRunner().invoke(cli, ["restore", str(tmp_path / "store.dump"), "--database-url", target])
        assert again.exit_code == 1 and "already holds" in again.output
        forced = restore_store(tmp_path / "store.dump", target, force=True)
        assert forced.replaced_rows == sum(_rows(source).values())
        assert forced.rows == _rows(source)
        assert "--no-owner" in forced.command and "--clean" in forced.command

        mixed = CliRunner().invoke(cli, ["restore", str(tmp_path / "store.dump"),
                                         "--database-url", _sqlite_url(tmp_path / "x.db")])
        assert mixed.exit_code == 1 and "postgresql backup" in mixed.output
    finally:
        pg_server.drop_database(name)


def test_missing_pg_dump_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pgtools, "PG_BIN_GLOB", str(tmp_path / "postgresql" / "*" / "bin"))
    url = "postgresql+psycopg://radai:s3cret@127.0.0.1:1/radai"
    result = CliRunner().invoke(cli, ["backup", str(tmp_path / "x.dump"), "--database-url", url])
    assert result.exit_code == 1
    assert "no backup: pg_dump not found" in result.output and "postgresql-client" in result.output
    assert "s3cret" not in result.output
    assert not (tmp_path / "x.dump").exists()


def test_connection_parameters_reach_libpq_without_the_password() -> None:
    conninfo, env = backup_job.pg_connection(make_url(
        "postgresql+psycopg://ana:p%40ss@db.example.org:6432/radai?sslmode=require&application_name=it's"))
    assert conninfo == ("host='db.example.org' port='6432' user='ana' dbname='radai' "
                        "sslmode='require' application_name='it\\'s'")
    assert env["PGPASSWORD"] == "p@ss" and "p@ss" not in conninfo
