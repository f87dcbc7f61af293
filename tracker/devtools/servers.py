"""Throwaway PostgreSQL and Redis servers on loopback, for the tests and the benchmarks.

Both come from Debian's packages (``postgresql``, ``redis-server``) and run in a temporary
directory on a free local port; nothing is installed or configured system-wide, no
container is involved, and the server is stopped and its directory removed on exit.

PostgreSQL refuses to run as root, so when this process is root the cluster's directory is
given to the ``postgres`` user the Debian package creates and ``initdb``/``pg_ctl`` run
through ``runuser -u postgres``. Connections use ``trust`` authentication on 127.0.0.1 only.

``missing_postgres()`` / ``missing_redis()`` say why a server cannot start here (None when it
can): the tests skip with that reason, and only then.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from tracker.db import pgtools

FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
"""Durability off: right for a test cluster thrown away afterwards, never for a real store."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bindir() -> Path | None:
    """The folder with ``initdb`` and ``pg_ctl`` (``tracker.db.pgtools``)."""
    for on_path in (True, False):  # a pg_ctl on PATH without initdb beside it: Debian's folder
        pg_ctl = pgtools.find_program("pg_ctl", on_path=on_path)
        if pg_ctl is not None and (pg_ctl.resolve().parent / "initdb").exists():
            return pg_ctl.resolve().parent
    return None


def _as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def missing_postgres() -> str | None:
    if postgres_bindir() is None:
        return "PostgreSQL server binaries not found (apt-get install postgresql)"
    if _as_root():
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root but there is no 'postgres' user to run the server as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is missing"
    return None


def missing_redis() -> str | None:
    return None if shutil.which("redis-server") else "redis-server not found (apt-get install redis-server)"


def _wait_for_port(port: int, timeout: float, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before listening")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f}s")


class PostgresServer:
    """A PostgreSQL cluster of its own: ``with PostgresServer() as pg: pg.create_database("x")``.

    ``url(database)`` is a SQLAlchemy URL (``postgresql+psycopg://postgres@127.0.0.1:PORT/db``);
    ``fast=True`` (the default) turns durability off, which is what a test cluster wants."""

    def __init__(self, *, fast: bool = True, settings: dict[str, str] | None = None) -> None:
        reason = missing_postgres()
        if reason:
            raise RuntimeError(reason)
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.settings = {**(FAST_SETTINGS if fast else {}), **(settings or {})}
        self.root: Path | None = None

    # -- the server's processes -------------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self.bindir is not None
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if _as_root():
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="radai-pg-"))
        self.root.chmod(0o755)
        data, sockets = self.root / "data", self.root / "sockets"
        sockets.mkdir()
        if _as_root():
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(sockets, "postgres", "postgres")
        try:
            self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust",
                      "--encoding=UTF8", "--locale=C.UTF-8", "--no-instructions")
            options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1",
                       f"-c unix_socket_directories={sockets}"]
            options += [f"-c {key}={value}" for key, value in self.settings.items()]
            self._run("pg_ctl", "-D", str(data), "-l", str(self.root / "server.log"),
                      "-o", " ".join(options), "-w", "-t", "60", "start")
            _wait_for_port(self.port, 30)
        except (subprocess.CalledProcessError, RuntimeError) as exc:
            log = self.log_tail()
            detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else str(exc)
            self.stop()
            raise RuntimeError(f"PostgreSQL did not start: {detail.strip()}\n{log}") from exc
        return self

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "server.log" if self.root else None
        if path is None or not path.exists():
            return ""
        return "\n".join(path.read_text("utf-8", "replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.root / "data" / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------------------------
    def url(self, database: str = "postgres", *, driver: str = "psycopg") -> str:
        scheme = f"postgresql+{driver}" if driver else "postgresql"
        return f"{scheme}://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as connection:
            connection.execute(sql)  # type: ignore[arg-type]

    def create_database(self, name: str) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        self._admin(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class RedisServer:
    """A Redis server of its own, no persistence: ``with RedisServer() as r: r.url``."""

    def __init__(self) -> None:
        reason = missing_redis()
        if reason:
            raise RuntimeError(reason)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.root: Path | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.root = Path(tempfile.mkdtemp(prefix="radai-redis-"))
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait_for_port(self.port, 20, self.process)
        except RuntimeError:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
