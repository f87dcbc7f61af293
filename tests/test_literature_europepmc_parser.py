"""Europe PMC search pages: fields, preprints, paging markers and bad input."""

from __future__ import annotations

import json
from datetime import date

from tracker.parsers.europepmc import abstract_sections, parse_search

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
