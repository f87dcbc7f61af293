"""openFDA: parsers on recorded pages, spiders on the replay snapshot (paging, enrichment,
incremental watermark)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.parsers.openfda import (
    next_link_params,
    parse_510k,
    parse_classification,
    parse_pma,
    summary_pdf_url,
)

ROOT = Path(__file__).resolve().parents[1]
SNAP = ROOT / "data" / "snapshot" / "openfda"


def _manifest() -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in (SNAP / "manifest.jsonl").read_text("utf-8").splitlines()]


def _body(predicate) -> bytes:  # type: ignore[no-untyped-def]
    entry = next(e for e in _manifest() if predicate(e))
    return (SNAP / entry["body"]).read_bytes()


def test_510k_page_fields() -> None:
    body = _body(lambda e: "k_number" in e["query"].get("search", ""))
    page = parse_510k(body)
    assert page.problems == [] and page.total == len(page.records) > 0
    record = page.records[0]
    assert record.source == "openfda_510k" and record.regulator == "FDA" and record.number.startswith("K")
    assert isinstance(record.decision_date, date) and record.panel == "Radiology"
    assert record.extra["openfda"]["advisory_committee"] == "RA"


def test_510k_enrichment_values_for_a_known_clearance() -> None:
    body = _body(lambda e: '"K243548"' in e["query"].get("search", ""))
    record = next(r for r in parse_510k(body).records if r.number == "K243548")
    assert record.applicant == "Aidoc Medical, Ltd." and record.product_code == "QFM"
    assert record.decision_date == date(2024, 12, 11)
    assert record.device_class == "2" and record.regulation_number == "892.2080"
    assert record.summary_url == "https://www.accessdata.fda.gov/cdrh_docs/pdf24/K243548.pdf"


def test_not_found_is_an_empty_page_and_bad_json_a_problem() -> None:
    page = parse_510k(b'{"error": {"code": "NOT_FOUND", "message": "No matches found!"}}', status=404)
    assert page.not_found and page.records == [] and page.problems == []
    broken = parse_510k(b'{"meta": {"results": {"total": 3}}, "results": [{"k_nu')
    assert broken.records == [] and "malformed JSON" in broken.problems[0]
    odd = parse_510k(b'{"meta": {}, "results": [{"applicant": "x"}]}')
    assert odd.records == [] and "no k_number" in odd.problems[0]


def test_pma_supplement_numbers_and_classification() -> None:
    pma = parse_pma(_body(lambda e: "pma_number" in e["query"].get("search", "")))
    numbers = {r.number for r in pma.records}
    assert "P140011/S008" in numbers and "P160009" in numbers
    codes = parse_classification(_body(lambda e: e["path"] == "/device/classification.json" and e["query"]))
    qas = next(r for r in codes.records if r.product_code == "QAS")
    assert qas.regulation_number == "892.2080" and qas.device_class == "2"


def test_link_header_cursor_and_summary_urls() -> None:
    link = '<https://api.fda.gov/device/510k.json?search=x&limit=100&skip=0&search_after=0%3D1%3B1%3Dk1>; rel="next"'
    assert next_link_params(link) == {"search": "x", "limit": "100", "skip": "0", "search_after": "0=1;1=k1"}
    assert next_link_params(None) is None
    assert summary_pdf_url("K081234").endswith("/pdf8/K081234.pdf")  # type: ignore[union-attr]
    assert summary_pdf_url("DEN170073") is None


@pytest.fixture
def listed(replay, db_url: str):  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    assert run_spider("fda_list", database_url=db_url, env=replay_env(replay.url), replay=True).ok
    return db_url


def _registration(db_url: str, number: str):  # type: ignore[no-untyped-def]
    from tracker.db.engine import open_store, session
    from tracker.db.models import Registration

    engine = open_store(db_url)
    with session(engine) as s:
        row = s.exec(select(Registration).where(Registration.number == number)).one()
        s.expunge(row)
    engine.dispose()
    return row


def test_510k_spider_enriches_list_rows_and_pages(replay, listed: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    env = replay_env(replay.url)
    first = run_spider("openfda_510k", database_url=listed, env=env, replay=True)
    assert first.ok, first.error_text
    assert first.new == 0 and first.updated == 377  # every recorded clearance enriches a list row
    product_pages = [p for p in replay.requests if "product_code" in p]
    assert len(product_pages) == 3 and any("skip=200" in p for p in product_pages)
    row = _registration(listed, "K243548")
    assert row.source == "fda_ai_list" and row.applicant == "Aidoc Medical, Ltd."  # the list stays the origin
    assert row.device_class == "2" and row.regulation_number == "892.2080"
    assert row.summary_url.endswith("/pdf24/K243548.pdf") and "openfda_510k" in row.extra["enriched_by"]
    assert first.extra["report"]["watermark"] == "2025-09-29"
    second = run_spider("openfda_510k", database_url=listed, env=env, replay=True)
    assert second.ok and second.new == 0 and second.updated == 0
    assert second.extra["report"]["since"] == "2025-07-31"  # watermark minus the overlap


def test_search_after_beyond_the_skip_cap(replay, listed: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    result = run_spider("openfda_510k", database_url=listed, env=replay_env(replay.url), replay=True,
                        args={"skip_cap": "0"})
    assert result.ok, result.error_text
    product_pages = [p for p in replay.requests if "product_code" in p]
    assert len(product_pages) == 3
    assert sum("search_after" in p for p in product_pages) == 2 and not any("skip=1" in p for p in product_pages)


def test_pma_and_classification_spiders(replay, listed: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    env = replay_env(replay.url)
    pma = run_spider("openfda_pma", database_url=listed, env=env, replay=True)
    assert pma.ok and pma.updated == 9 and pma.new == 0
    codes = run_spider("openfda_classification", database_url=listed, env=env, replay=True)
    assert codes.ok and codes.updated > 10
    de_novo = _registration(listed, "DEN170073")  # Viz.ai ContaCT: De Novos are not in openFDA 510(k)
    assert de_novo.device_class == "2" and de_novo.regulation_number == "892.2080"
    again = run_spider("openfda_classification", database_url=listed, env=env, replay=True)
    assert again.ok and again.updated == 0 and again.unchanged == codes.updated


# ---- bad input: reported problems, never exceptions (issue 15) ------------------------------

GOOD_510K = {"k_number": "K243548", "applicant": "Aidoc Medical, Ltd.", "device_name": "BriefCase",
             "decision_date": "2024-12-11", "product_code": "QFM"}


@pytest.mark.parametrize(("body", "problem"), [
    (b'{"meta": {"results": {"total": 1}}, "results": [""]}', "result 0: expected an object, got str"),
    (b'{"meta": 3, "results": []}', "meta: expected dict, got int"),
    (b'{"meta": {"results": {"total": "a"}}, "results": []}', "meta.results.total: expected int, got str"),
    (b'{"meta": {"results": {"total": Infinity}}, "results": []}', "non-standard constant Infinity"),
    (b'{"meta": {"results": true}, "results": []}', "meta.results: expected dict, got bool"),
    (b'{"meta": {"results": {"skip": -1}}, "results": []}', "meta.results.skip: expected a count"),
    (b'{"meta": {}, "results": true}', "no results list"),
    (b"[" * 100_000, "nested too deeply"),
    (b'{"meta": {}, "results": []}\xff', "not UTF-8"),
    pytest.param(b'{"meta": {"results": {"total": ' + b"9" * 5000 + b'}}, "results": []}',
                 "a number too long to read", id="integer-of-5000-digits"),
])
@pytest.mark.parametrize("parse", [parse_510k, parse_pma, parse_classification])
def test_wrong_shapes_are_problems_not_crashes(parse, body: bytes, problem: str) -> None:  # type: ignore[no-untyped-def]
    page = parse(body)
    assert page.records == [] and any(problem in p for p in page.problems), page.problems


def test_unreadable_paging_figures_keep_the_records_and_say_the_paging_is_unknown() -> None:
    page = parse_510k(json.dumps({"meta": {"results": {"total": "a"}}, "results": [GOOD_510K]}).encode())
    assert [r.number for r in page.records] == ["K243548"] and not page.paging_known
    assert parse_510k(json.dumps({"results": [GOOD_510K]}).encode()).paging_known  # no meta: one page


def test_a_bad_result_or_field_loses_nothing_else() -> None:
    body = {"meta": {"results": {"total": 4}}, "results": [
        "", {**GOOD_510K, "device_name": ["x"], "openfda": 5}, {"k_number": ["K1"], "applicant": "A"},
        {**GOOD_510K, "k_number": "K230150", "applicant": 7}]}
    page = parse_510k(json.dumps(body).encode())
    assert [(r.number, r.device_name, r.applicant, r.device_class) for r in page.records] == [
        ("K243548", "", "Aidoc Medical, Ltd.", None), ("K230150", "BriefCase", "7", None)]
    assert page.problems == [
        "result 0: expected an object, got str",
        "result 1 (K243548): device_name: expected text, got list; field dropped",
        "result 1 (K243548): openfda: expected an object, got int; field dropped",
        "result 2: no k_number or applicant (k_number: expected text, got list)",
    ]
    assert page.seen == 4 and page.total == 4 and page.paging_known


def test_classification_and_pma_fields_of_the_wrong_type_are_dropped() -> None:
    codes = parse_classification(json.dumps({"results": [
        {"product_code": "QAS", "device_name": "Radiological triage", "device_class": {"x": 1}},
        {"product_code": "QIH", "device_name": True}]}).encode())
    assert [(r.product_code, r.device_class) for r in codes.records] == [("QAS", None)]
    assert codes.problems == ["result 0 (QAS): device_class: expected text, got dict; field dropped",
                              "result 1: no product_code or device_name (device_name: expected text, got bool)"]
    pma = parse_pma(json.dumps({"results": [{"pma_number": "P140011", "supplement_number": ["S008"],
                                             "applicant": "Hologic", "trade_name": "x"}]}).encode())
    assert [r.number for r in pma.records] == ["P140011"]
    assert pma.problems == ["result 0 (P140011): supplement_number: expected text, got list; field dropped"]


def test_spider_reports_unreadable_paging_figures_as_a_failed_crawl(  # type: ignore[no-untyped-def]
        replay, listed: str, tmp_path: Path) -> None:
    from tracker.devtools.replay import Fault, replay_env
    from tracker.jobs.crawl import run_spider

    recorded = json.loads(_body(lambda e: e["path"] == "/device/classification.json" and e["query"]))
    replay.add_fault(Fault(path_prefix="/openfda/device/classification.json", status=200, times=-1,
                           body=json.dumps({**recorded, "meta": 3}).encode()))
    log = tmp_path / "crawl.log"
    result = run_spider("openfda_classification", database_url=listed, env=replay_env(replay.url),
                        replay=True, log_file=log)
    text = log.read_text("utf-8")
    assert not result.ok and result.errors >= 1
    assert "meta: expected dict, got int" in text and "unreadable paging figures" in text
    assert "Traceback" not in text and "Spider error" not in text
