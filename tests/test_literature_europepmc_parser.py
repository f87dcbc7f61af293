"""Europe PMC search pages: fields, preprints, paging markers and bad input."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from tracker.parsers.europepmc import abstract_sections, parse_search

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "snapshot" / "europepmc"

PREPRINT = {
    "id": "PPR707121", "source": "PPR", "doi": "10.1101/2023.08.18.23294266",
    "title": "Deep learning <i>in vivo</i>: CT<sup>2</sup> triage", "pubYear": "2023",
    "authorList": {"author": [{"fullName": "Núñez J", "firstName": "José", "lastName": "Núñez",
                               "authorId": {"type": "ORCID", "value": "0000-0002-3535-2271"},
                               "authorAffiliationDetailsList": {"authorAffiliation": [{"affiliation": "Málaga"}]}}]},
    "abstractText": "<h4>Background</h4>Why.<h4>Methods</h4>How &amp; where.",
    "pubTypeList": {"pubType": ["Preprint"]}, "bookOrReportDetails": {"publisher": "medRxiv"},
    "commentCorrectionList": {"commentCorrection": [
        {"id": "38605817", "source": "MED", "reference": "F1000Research. 2023;12:1007", "type": "Preprint of",
         "orderIn": 10001}]},
    "firstPublicationDate": "2023-08-21", "firstIndexDate": "2023-08-22",
}
MED = {
    "id": "38605817", "source": "MED", "pmid": "38605817", "pmcid": "PMC11057456", "doi": "10.1000/ABC",
    "title": "A paper", "pubYear": "2024", "journalInfo": {"journal": {"title": "Radiology"}},
    "pubTypeList": {"pubType": ["Journal Article", "Retracted Publication"]},
    "meshHeadingList": {"meshHeading": [{"majorTopic_YN": "N", "descriptorName": "Humans"}]},
    "keywordList": {"keyword": ["AI"]},
    "grantsList": {"grant": [{"grantId": "ZIA MD000019", "agency": "Intramural NIH HHS", "acronym": "ImNIH"}]},
    "language": "eng",
}


def page(*results: object, cursor: str = "AoE") -> bytes:
    return json.dumps({"hitCount": len(results), "nextCursorMark": cursor,
                       "resultList": {"result": list(results)}}).encode()


def test_preprint_fields() -> None:
    rec = parse_search(page(PREPRINT)).records[0]
    assert rec.is_preprint and rec.external_id == "PPR:PPR707121"
    assert rec.title == "Deep learning in vivo: CT2 triage"
    assert rec.journal == "medRxiv"
    assert rec.published_pmid == "38605817"
    assert rec.abstract_sections == [{"label": "BACKGROUND", "text": "Why."},
                                     {"label": "METHODS", "text": "How & where."}]
    assert rec.authors[0].name == "José Núñez" and rec.authors[0].affiliations == ["Málaga"]
    assert rec.authors[0].orcid == "0000-0002-3535-2271"
    assert rec.pub_date == date(2023, 8, 21) and rec.entry_date == date(2023, 8, 22)


def test_medline_record_fields() -> None:
    rec = parse_search(page(MED)).records[0]
    assert (rec.pmid, rec.pmcid, rec.doi) == ("38605817", "PMC11057456", "10.1000/ABC")
    assert rec.journal == "Radiology" and rec.year == 2024 and rec.is_retracted
    assert rec.mesh == ["Humans"] and rec.keywords == ["AI"] and rec.language == "eng"
    assert rec.grants == [{"grant_id": "ZIA MD000019", "acronym": "ImNIH", "agency": "Intramural NIH HHS"}]
    assert rec.abstract is None and rec.published_pmid is None


def test_paging_markers() -> None:
    parsed = parse_search(page(MED, cursor="AoIIQ"))
    assert parsed.next_cursor == "AoIIQ" and parsed.hit_count == 1


def test_patents_are_skipped_and_bad_results_reported() -> None:
    parsed = parse_search(page({"id": "1", "source": "PAT", "title": "x"}, "junk", {"id": "2", "source": "MED"}))
    assert parsed.records == [] and parsed.skipped == 1
    assert parsed.problems == ["result 2: not an object", "result 3: MED:2: no title"]


def test_malformed_json_is_a_problem() -> None:
    parsed = parse_search(b'{"hitCount": 3, "resultList": {"result": [')
    assert parsed.records == [] and parsed.problems[0].startswith("malformed JSON")


def test_unlabelled_abstract_is_one_section() -> None:
    assert abstract_sections("Plain <b>text</b>.") == [{"label": "", "text": "Plain text."}]


# ---- bad input: reported problems, never exceptions (issue 15) ------------------------------

GOOD = {"id": "2", "source": "MED", "title": "A neighbour", "doi": "10.1000/good", "pubYear": "2024"}


def test_hit_count_of_the_wrong_type_is_a_problem_and_the_records_are_kept() -> None:
    parsed = parse_search(json.dumps({"hitCount": "²", "resultList": {"result": [GOOD]}}).encode())
    assert parsed.hit_count == 0 and parsed.problems == ["hitCount: expected a count, got '²'"]
    assert [r.external_id for r in parsed.records] == ["MED:2"] and parsed.paging_known


def test_wrong_typed_fields_are_dropped_and_said_and_the_neighbours_kept() -> None:
    bad = {**MED, "doi": 7, "pmcid": ["x"], "language": {}, "pubYear": "²",
           "authorList": {"author": [{"firstName": "Ann", "lastName": 5}, 3]}}
    parsed = parse_search(page(bad, GOOD, {"id": ["3"], "source": "MED", "title": "x"}))
    rec, neighbour = parsed.records
    assert (rec.external_id, rec.doi, rec.pmcid, rec.language, rec.year) == ("MED:38605817", None, None, None, None)
    assert rec.title == "A paper" and rec.journal == "Radiology" and [a.name for a in rec.authors] == ["Ann"]
    assert (neighbour.external_id, neighbour.doi, neighbour.year) == ("MED:2", "10.1000/good", 2024)
    assert parsed.problems == [
        "result 1: MED:38605817: doi: expected str, got int; field dropped",
        "result 1: MED:38605817: pmcid: expected str, got list; field dropped",
        "result 1: MED:38605817: authorList.author[0].lastName: expected str, got int; field dropped",
        "result 1: MED:38605817: authorList.author[1]: expected dict, got int; field dropped",
        "result 1: MED:38605817: language: expected str, got dict; field dropped",
        "result 3: result without source or id (id: expected str or int, got list)",
    ]


def test_a_preprint_link_with_a_non_ascii_digit_id_names_no_pmid() -> None:
    link = {"id": "²", "source": "MED", "type": "Preprint of", "reference": "x"}
    rec = parse_search(page({**PREPRINT, "commentCorrectionList": {"commentCorrection": [link]}})).records[0]
    assert rec.is_preprint and rec.published_pmid is None


@pytest.mark.parametrize(("body", "problem"), [
    (b"[" * 100_000, "malformed JSON: not valid JSON: nested too deeply"),
    (b'{"hitCount": Infinity}', "malformed JSON: not valid JSON: non-standard constant Infinity"),
    (b'{"resultList": []}', "malformed answer: resultList: expected dict, got list"),
    (b'{"resultList": {"result": true}}', "malformed answer: resultList.result: expected list, got bool"),
    (b"[1]", "malformed answer: not a JSON object"),
])
def test_unusable_bodies_are_a_problem(body: bytes, problem: str) -> None:
    parsed = parse_search(body)
    assert parsed.records == [] and parsed.problems == [problem]


def test_cursor_of_the_wrong_type_leaves_the_paging_unknown() -> None:
    parsed = parse_search(json.dumps({"nextCursorMark": ["AoE"], "resultList": {"result": [GOOD]}}).encode())
    assert len(parsed.records) == 1 and parsed.next_cursor is None and not parsed.paging_known
    assert parsed.problems == ["nextCursorMark: expected str, got list"]


def test_spider_stores_a_page_with_an_unreadable_cursor_and_fails_the_crawl(  # type: ignore[no-untyped-def]
        replay, db_url: str, tmp_path: Path) -> None:
    from tracker.devtools.replay import Fault, replay_env
    from tracker.jobs.crawl import run_spider

    recorded = json.loads((SNAPSHOT / "search_page_1.json").read_text("utf-8"))
    replay.add_fault(Fault(path_prefix="/europepmc/search", status=200, times=1, body=json.dumps(
        {**recorded, "hitCount": "²", "nextCursorMark": ["x"]}).encode()))
    log = tmp_path / "crawl.log"
    result = run_spider("europepmc", database_url=db_url, env=replay_env(replay.url), replay=True, log_file=log,
                        args={"query": "radiology"})
    text = log.read_text("utf-8")
    assert not result.ok and result.new > 50  # the page's records are stored
    assert "hitCount: expected a count" in text and "unreadable nextCursorMark" in text
    assert "Traceback" not in text and "Spider error" not in text
