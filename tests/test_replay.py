"""The replay server: recorded exchanges by method, path and query; injectable faults."""

import json
from pathlib import Path

import httpx
import pytest

from tracker.devtools.replay import Fault, ReplayServer


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
