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
