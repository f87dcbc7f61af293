"""``tracker add-paper`` and ``tracker add-product --fda`` against the replay server: single
requests (httpx, retried with tenacity) answered with records cut from the recorded snapshot,
parsed by the crawl's parsers and stored by the store's upserts. Never the internet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from sqlalchemy import func
from sqlmodel import select
from typer.testing import CliRunner

from tracker.cli import app
from tracker.config import get_settings
from tracker.db.engine import open_store, session
from tracker.db.models import Product, Publication, Registration
from tracker.devtools.replay import Fault, ReplayServer
from tracker.jobs.fetch import fda_number, paper_ref
from tracker.parsers.europepmc import parse_search
from tracker.parsers.openfda import or_terms
from tracker.parsers.pubmed import parse_efetch
from tracker.sources.http import FetchError, HttpClient, backoff_seconds, retry_after_seconds

ROOT = Path(__file__).resolve().parents[1]
SNAP = ROOT / "data" / "snapshot"
MISSING_PMID, BROKEN_PMID = "99999991", "99999992"
MISSING_DOI, BROKEN_DOI = "10.9999/no.such.paper", "10.9999/broken.answer"
MISSING_K, BROKEN_K = "K999991", "K999992"


def _pubmed_article() -> tuple[str, bytes]:
    """A recorded article with a DOI, as its own PubmedArticleSet."""
    root = etree.fromstring((SNAP / "pubmed" / "efetch_0000.xml").read_bytes())
    for node in root.iter("PubmedArticle"):
        pmid = node.findtext("MedlineCitation/PMID")
        one = etree.Element("PubmedArticleSet")
        one.append(node)
        body = etree.tostring(one, xml_declaration=True, encoding="UTF-8")
        records = parse_efetch(body).records
        if pmid and records and records[0].doi:
            return pmid, body
    raise AssertionError("no PubMed article with a DOI in the snapshot")


def _europepmc_result() -> tuple[str, bytes]:
    data = json.loads((SNAP / "europepmc" / "search_page_1.json").read_text("utf-8"))
    for item in data["resultList"]["result"]:
        page = {"hitCount": 1, "nextCursorMark": "x", "resultList": {"result": [item]}}
        body = json.dumps(page).encode()
        records = parse_search(body).records
        if records and records[0].doi and not records[0].pmid:
            return records[0].doi.lower(), body
    raise AssertionError("no Europe PMC result with a DOI and no PMID in the snapshot")


def _openfda_510k() -> tuple[str, bytes]:
    data = json.loads((SNAP / "openfda" / "device_510k_001.json").read_text("utf-8"))
    item = data["results"][0]
    meta = {**data["meta"], "results": {"skip": 0, "limit": 1, "total": 1}}
    return item["k_number"], json.dumps({"meta": meta, "results": [item]}).encode()


def _openfda_pma(number: str) -> bytes:
    data = json.loads((SNAP / "openfda" / "device_pma_017.json").read_text("utf-8"))
    base, _, supplement = number.partition("/")
    items = [i for i in data["results"] if i["pma_number"] == base and i.get("supplement_number", "") == supplement]
    meta = {**data["meta"], "results": {"skip": 0, "limit": 100, "total": len(items)}}
    return json.dumps({"meta": meta, "results": items}).encode()


def _write(folder: Path, entries: list[dict[str, Any]], bodies: dict[str, bytes]) -> None:
    folder.mkdir(parents=True)
    for name, body in bodies.items():
        (folder / name).write_bytes(body)
    (folder / "manifest.jsonl").write_text("\n".join(json.dumps(e) for e in entries), "utf-8")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Single-record answers cut from the recorded snapshot (the crawl asks in batches)."""
    root = tmp_path_factory.mktemp("single")
    pmid, article = _pubmed_article()
    doi, result = _europepmc_result()
    k_number, clearance = _openfda_510k()
    pma = "P140011/S008"
    xml = {"Content-Type": "text/xml; charset=UTF-8"}
    js = {"Content-Type": "application/json"}
    _write(root / "pubmed", [
        {"path": "/efetch.fcgi", "query": {"db": "pubmed", "id": pmid}, "headers": xml, "body": "one.xml"},
        {"path": "/efetch.fcgi", "query": {"db": "pubmed", "id": MISSING_PMID}, "headers": xml,
         "text": "<?xml version='1.0'?>\n<PubmedArticleSet></PubmedArticleSet>"},
        {"path": "/efetch.fcgi", "query": {"db": "pubmed", "id": BROKEN_PMID}, "headers": xml,
         "text": "<PubmedArticleSet><PubmedArticle><MedlineCitation"},
    ], {"one.xml": article})
    _write(root / "europepmc", [
        {"path": "/search", "query": {"query": f'DOI:"{doi}"'}, "headers": js, "body": "doi.json"},
        {"path": "/search", "query": {"query": f'DOI:"{MISSING_DOI}"'}, "headers": js,
         "text": '{"hitCount": 0, "resultList": {"result": []}}'},
        {"path": "/search", "query": {"query": f'DOI:"{BROKEN_DOI}"'}, "headers": js,
         "text": '{"hitCount": 1, "resultList": {"res'},
    ], {"doi.json": result})
    not_found = (SNAP / "openfda" / "not_found.json").read_bytes()
    _write(root / "openfda", [
        {"path": "/device/510k.json", "query": {"search": or_terms("k_number", [k_number])}, "headers": js,
         "body": "k.json"},
        {"path": "/device/510k.json", "query": {"search": or_terms("k_number", [MISSING_K])}, "status": 404,
         "headers": js, "body": "not_found.json"},
        {"path": "/device/510k.json", "query": {"search": or_terms("k_number", [BROKEN_K])}, "headers": js,
         "text": '{"meta": {"results": {"total": 1}}, "results": [{"k_nu'},
        {"path": "/device/pma.json", "query": {"search": or_terms("pma_number", ["P140011"]) + " AND "
                                               + or_terms("supplement_number", ["S008"])},
         "headers": js, "body": "pma.json"},
    ], {"k.json": clearance, "not_found.json": not_found, "pma.json": _openfda_pma(pma)})
    return {"root": root, "pmid": pmid, "doi": doi, "k_number": k_number, "pma": pma}


@pytest.fixture
def server(snapshot: dict[str, Any], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with ReplayServer(snapshot["root"]) as srv:
        monkeypatch.setenv("TRACKER_PUBMED_BASE_URL", srv.base("pubmed"))
        monkeypatch.setenv("TRACKER_EUROPEPMC_BASE_URL", srv.base("europepmc"))
        monkeypatch.setenv("TRACKER_OPENFDA_BASE_URL", srv.base("openfda"))
        monkeypatch.setenv("TRACKER_RETRY_BACKOFF", "0.01")
        monkeypatch.setenv("TRACKER_MAX_RETRIES", "2")
        yield srv


def _run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def _count(db_url: str, table: Any) -> int:
    engine = open_store(db_url)
    with session(engine) as s:
        n = s.exec(select(func.count()).select_from(table)).one()
    engine.dispose()
    return n


def test_references_are_checked_before_any_request() -> None:
    assert paper_ref("PMID: 36812562") == ("pmid", "36812562")
    assert paper_ref("https://doi.org/10.1371/Journal.X") == ("doi", "10.1371/journal.x")
    assert fda_number(" k243548 ") == "K243548" and fda_number("P140011/S008") == "P140011/S008"
    with pytest.raises(ValueError):
        paper_ref("lunit insight")
    with pytest.raises(ValueError):
        fda_number("K12")
    assert _run("add-paper", "not-a-ref").exit_code == 2
    assert _run("add-product", "--fda", "X1").exit_code == 2


def test_add_paper_by_pmid(server: ReplayServer, snapshot: dict[str, Any], db_url: str) -> None:
    result = _run("add-paper", snapshot["pmid"], "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert "(new, from pubmed)" in result.output and f"PMID {snapshot['pmid']}" in result.output
    assert any("efetch.fcgi" in r and f"id={snapshot['pmid']}" in r and "tool=radai-tracker" in r
               for r in server.requests)
    again = _run("add-paper", f"PMID:{snapshot['pmid']}", "--database-url", db_url, "--json")
    assert again.exit_code == 0 and json.loads(again.output)["outcome"] == "unchanged"
    engine = open_store(db_url)
    with session(engine) as s:
        row = s.exec(select(Publication)).one()
        assert row.pmid == snapshot["pmid"] and row.doi and row.title
    engine.dispose()


def test_add_paper_by_doi_through_europe_pmc(server: ReplayServer, snapshot: dict[str, Any], db_url: str) -> None:
    result = _run("add-paper", f"doi:{snapshot['doi']}", "--database-url", db_url, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["outcome"] == "new" and data["source"] == "europepmc" and data["doi"].lower() == snapshot["doi"]
    assert _count(db_url, Publication) == 1


@pytest.mark.parametrize("ref, message", [
    (MISSING_PMID, f"PubMed has no paper with PMID {MISSING_PMID}"),
    (BROKEN_PMID, "unreadable answer from PubMed"),
    ("99999993", "HTTP 404"),  # not recorded: the replay server answers 404
    (MISSING_DOI, f"Europe PMC has no paper with DOI {MISSING_DOI}"),
    (BROKEN_DOI, "unreadable answer from Europe PMC"),
])
def test_add_paper_failures_store_nothing(server: ReplayServer, db_url: str, ref: str, message: str) -> None:
    result = _run("add-paper", ref, "--database-url", db_url)
    assert result.exit_code == 1
    assert "nothing stored" in result.output and message in result.output, result.output
    assert _count(db_url, Publication) == 0


def test_add_product_from_an_fda_clearance(server: ReplayServer, snapshot: dict[str, Any], db_url: str) -> None:
    result = _run("add-product", "--fda", snapshot["k_number"].lower(), "--database-url", db_url, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["number"] == snapshot["k_number"] and data["outcome"] == "new"
    assert data["product_slug"] and data["product_id"]
    engine = open_store(db_url)
    with session(engine) as s:
        reg = s.exec(select(Registration)).one()
        assert reg.source == "openfda_510k" and reg.product_id == data["product_id"]
        assert "api_key" not in reg.source_url
        assert s.get(Product, data["product_id"]) is not None
    engine.dispose()
    text = _run("add-product", "--fda", snapshot["k_number"], "--database-url", db_url)
    assert text.exit_code == 0 and "unchanged" in text.output and data["product_slug"] in text.output


def test_add_product_from_a_pma_supplement(server: ReplayServer, snapshot: dict[str, Any], db_url: str) -> None:
    result = _run("add-product", "--fda", snapshot["pma"], "--database-url", db_url, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["number"] == snapshot["pma"] and data["kind"] == "PMA" and data["product_slug"]


@pytest.mark.parametrize("number, message", [
    (MISSING_K, f"openFDA has no 510K record {MISSING_K}"),
    (BROKEN_K, "unreadable answer from openFDA: malformed JSON"),
    ("K999993", "HTTP 404"),
])
def test_add_product_failures_store_nothing(server: ReplayServer, db_url: str, number: str, message: str) -> None:
    result = _run("add-product", "--fda", number, "--database-url", db_url)
    assert result.exit_code == 1
    assert "nothing stored" in result.output and message in result.output, result.output
    assert _count(db_url, Registration) == 0 and _count(db_url, Product) == 0


def test_retries_on_429_and_5xx_then_gives_up(server: ReplayServer, snapshot: dict[str, Any], db_url: str) -> None:
    server.add_fault(Fault(path_prefix="/openfda/device/510k.json", status=429, retry_after=0, times=1))
    server.add_fault(Fault(path_prefix="/openfda/device/510k.json", status=503, times=1))
    result = _run("add-product", "--fda", snapshot["k_number"], "--database-url", db_url)
    assert result.exit_code == 0, result.output
    assert sum("510k.json" in r for r in server.requests) == 3
    server.add_fault(Fault(path_prefix="/pubmed/efetch.fcgi", status=500, times=-1))
    failed = _run("add-paper", snapshot["pmid"], "--database-url", db_url)
    assert failed.exit_code == 1 and "HTTP 500" in failed.output and "after 2 retries" in failed.output
    assert _count(db_url, Publication) == 0


def test_no_answer_is_a_clear_error() -> None:
    settings = get_settings(max_retries=1, retry_backoff=0.0, http_timeout=2.0)
    with HttpClient(settings) as client, pytest.raises(FetchError, match="no answer from"):
        client.get("http://127.0.0.1:9/nothing-listens-here")


def test_retry_rules() -> None:
    assert retry_after_seconds("3") == 3.0 and retry_after_seconds(b"0") == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
    assert backoff_seconds(0, base=1.0) == 1.0 and backoff_seconds(3, base=1.0) == 8.0
    assert backoff_seconds(1, base=1.0, retry_after=5.0) == 5.0
    assert backoff_seconds(20, base=1.0) == 120.0


def test_an_answer_over_the_size_limit_is_abandoned(replay) -> None:  # type: ignore[no-untyped-def]
    url = f"{replay.url}/fda/ai-ml-enabled-devices.csv"
    small = get_settings(max_retries=0, download_maxsize=10_000)
    with HttpClient(small) as client, pytest.raises(FetchError, match="over the 10,000-byte limit"):
        client.get(url)
    with HttpClient(get_settings(max_retries=0)) as client:
        answer = client.get(url)
    assert answer.status_code == 200 and len(answer.content) > 10_000
