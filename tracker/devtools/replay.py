"""A loopback HTTP server that replays recorded responses, with injectable faults.

A snapshot folder holds one sub-folder per source, mounted at ``/<source>/``. Each source
folder may have a ``manifest.jsonl`` whose lines describe recorded exchanges::

    {"method": "GET", "path": "/esearch.fcgi", "query": {"db": "pubmed", "term": "..."},
     "status": 200, "headers": {"Content-Type": "text/xml"}, "body": "esearch_1.xml"}

A request matches an entry when method and path are equal and every recorded query
parameter has the same value in the request (extra request parameters such as ``tool``,
``email`` or ``api_key`` are ignored); the entry with most matching parameters wins.
Without a matching entry, a file at ``/<source>/<path>`` is served as is; else 404.

Faults (``ReplayServer.add_fault``) answer matching requests, a given number of times, with
a status (and ``Retry-After`` header), a delay, a truncated body (the connection closes short
of the declared length), a connection reset (TCP RST, before the answer or mid-body) or a slow
body (headers at once, then the body in pieces with pauses, so a client's download timeout
fires while the answer is still arriving).

Provenance. Every source folder is a mount whose upstream is known (``MOUNTS``: the
production default of the source's base-URL setting, or for news the host in the path), and
``upstream_url`` maps any fetched replay URL back to the URL on the real service. Each answer
from the snapshot carries it in ``X-Replay-Upstream`` (``tracker.sources.provenance`` reads
it), so the crawler stores the upstream URL, never the loopback address. A manifest entry
may also say how its body was made:

- ``"composed": true``: its records were composed for the snapshot, not recorded; a JSON
  body whose top-level ``"_provenance"`` starts with "composed" is composed too (EUDAMED);
- ``"recorded_ids": [...]``: records of a composed body that are recorded after all (by
  PMID, DOI, registration number, source id);
- ``"invented_ids": [...]``: identifiers in the body that do not exist upstream.

They travel as ``X-Replay-Composed: 1``, ``X-Replay-Recorded-Ids`` and
``X-Replay-Invented-Ids`` (space-separated). A file served without a manifest entry is
recorded unless its own ``_provenance`` marker says otherwise.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tracker.config import Settings
from tracker.sources.provenance import (
    COMPOSED_HEADER,
    INVENTED_IDS_HEADER,
    RECORDED_IDS_HEADER,
    UPSTREAM_HEADER,
    without_secrets,
)

log = logging.getLogger(__name__)

# A slow body (``Fault.trickle``) is sent in this many pieces, with a pause before each but
# the first.
TRICKLE_PIECES = 10

# Each mounted source: the environment variable its spiders read, the Settings field behind
# it (whose production default is the upstream), and the path under the mount that the
# variable points at. ``news`` is a mirror: ``/news/<host>/<path>`` is ``https://<host>/<path>``.
MOUNTS: dict[str, tuple[str, str, str]] = {
    "fda": ("TRACKER_FDA_LIST_URL", "fda_list_url", "/list.html"),
    "openfda": ("TRACKER_OPENFDA_BASE_URL", "openfda_base_url", ""),
    "eudamed": ("TRACKER_EUDAMED_BASE_URL", "eudamed_base_url", ""),
    "pubmed": ("TRACKER_PUBMED_BASE_URL", "pubmed_base_url", ""),
    "europepmc": ("TRACKER_EUROPEPMC_BASE_URL", "europepmc_base_url", ""),
    "news": ("TRACKER_NEWS_BASE_URL", "news_base_url", ""),
}


def _production(setting: str) -> str:
    return str(Settings.model_fields[setting].default or "")


def upstream_url(url: str) -> str | None:
    """The real service's URL for a URL fetched from the replay server (full URL or path with
    query); None outside a mounted source. API keys are dropped.

    - ``/openfda|eudamed|pubmed|europepmc/<rest>?q``: the source's production base URL
      (``Settings`` default) followed by ``<rest>?q``;
    - ``/news/<host>/<path>?q``: ``https://<host>/<path>?q`` (the news mirror layout);
    - ``/fda/...``: the FDA page that publishes the list (the snapshot's page is a stand-in
      and the list file's own download address is not recorded).
    """
    parts = urlsplit(url)
    source, _, rest = parts.path.lstrip("/").partition("/")
    if source not in MOUNTS:
        return None
    if source == "fda":
        return _production("fda_list_url")
    if source == "news":
        host, _, path = rest.partition("/")
        if not host:
            return None
        base = f"https://{host}/{path}"
    else:
        base = f"{_production(MOUNTS[source][1]).rstrip('/')}/{rest}"
    return without_secrets(f"{base}?{parts.query}" if parts.query else base)


def composed_marker(body: bytes) -> bool:
    """Whether a JSON body says it was composed (top-level ``"_provenance": "composed ..."``)."""
    if not body.lstrip().startswith(b"{") or b'"_provenance"' not in body[:4096]:
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False
    marker = data.get("_provenance") if isinstance(data, dict) else None
    return isinstance(marker, str) and marker.strip().lower().startswith("composed")


@dataclass
class Fault:
    """An injected misbehaviour for requests whose path starts with ``path_prefix``."""

    path_prefix: str
    status: int | None = None  # answer with this status (and ``body``) instead
    retry_after: float | None = None
    delay: float = 0.0  # seconds to wait before answering
    truncate: float | None = None  # send only this fraction of the real body
    reset: float | None = None  # TCP reset: 0 before any byte, else after the headers and this fraction of the body
    trickle: float = 0.0  # slow body: seconds between its ``TRICKLE_PIECES`` pieces (headers at once)
    times: int = 1  # how many requests it hits (-1: all)
    body: bytes = b""
    query_contains: str = ""  # optional: only requests whose query string contains this


@dataclass
class Entry:
    method: str
    path: str
    query: dict[str, str]
    status: int
    headers: dict[str, str]
    body_path: Path | None
    inline: bytes
    composed: bool = False
    recorded_ids: tuple[str, ...] = ()
    invented_ids: tuple[str, ...] = ()

    def provenance_headers(self, body: bytes) -> dict[str, str]:
        """The ``X-Replay-*`` headers that say how this body was made."""
        headers: dict[str, str] = {}
        if self.composed or composed_marker(body):
            headers[COMPOSED_HEADER] = "1"
            if self.recorded_ids:
                headers[RECORDED_IDS_HEADER] = " ".join(self.recorded_ids)
        if self.invented_ids:
            headers[INVENTED_IDS_HEADER] = " ".join(self.invented_ids)
        return headers


class Snapshot:
    """The recorded exchanges of a snapshot folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.entries: dict[str, list[Entry]] = {}
        for manifest in sorted(self.root.glob("*/manifest.jsonl")):
            source = manifest.parent.name
            for number, line in enumerate(manifest.read_text("utf-8").splitlines(), 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{manifest}:{number}: {exc}") from exc
                body = item.get("body")
                self.entries.setdefault(source, []).append(Entry(
                    method=item.get("method", "GET").upper(),
                    path="/" + item["path"].lstrip("/"),
                    query={k: str(v) for k, v in item.get("query", {}).items()},
                    status=int(item.get("status", 200)),
                    headers=item.get("headers", {}),
                    body_path=manifest.parent / body if body else None,
                    inline=item.get("text", "").encode("utf-8"),
                    composed=bool(item.get("composed", False)),
                    recorded_ids=tuple(str(i) for i in item.get("recorded_ids", [])),
                    invented_ids=tuple(str(i) for i in item.get("invented_ids", [])),
                ))

    def lookup(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes] | None:
        parts = path.lstrip("/").split("/", 1)
        source, rest = parts[0], "/" + (parts[1] if len(parts) > 1 else "")
        best: tuple[int, Entry] | None = None
        for entry in self.entries.get(source, []):
            if entry.method != method or entry.path != rest:
                continue
            if any(query.get(k) != v for k, v in entry.query.items()):
                continue
            if best is None or len(entry.query) > best[0]:
                best = (len(entry.query), entry)
        if best is not None:
            entry = best[1]
            body = entry.body_path.read_bytes() if entry.body_path else entry.inline
            return entry.status, {**entry.headers, **entry.provenance_headers(body)}, body
        candidate = (self.root / path.lstrip("/")).resolve()
        if method == "GET" and candidate.is_file() and self.root.resolve() in candidate.parents:
            ctype = mimetypes.guess_type(candidate.name)[0] or "application/octet-stream"
            body = candidate.read_bytes()
            return 200, {"Content-Type": ctype, **({COMPOSED_HEADER: "1"} if composed_marker(body) else {})}, body
        return None


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (it timed out, or a fault reset the connection) is part of the
    game here: logged at debug level, not printed as a traceback (other errors still are)."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            log.debug("replay: client %s went away", client_address, exc_info=True)
            return
        super().handle_error(request, client_address)


def _reset(connection: socket.socket) -> None:
    """Close abruptly: with SO_LINGER on and a zero timeout, close() sends a TCP RST
    instead of the orderly FIN, and the client sees "connection reset by peer"."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


def _pieces(body: bytes, count: int) -> list[bytes]:
    """``body`` in ``count`` pieces (fewer when it is shorter), in order."""
    size = max(1, -(-len(body) // count))
    return [body[i:i + size] for i in range(0, len(body), size)] or [b""]


class ReplayServer:
    """Serve a snapshot on 127.0.0.1 in a background thread. Use as a context manager."""

    def __init__(self, root: Path | str, *, port: int = 0) -> None:
        self.snapshot = Snapshot(Path(root))
        self.faults: list[Fault] = []
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", port), self._handler())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def base(self, source: str) -> str:
        """The URL a source's base-URL setting should point to."""
        return f"{self.url}/{source}"

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def _take_fault(self, path: str, query: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.times != 0 and path.startswith(fault.path_prefix) and fault.query_contains in query:
                    if fault.times > 0:
                        fault.times -= 1
                    return fault
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("replay: " + fmt, *args)

            def _answer(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
                with server._lock:
                    server.requests.append(self.path)
                fault = server._take_fault(url.path, url.query)
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if fault and fault.reset == 0:
                    self._hang_up()
                    return
                if fault and fault.status:
                    headers = {"Content-Type": "text/plain"}
                    if fault.retry_after is not None:
                        headers["Retry-After"] = str(fault.retry_after)
                    self._send(fault.status, headers, fault.body or b"injected fault")
                    return
                if url.path == "/robots.txt" or url.path.endswith("/robots.txt"):
                    self._send(200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n")
                    return
                found = server.snapshot.lookup(self.command, url.path, query)
                if found is None:
                    self._send(404, {"Content-Type": "text/plain"}, f"not recorded: {self.path}".encode())
                    return
                status, headers, body = found
                upstream = upstream_url(self.path)
                if upstream:
                    headers[UPSTREAM_HEADER] = upstream
                if fault and fault.truncate is not None:
                    cut = body[: int(len(body) * fault.truncate)]
                    self._send(status, headers, cut, declared=len(body))
                    return
                if fault and fault.reset is not None:
                    self._send(status, headers, body[: int(len(body) * fault.reset)], declared=len(body))
                    self._hang_up()
                    return
                if fault and fault.trickle:
                    self._trickle(status, headers, body, fault.trickle)
                    return
                self._send(status, headers, body)

            def _hang_up(self) -> None:
                _reset(self.connection)
                self.close_connection = True

            def _trickle(self, status: int, headers: dict[str, str], body: bytes, pause: float) -> None:
                """The headers, then the body piece by piece; stops when the client hangs up."""
                self._send(status, headers, b"", declared=len(body))
                try:
                    for number, piece in enumerate(_pieces(body, TRICKLE_PIECES)):
                        if number:
                            time.sleep(pause)
                        self.wfile.write(piece)
                except OSError:  # the client gave up waiting (reset or broken pipe)
                    log.debug("replay: slow body to %s abandoned by the client", self.path)

            def _send(self, status: int, headers: dict[str, str], body: bytes, declared: int | None = None) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(declared if declared is not None else len(body)))
                if declared is not None:
                    self.send_header("Connection", "close")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                if declared is not None:
                    self.close_connection = True

            do_GET = _answer
            do_POST = _answer
            do_HEAD = _answer

        return Handler

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def replay_env(base_url: str) -> dict[str, str]:
    """Environment that points every source's base URL at a replay server (for the spider
    processes ``tracker.jobs.crawl.run_spider`` starts): one mount per source (``MOUNTS``)."""
    env = {variable: f"{base_url}/{source}{path}" for source, (variable, _, path) in MOUNTS.items()}
    env.update(TRACKER_OBEY_ROBOTS="true", TRACKER_NCBI_API_KEY="")
    return env
