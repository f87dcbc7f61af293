"""The replay server: recorded exchanges by method, path and query; injectable faults."""

import json
import socket
import time
from pathlib import Path

import httpx
import pytest

from tracker.devtools.replay import TRICKLE_PIECES, Fault, ReplayServer


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    src = tmp_path / "api"
    src.mkdir()
    (src / "one.json").write_text('{"page": 1}')
    (src / "two.json").write_text('{"page": 2}')
    (src / "static.txt").write_text("hello")
    lines = [
        {"path": "/search", "query": {"q": "lunit"}, "body": "one.json", "headers": {"Content-Type": "application/json"}},
        {"path": "/search", "query": {"q": "lunit", "page": "2"}, "body": "two.json"},
        {"path": "/boom", "status": 500, "text": "server error"},
        {"path": "/made", "text": '{"rows": [1, 2]}', "composed": True, "recorded_ids": ["2"],
         "invented_ids": ["X-1"]},
    ]
    (src / "manifest.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    return tmp_path


def test_matches_by_query_and_ignores_extra_params(snap: Path) -> None:
    with ReplayServer(snap) as srv:
        assert httpx.get(f"{srv.url}/api/search", params={"q": "lunit", "tool": "x"}).json() == {"page": 1}
        assert httpx.get(f"{srv.url}/api/search", params={"q": "lunit", "page": 2}).json() == {"page": 2}
        assert httpx.get(f"{srv.url}/api/search", params={"q": "aidoc"}).status_code == 404
        assert httpx.get(f"{srv.url}/api/static.txt").text == "hello"
        assert httpx.get(f"{srv.url}/api/boom").status_code == 500
        assert httpx.get(f"{srv.url}/api/../../etc/passwd").status_code == 404


def test_faults_429_then_recovery(snap: Path) -> None:
    with ReplayServer(snap) as srv:
        srv.add_fault(Fault(path_prefix="/api/search", status=429, retry_after=2, times=1))
        first = httpx.get(f"{srv.url}/api/search", params={"q": "lunit"})
        assert first.status_code == 429 and first.headers["Retry-After"] == "2"
        assert httpx.get(f"{srv.url}/api/search", params={"q": "lunit"}).status_code == 200


def test_truncated_body_is_detected_by_clients(snap: Path) -> None:
    with ReplayServer(snap) as srv:
        srv.add_fault(Fault(path_prefix="/api/search", truncate=0.5))
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{srv.url}/api/search", params={"q": "lunit"})


def test_answers_say_how_their_body_was_made(snap: Path) -> None:
    with ReplayServer(snap) as srv:
        made = httpx.get(f"{srv.url}/api/made")
        assert made.headers["X-Replay-Composed"] == "1"
        assert made.headers["X-Replay-Recorded-Ids"] == "2" and made.headers["X-Replay-Invented-Ids"] == "X-1"
        recorded = httpx.get(f"{srv.url}/api/search", params={"q": "lunit"})
        assert "X-Replay-Composed" not in recorded.headers and "X-Replay-Invented-Ids" not in recorded.headers
        assert "X-Replay-Upstream" not in recorded.headers  # "api" is no mounted source


def test_composed_marker_in_a_json_body(tmp_path: Path) -> None:
    src = tmp_path / "eudamed"
    src.mkdir()
    (src / "made.json").write_text('{"_provenance": "composed for tests", "content": []}')
    (src / "real.json").write_text('{"_provenance": "real (probe)", "content": []}')
    with ReplayServer(tmp_path) as srv:
        made = httpx.get(f"{srv.url}/eudamed/made.json")
        assert made.headers["X-Replay-Composed"] == "1"
        assert made.headers["X-Replay-Upstream"] == "https://ec.europa.eu/tools/eudamed/api/made.json"
        assert "X-Replay-Composed" not in httpx.get(f"{srv.url}/eudamed/real.json").headers


def test_a_delay_makes_a_client_time_out(snap: Path) -> None:
    with ReplayServer(snap) as srv:
        srv.add_fault(Fault(path_prefix="/api/search", delay=1.0))
        with pytest.raises(httpx.TimeoutException):
            httpx.get(f"{srv.url}/api/search", params={"q": "lunit"}, timeout=0.2)
        assert httpx.get(f"{srv.url}/api/search", params={"q": "lunit"}).json() == {"page": 1}


def test_a_slow_body_sends_headers_then_trickles(snap: Path) -> None:
    (snap / "api" / "big.txt").write_bytes(b"x" * 100)  # long enough for every piece
    with ReplayServer(snap) as srv:
        srv.add_fault(Fault(path_prefix="/api/big.txt", trickle=0.5))
        srv.add_fault(Fault(path_prefix="/api/big.txt", trickle=0.1))
        with httpx.stream("GET", f"{srv.url}/api/big.txt", timeout=0.2) as answer:
            assert answer.status_code == 200  # the headers came at once
            with pytest.raises(httpx.ReadTimeout):
                answer.read()
        started = time.monotonic()
        slow = httpx.get(f"{srv.url}/api/big.txt", timeout=2)  # each pause under the timeout
        assert slow.content == b"x" * 100 and time.monotonic() - started >= 0.1 * (TRICKLE_PIECES - 1)


@pytest.mark.parametrize("cut", [0.0, 0.5])
def test_a_reset_drops_the_connection_before_or_mid_body(snap: Path, cut: float) -> None:
    with ReplayServer(snap) as srv:
        srv.add_fault(Fault(path_prefix="/api/search", reset=cut))
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            httpx.get(f"{srv.url}/api/search", params={"q": "lunit"})
        assert httpx.get(f"{srv.url}/api/search", params={"q": "lunit"}).json() == {"page": 1}


def test_a_reset_is_a_tcp_reset_not_an_orderly_close(snap: Path) -> None:
    with ReplayServer(snap) as srv:
        srv.add_fault(Fault(path_prefix="/api/search", reset=0.0))
        host, port = srv.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=2) as sock:
            sock.sendall(b"GET /api/search?q=lunit HTTP/1.1\r\nHost: x\r\n\r\n")
            with pytest.raises(ConnectionResetError):
                while sock.recv(1024):  # an orderly close would end this loop with b""
                    pass
