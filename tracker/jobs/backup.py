"""Backups of the store and restores from them (``tracker backup``, ``tracker restore``).

- **SQLite**: SQLite's online backup API copies the live store in one step, that is inside
  one read transaction: a consistent snapshot, taken while a nightly or the TUI goes on
  writing (in WAL mode readers never block writers). The copy goes to a temporary file beside
  the target, is turned into a single self-contained file (rollback journal, no ``-wal``),
  checked (``PRAGMA integrity_check``; its alembic revision must be the store's), and only
  then renamed over the target, so a reader of the target sees the old backup or the new
  one, never half of one. A restore copies the backup into the target through the same API
  (one write transaction), then upgrades the schema to the newest migration.
- **PostgreSQL**: ``pg_dump --format=custom`` (one repeatable-read snapshot of the database),
  checked by reading the whole archive back with ``pg_restore`` (rows per table, the alembic
  revision). A restore runs ``pg_restore --clean --if-exists --no-owner --single-transaction``
  into the target database (all or nothing), then upgrades the schema. The tools come from
  PATH or Debian's ``/usr/lib/postgresql/<version>/bin``; the connection parameters come from
  the store's URL, the password through ``PGPASSWORD`` only (never on a command line, never in
  what is printed). Without a password in the URL, libpq's own ``~/.pgpass`` applies.

A restore refuses a target that already holds rows unless ``force`` is given (PostgreSQL:
the tracker's tables are dropped first, so tables a newer schema added cannot linger).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine, make_url

from tracker.db import pgtools
from tracker.db.engine import alembic_config, make_engine, open_store

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
"""Where Debian keeps the PostgreSQL client tools of each major version (newest wins)."""
VERSION_TABLE = "alembic_version"
PG_TIMEOUT = 6 * 3600
"""Seconds a pg_dump or pg_restore may run before it is stopped."""


class BackupError(RuntimeError):
    """A backup or restore that did not happen; the message says why."""


@dataclass
class BackupReport:
    """What a backup copied. ``rows``: rows per table of the copy itself."""

    engine: str  # sqlite | postgresql
    store: str  # the store's URL, password hidden
    path: Path
    size: int
    revision: str
    head: str
    rows: dict[str, int]
    tool: str | None = None  # pg_dump's path
    command: list[str] = field(default_factory=list)  # the pg_dump command line (no secret)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}


@dataclass
class RestoreReport:
    """What a restore put in place. ``rows``: rows per table after the schema upgrade."""

    engine: str
    store: str
    backup: Path
    backup_revision: str
    revision: str
    rows: dict[str, int]
    replaced_rows: int  # rows the target held before (only with ``force``)
    tool: str | None = None
    command: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "backup": str(self.backup)}


# -- shared -------------------------------------------------------------------------------------

def head_revision() -> str:
    """The newest migration of this tracker."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def store_rows(engine: Engine) -> dict[str, int]:
    """Rows per table of a store (every table but alembic's own), by name."""
    names = sorted(n for n in inspect(engine).get_table_names() if n != VERSION_TABLE)
    with engine.connect() as connection:
        return {name: int(connection.execute(select(func.count()).select_from(table(name))).scalar_one())
                for name in names}


def _engine_revision(engine: Engine) -> str | None:
    if not inspect(engine).has_table(VERSION_TABLE):
        return None
    with engine.connect() as connection:
        return connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"backups cover SQLite and PostgreSQL stores, not {backend}")
    return backend


def _target_file(out: Path, suffix: str) -> Path:
    """``out`` itself, or a dated file in it when ``out`` is a folder."""
    if out.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return out / f"tracker-{stamp}{suffix}"
    return out


@contextmanager
def _temporary_beside(target: Path) -> Iterator[Path]:
    """A temporary file in the target's folder (so the final rename stays on one file
    system), removed unless it was renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(handle)
    path = Path(name)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _replace(tmp: Path, target: Path) -> None:
    """Rename ``tmp`` over ``target`` durably (file and folder synced)."""
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _kind_of_file(path: Path) -> str:
    if not path.is_file():
        raise BackupError(f"no backup file at {path}")
    with open(path, "rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is neither a SQLite backup nor a pg_dump archive (custom format)")


def backup_store(database_url: str, out: Path) -> BackupReport:
    """Copy the store at ``database_url`` into ``out`` (a file, or a folder for a dated
    ``tracker-<UTC time>.db|.dump``), checked before it replaces ``out``."""
    url = make_url(database_url)
    if _backend(url) == "sqlite":
        return _backup_sqlite(url, out)
    return _backup_postgres(url, out)


def restore_store(backup: Path, database_url: str, *, force: bool = False) -> RestoreReport:
    """Put a backup in place at ``database_url`` and upgrade its schema to the newest
    migration. Refuses a target that holds rows unless ``force``."""
    url = make_url(database_url)
    backend = _backend(url)
    kind = _kind_of_file(backup)
    if kind != backend:
        raise BackupError(f"{backup} is a {kind} backup; restore it into a {kind} store, "
                          f"not {_shown(url)}")
    if backend == "sqlite":
        return _restore_sqlite(backup, url, force=force)
    return _restore_postgres(backup, url, force=force)


# -- SQLite -------------------------------------------------------------------------------------

def _sqlite_file(url: URL) -> Path:
    database = url.database
    if not database or database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("an in-memory SQLite store lives in one process; there is no file to copy")
    return Path(database).expanduser()


def _sqlite_connect(path: Path, *, mode: str) -> sqlite3.Connection:
    """A connection that never creates the file (``mode=ro`` or ``rw``)."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, timeout=30)


def _sqlite_revision(connection: sqlite3.Connection) -> str | None:
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                               (VERSION_TABLE,)).fetchone()
    if found is None:
        return None
    row = connection.execute(f"SELECT version_num FROM {VERSION_TABLE}").fetchone()
    return str(row[0]) if row else None


def _sqlite_rows(connection: sqlite3.Connection) -> dict[str, int]:
    names = [r[0] for r in connection.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "AND name != ? ORDER BY name", (VERSION_TABLE,))]
    return {name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
            for name in names}


def _sqlite_checked(connection: sqlite3.Connection, what: str) -> str:
    """The revision of a sound tracker store; ``BackupError`` otherwise."""
    try:
        problems = [r[0] for r in connection.execute("PRAGMA integrity_check")]
        revision = _sqlite_revision(connection)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{what} is not a readable SQLite database: {exc}") from exc
    if problems != ["ok"]:
        raise BackupError(f"{what} fails PRAGMA integrity_check: {'; '.join(problems[:5])}")
    if revision is None:
        raise BackupError(f"{what} is not a tracker store (no {VERSION_TABLE} table)")
    return revision


def _backup_sqlite(url: URL, out: Path) -> BackupReport:
    source = _sqlite_file(url)
    if not source.is_file():
        raise BackupError(f"no store at {source}")
    target = _target_file(out, ".db")
    with _temporary_beside(target) as tmp:
        try:
            with closing(_sqlite_connect(source, mode="rw")) as src, \
                    closing(sqlite3.connect(tmp)) as dst:
                revision = _sqlite_revision(src)
                if revision is None:
                    raise BackupError(f"{source} is not a tracker store (no {VERSION_TABLE} table)")
                src.backup(dst)  # pages=-1: the whole store in one step, one consistent snapshot
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
                copied = _sqlite_checked(dst, f"the copy of {source}")
                rows = _sqlite_rows(dst)
        except sqlite3.Error as exc:
            raise BackupError(f"could not copy {source}: {exc}") from exc
        if copied != revision:
            raise BackupError(f"the copy is at schema {copied}, the store at {revision}: "
                              "a migration ran during the backup; run it again")
        _replace(tmp, target)
    return BackupReport(engine="sqlite", store=_shown(url), path=target, size=target.stat().st_size,
                        revision=copied, head=head_revision(), rows=rows)


def _restore_sqlite(backup: Path, url: URL, *, force: bool) -> RestoreReport:
    target = _sqlite_file(url)
    try:
        with closing(_sqlite_connect(backup, mode="ro")) as src:
            backup_revision = _sqlite_checked(src, str(backup))
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read {backup}: {exc}") from exc
    replaced = _rows_in_the_way(url, force=force) if target.exists() else 0
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        # Into the target through the backup API: one write transaction under SQLite's own
        # locking, so a crash leaves the old store and a running reader sees old or new.
        with closing(_sqlite_connect(backup, mode="ro")) as src, \
                closing(sqlite3.connect(target, timeout=30)) as dst:
            src.backup(dst)
    except sqlite3.Error as exc:
        raise BackupError(f"could not restore into {target}: {exc}") from exc
    return _upgraded(url, backup=backup, backup_revision=backup_revision, replaced=replaced)


def _rows_in_the_way(url: URL, *, force: bool) -> int:
    """Rows the target holds; ``BackupError`` when there are some and not ``force``."""
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        held = sum(store_rows(engine).values())
    except Exception as exc:  # not a database, unreachable: say so rather than overwrite it
        raise BackupError(f"cannot read the target {_shown(url)}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()
    if held and not force:
        raise BackupError(f"{_shown(url)} already holds {held} rows; restore into an empty "
                          "store, or pass --force to replace them")
    return held


def _upgraded(url: URL, *, backup: Path, backup_revision: str, replaced: int,
              tool: str | None = None, command: list[str] | None = None) -> RestoreReport:
    engine = open_store(url.render_as_string(hide_password=False))  # upgrades to head
    try:
        revision = _engine_revision(engine) or ""
        rows = store_rows(engine)
    finally:
        engine.dispose()
    return RestoreReport(engine=url.get_backend_name(), store=_shown(url), backup=backup,
                         backup_revision=backup_revision, revision=revision, rows=rows,
                         replaced_rows=replaced, tool=tool, command=command or [])


# -- PostgreSQL ---------------------------------------------------------------------------------

def pg_tool(name: str) -> Path:
    """``pg_dump`` or ``pg_restore`` (``tracker.db.pgtools``), or a clear error."""
    found = pgtools.find_program(name)
    if found is None:
        raise BackupError(f"{name} not found on PATH or under {pgtools.PG_BIN_GLOB}: install the "
                          "PostgreSQL client tools (Debian: apt-get install postgresql-client) of "
                          "the server's major version or newer")
    return found


def _conninfo_value(value: str) -> str:
    """A libpq connection-string value, quoted as libpq reads it."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """The libpq connection string for ``--dbname`` (host, port, user, database and the URL's
    query parameters, no password) and the environment for the tool (``PGPASSWORD`` when the
    URL has a password)."""
    params: dict[str, Any] = {"host": url.host, "port": url.port, "user": url.username,
                              "dbname": url.database}
    for key, value in url.query.items():
        params[key] = ",".join(value) if isinstance(value, tuple) else value
    conninfo = " ".join(f"{key}={_conninfo_value(str(value))}" for key, value in params.items()
                        if value not in (None, ""))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run_tool(command: list[str], env: dict[str, str], what: str) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} did not finish in {PG_TIMEOUT // 3600} h") from exc
    if done.returncode != 0:
        detail = "; ".join(line for line in done.stderr.strip().splitlines()[-5:]) or "no message"
        raise BackupError(f"{what} failed (exit status {done.returncode}): {detail}")
    return done


def read_dump(path: Path) -> tuple[str | None, dict[str, int]]:
    """Read a pg_dump archive back whole with ``pg_restore`` (which checks every data block):
    its alembic revision and rows per table (alembic's own table left out)."""
    tool = pg_tool("pg_restore")
    command = [str(tool), "--data-only", "--file=-", str(path)]
    rows: dict[str, int] = {}
    revision: str | None = None
    current: str | None = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8", errors="replace") as process:
        assert process.stdout is not None and process.stderr is not None
        for line in process.stdout:
            if current is None:
                if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
                    current = line[5:].split(" (", 1)[0].split(" ", 1)[0].rsplit(".", 1)[-1].strip('"')
                    rows.setdefault(current, 0)
            elif line.rstrip("\n") == "\\.":
                current = None
            elif current == VERSION_TABLE:
                revision = line.rstrip("\n")
            else:
                rows[current] += 1
        error = process.stderr.read()
    if process.returncode != 0:
        raise BackupError(f"pg_restore cannot read {path}: {error.strip() or 'no message'}")
    rows.pop(VERSION_TABLE, None)
    return revision, dict(sorted(rows.items()))


def _backup_postgres(url: URL, out: Path) -> BackupReport:
    tool = pg_tool("pg_dump")
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        revision = _engine_revision(engine)
    except Exception as exc:
        raise BackupError(f"cannot reach {_shown(url)}: {str(exc).splitlines()[0]}") from exc
    finally:
        engine.dispose()
    if revision is None:
        raise BackupError(f"{_shown(url)} is not a tracker store (no {VERSION_TABLE} table)")
    conninfo, env = pg_connection(url)
    target = _target_file(out, ".dump")
    def command(file: Path) -> list[str]:
        return [str(tool), "--format=custom", "--no-password", f"--file={file}", f"--dbname={conninfo}"]

    with _temporary_beside(target) as tmp:
        _run_tool(command(tmp), env, "pg_dump")
        copied, rows = read_dump(tmp)
        if copied != revision:
            raise BackupError(f"the dump is at schema {copied}, the store at {revision}: "
                              "a migration ran during the backup; run it again")
        _replace(tmp, target)
    return BackupReport(engine="postgresql", store=_shown(url), path=target,
                        size=target.stat().st_size, revision=revision, head=head_revision(),
                        rows=rows, tool=str(tool), command=command(target))


def _drop_store_tables(url: URL) -> None:
    """Drop the tracker's tables (the newest schema's and alembic's) in one transaction."""
    from tracker.db.models import metadata

    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            metadata.drop_all(connection, checkfirst=True)
            connection.execute(text(f"DROP TABLE IF EXISTS {VERSION_TABLE}"))
    finally:
        engine.dispose()


def _restore_postgres(backup: Path, url: URL, *, force: bool) -> RestoreReport:
    tool = pg_tool("pg_restore")
    backup_revision, _ = read_dump(backup)
    if backup_revision is None:
        raise BackupError(f"{backup} is not a tracker backup (no {VERSION_TABLE} rows)")
    replaced = _rows_in_the_way(url, force=force)
    if force:
        _drop_store_tables(url)
    conninfo, env = pg_connection(url)
    command = [str(tool), "--clean", "--if-exists", "--no-owner", "--single-transaction",
               "--no-password", f"--dbname={conninfo}", str(backup)]
    _run_tool(command, env, "pg_restore")
    return _upgraded(url, backup=backup, backup_revision=backup_revision, replaced=replaced,
                     tool=str(tool), command=command)


# -- text ---------------------------------------------------------------------------------------

def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KiB"


def _row_lines(rows: dict[str, int]) -> list[str]:
    return [f"  {name:<22} {count:>9,}" for name, count in rows.items() if count]


def format_backup(report: BackupReport) -> str:
    how = (f"pg_dump --format=custom ({report.tool})" if report.engine == "postgresql"
           else "SQLite's online backup API, integrity_check ok")
    schema = report.revision + ("" if report.revision == report.head else f" (this tracker: {report.head})")
    empty = sum(1 for n in report.rows.values() if not n)
    return "\n".join([
        f"backed up {report.store}",
        f"  -> {report.path} ({_size(report.size)}, schema {schema})",
        f"  with {how}",
        f"  {len(report.rows)} tables, {sum(report.rows.values()):,} rows"
        + (f" ({empty} empty tables not listed)" if empty else "") + ":",
        *_row_lines(report.rows),
    ])


def format_restore(report: RestoreReport) -> str:
    upgraded = ("" if report.backup_revision == report.revision
                else f", schema upgraded {report.backup_revision} -> {report.revision}")
    replaced = f", replacing {report.replaced_rows:,} rows" if report.replaced_rows else ""
    how = "pg_restore --single-transaction" if report.engine == "postgresql" else "SQLite's backup API"
    return "\n".join([
        f"restored {report.backup} into {report.store} with {how}{replaced}{upgraded}",
        f"  {len(report.rows)} tables, {sum(report.rows.values()):,} rows:",
        *_row_lines(report.rows),
    ])
