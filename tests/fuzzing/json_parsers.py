"""Fuzz targets for the JSON parsers: openFDA, EUDAMED and Europe PMC.

Each target starts from the recorded bodies in ``data/snapshot/<source>/`` and damages them
two ways (one of): values anywhere in the parsed document replaced by random JSON or deleted
(:func:`~tests.fuzzing.mutated_json`, serialised back to bytes), and the raw bytes cut,
flipped or spliced (:func:`~tests.fuzzing.mutated_bytes`). A parser must answer with a page
and its problems (or the error it documents: ``BadBody`` for an unreadable EUDAMED device
detail, ``BadRecord`` for a row without its number), and every record it returns must carry
fields of the declared types: text where text belongs, never a list passed through.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.fuzzing import SPLICES, Target, mutated_bytes, mutated_json
from tracker.parsers.eudamed import (
    BadRecord,
    certificate_holder,
    certificate_record,
    certificates_of,
    detail_of,
    device_record,
    legislation,
    parse_page,
)
from tracker.parsers.europepmc import parse_search
from tracker.parsers.jsonbody import BadBody
from tracker.parsers.openfda import parse_510k, parse_classification, parse_pma
from tracker.records import Author

SNAPSHOT = Path(__file__).resolve().parents[2] / "data" / "snapshot"
EPMC_RESULTS = 6
"""Results kept of each recorded Europe PMC page (100 a page) for the JSON mutations, so an
example costs milliseconds; the byte mutations use one whole recorded page."""


def _recorded(source: str, pattern: str) -> list[bytes]:
    return [path.read_bytes() for path in sorted((SNAPSHOT / source).glob(pattern))]


def _damaged(docs: list[Any], raw: list[bytes]) -> st.SearchStrategy[bytes]:
    """One of: a recorded document with random values replaced or deleted, serialised; or
    recorded bytes cut, flipped or spliced."""
    as_json = st.sampled_from(docs).flatmap(mutated_json).map(lambda doc: json.dumps(doc).encode())
    as_bytes = st.sampled_from(raw).flatmap(lambda body: mutated_bytes(body, splices=SPLICES))
    return st.one_of(as_json, as_bytes)


def _bodies(source: str, pattern: str) -> st.SearchStrategy[bytes]:
    raw = _recorded(source, pattern)
    return _damaged([json.loads(body) for body in raw], raw)


# --- what every record promises ----------------------------------------------------------------


def _check_types(record: Any) -> None:
    """Every field of a record has its declared type (``str``, ``str | None``, ``int | None``,
    ``date | None``, lists of text or authors): a wrong-typed input field was dropped, not
    passed through."""
    for f in fields(record):
        value, declared = getattr(record, f.name), str(f.type)
        if f.name in ("raw", "extra", "fetched_at"):
            continue
        if value is None:
            assert "None" in declared, f"{f.name} is None but declared {declared}"
        elif declared.startswith("str"):
            assert isinstance(value, str), f"{f.name}={value!r}"
        elif declared.startswith("int"):
            assert isinstance(value, int) and not isinstance(value, bool), f"{f.name}={value!r}"
        elif declared.startswith("date"):
            assert isinstance(value, date), f"{f.name}={value!r}"
        elif declared == "bool":
            assert isinstance(value, bool), f"{f.name}={value!r}"
        elif declared == "list[str]":
            assert all(isinstance(v, str) for v in value), f"{f.name}={value!r}"
        elif declared == "list[Author]":
            for author in value:
                assert isinstance(author, Author) and isinstance(author.name, str)
                assert all(isinstance(a, str) for a in author.affiliations)
                assert author.orcid is None or isinstance(author.orcid, str)
        elif declared == "list[dict[str, str]]":
            assert all(isinstance(k, str) and isinstance(v, str) for d in value for k, v in d.items())


def _check_page(page: Any) -> None:
    for figure in ("total", "skip", "limit", "number", "hit_count"):
        value = getattr(page, figure, 0)
        assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, f"{figure}={value!r}"
    assert all(isinstance(p, str) and "\n" not in p for p in page.problems), page.problems
    for record in page.records:
        _check_types(record)


# --- openFDA -----------------------------------------------------------------------------------

def _openfda(parse: Any, pattern: str) -> Target:
    statuses = st.sampled_from([200, 200, 200, 404])  # openFDA's "no matches" is a 404 JSON body
    strategy = st.tuples(_bodies("openfda", pattern) | _bodies("openfda", "not_found.json"), statuses)
    return Target(f"openfda.{parse.__name__}", strategy,
                  lambda value: _check_page(parse(value[0], status=value[1], source_url="u")))


# --- EUDAMED -----------------------------------------------------------------------------------

def _eudamed_page(body: bytes) -> None:
    """A search page as the spider reads it: the page, then each row as a certificate (the
    certificate search rows) and, with no detail, as a device."""
    page = parse_page(body)
    _check_page(page)
    problems: list[str] = []
    for row in page.rows:
        for build in (lambda r: device_record(r, source_url="u", problems=problems),
                      lambda r: certificate_record(r, source_url="u", srn="s", problems=problems,
                                                   holder=certificate_holder(r, "holder", problems))):
            with suppress(BadRecord):  # a row without its number: the documented refusal
                _check_types(build(row))


def _device_rows() -> list[dict[str, Any]]:
    return [row for body in _recorded("eudamed", "devices_*.json") for row in json.loads(body)["content"]]


def _eudamed_detail(value: tuple[dict[str, Any], bytes]) -> None:
    """A device detail as the spider reads it: the detail, the device from its list row and
    the detail, and each certificate the detail names."""
    row, body = value
    detail = detail_of(body)
    problems: list[str] = []
    device = device_record(row, source_url="u", detail=detail, problems=problems)
    _check_types(device)
    for cert in certificates_of(detail, problems):
        with suppress(BadRecord):
            _check_types(certificate_record(cert, source_url="u", holder=device.applicant, device=device.device_name,
                                            default_legislation=legislation(detail.get("legislation")),
                                            problems=problems))
    assert all(isinstance(p, str) for p in problems)


def _rows() -> st.SearchStrategy[dict[str, Any]]:
    rows = _device_rows()
    mutated = st.sampled_from(rows).flatmap(mutated_json).filter(lambda row: isinstance(row, dict))
    return st.one_of(st.sampled_from(rows), mutated)


# --- Europe PMC --------------------------------------------------------------------------------

def _epmc_docs() -> list[Any]:
    docs = []
    for body in _recorded("europepmc", "search_page_*.json"):
        doc = json.loads(body)
        results = doc["resultList"]["result"]
        for start in range(0, len(results), 25):  # a few small pages from each recorded one
            docs.append({**doc, "resultList": {"result": results[start:start + EPMC_RESULTS]}})
    return docs


def _epmc_bodies() -> st.SearchStrategy[bytes]:
    return _damaged(_epmc_docs(), _recorded("europepmc", "search_page_3.json"))


TARGETS = [
    _openfda(parse_510k, "device_510k_*.json"),
    _openfda(parse_pma, "device_pma_*.json"),
    _openfda(parse_classification, "device_classification_*.json"),
    Target("eudamed.parse_page", _bodies("eudamed", "[!d]*.json") | _bodies("eudamed", "devices_*.json"),
           _eudamed_page),
    Target("eudamed.device_detail", st.tuples(_rows(), _bodies("eudamed", "device_*.json")), _eudamed_detail,
           allowed=(BadBody, BadRecord)),
    Target("europepmc.parse_search", _epmc_bodies(), lambda body: _check_page(parse_search(body))),
]
