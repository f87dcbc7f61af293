"""openFDA device endpoints (``device/510k``, ``device/pma``, ``device/classification``).

A page is ``{"meta": {"results": {"skip", "limit", "total"}}, "results": [...]}``; a search
without hits is HTTP 404 with ``{"error": {"code": "NOT_FOUND"}}`` (an empty page, not a
failure). Field names follow openFDA's published schema (``k_number``, ``applicant``,
``decision_date``, ``product_code``, ``advisory_committee``, ``statement_or_summary``,
``openfda.device_class``, ``openfda.regulation_number``, ...). Dates come as ``YYYY-MM-DD``
in responses (``YYYYMMDD`` in downloads and search syntax): both are read.

Bad input is reported, never raised (every body is read with
:func:`~tracker.parsers.jsonbody.load_json`):

- a body that is not JSON, or not an object, is a page with one problem and no records;
- ``meta`` figures of the wrong type (``meta: 3``, ``total: "a"``) are a problem and the page
  says ``paging_known = False``: its records are good, but how many pages follow is unknown;
- a result that is not an object, or lacks its number or applicant (product code or device
  name for a classification), is a problem naming the result; its neighbours are kept;
- a text field of the wrong type (a list, an object, a boolean; a number is read as its
  digits) is dropped with a problem naming it, and the rest of the record is kept: the record
  is still good data, and a later crawl reads the field again.

Query builders live here too, so the spiders and the snapshot builder ask the same queries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tracker.parsers import Parsed
from tracker.parsers.fda_list import submission_kind
from tracker.parsers.jsonbody import BadBody, expect, load_json, loose_object, loose_text
from tracker.records import ProductCodeRecord, RegistrationRecord

SOURCES = {"510k": "openfda_510k", "pma": "openfda_pma", "classification": "openfda_classification"}
SKIP_CAP = 25_000  # openFDA refuses skip > 25,000; beyond it, search_after (Link header)
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


@dataclass
class OpenFdaPage(Parsed[Any]):
    """Records of one page plus its paging figures."""

    total: int = 0
    skip: int = 0
    limit: int = 0
    not_found: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    seen: int = 0
    """How many results the page held (records and rejected results): what paging counts."""
    paging_known: bool = True
    """False when the body or its ``meta`` figures could not be read: whether more pages
    follow is unknown."""


def openfda_date(value: Any) -> date | None:
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def search_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def or_terms(fieldname: str, values: list[str]) -> str:
    """``k_number:("K1" "K2")``: any of the values (openFDA reads a space as OR)."""
    return f"{fieldname}:(" + " ".join(f'"{v}"' for v in values) + ")"


def decided_since(since: date | None) -> str:
    return f" AND decision_date:[{search_date(since)} TO 29991231]" if since else ""


def next_link_params(link_header: str | bytes | None) -> dict[str, str] | None:
    """Query parameters of the ``rel="next"`` link (its ``search_after`` cursor)."""
    if not link_header:
        return None
    text = link_header.decode("latin-1") if isinstance(link_header, bytes) else link_header
    match = _LINK_NEXT.search(text)
    if not match:
        return None
    return dict(parse_qsl(urlsplit(match.group(1)).query, keep_blank_values=True))


def summary_pdf_url(number: str) -> str | None:
    """The 510(k) summary/statement PDF FDA publishes (``cdrh_docs/pdfYY/K######.pdf``)."""
    match = re.fullmatch(r"K(\d{2})\d{4}", number)
    if not match:
        return None
    year = int(match.group(1))
    folder = "pdf" if year <= 1 or year >= 90 else f"pdf{year}"  # K08xxxx -> pdf8, K95xxxx -> pdf
    return f"https://www.accessdata.fda.gov/cdrh_docs/{folder}/{number}.pdf"


def _page(body: bytes, status: int) -> tuple[OpenFdaPage, list[tuple[int, dict[str, Any]]]]:
    """The page's figures and its results that are objects, numbered (the others are problems)."""
    page = OpenFdaPage()
    try:
        data = expect(load_json(body), dict, "body")
    except BadBody as exc:
        page.problems.append(f"malformed JSON: {exc}")
        page.paging_known = False
        return page, []
    error = data.get("error")
    if status == 404 and isinstance(error, dict) and error.get("code") == "NOT_FOUND":
        page.not_found = True
        return page, []
    if error:
        page.problems.append(f"openFDA error: {_shown(error)}")
        return page, []
    _read_figures(page, data.get("meta"))
    results = data.get("results")
    if not isinstance(results, list):
        page.problems.append(f"no results list (results: {type(results).__name__})")
        return page, []
    page.seen = len(results)
    items = []
    for i, item in enumerate(results):
        if isinstance(item, dict):
            items.append((i, item))
        else:
            page.problems.append(f"result {i}: expected an object, got {type(item).__name__}")
    return page, items


def _read_figures(page: OpenFdaPage, meta: Any) -> None:
    """``meta.results.{total, skip, limit}``: absent ones are 0 (a page without ``meta`` is
    read as the only page); a wrong type is a problem and leaves the paging unknown."""
    try:
        meta = expect({} if meta is None else meta, dict, "meta")
        figures = meta.get("results")
        figures = expect({} if figures is None else figures, dict, "meta.results")
        page.total, page.skip, page.limit = (_count(figures.get(k), f"meta.results.{k}")
                                             for k in ("total", "skip", "limit"))
    except BadBody as exc:
        page.problems.append(str(exc))
        page.paging_known = False
        return
    page.meta = meta


def _count(value: Any, where: str) -> int:
    """A paging figure: a whole number from 0 up (absent: 0); else ``BadBody``."""
    number: int = expect(0 if value is None else value, int, where)
    if number < 0:
        raise BadBody(f"{where}: expected a count, got {number}")
    return number


def _shown(value: Any) -> str:
    """A value from the body, on one line and at most 200 characters."""
    text = repr(value)
    return text if len(text) <= 200 else text[:199] + "…"


class _Fields:
    """Reads the text fields of one result and remembers the ones of the wrong type.

    A text field is a string, or a number read as its digits (``2`` -> ``"2"``); any other
    type (object, list, boolean) is read as absent and said:
    ``result 3 (K123456): device_name: expected text, got list; field dropped``."""

    def __init__(self, item: dict[str, Any], where: str) -> None:
        self.item, self.where = item, where
        self.dropped: list[str] = []

    def text(self, key: str, block: str = "") -> str | None:
        """The stripped text of ``item[key]`` (of ``item[block][key]`` when ``block`` is
        given); None when absent, empty or of the wrong type."""
        name = f"{block}.{key}" if block else key
        try:
            return loose_text((self._block(block) if block else self.item).get(key), name) or None
        except BadBody as exc:
            self._drop(str(exc))
            return None

    def _block(self, key: str) -> dict[str, Any]:
        """``item[key]`` when it is an object; ``{}`` when absent or of the wrong type."""
        try:
            return loose_object(self.item.get(key), key)
        except BadBody as exc:
            self._drop(str(exc))
            return {}

    def _drop(self, said: str) -> None:
        if said not in self.dropped:  # a bad block is said once, not once per field read from it
            self.dropped.append(said)

    def rejected(self, reason: str) -> str:
        """The problem for a result that makes no record (with the fields it could not read)."""
        return f"{self.where}: {reason}" + (f" ({'; '.join(self.dropped)})" if self.dropped else "")

    def kept(self, label: str) -> list[str]:
        """The problems of a kept record: one per dropped field."""
        return [f"{self.where} ({label}): {said}; field dropped" for said in self.dropped]


def parse_510k(body: bytes, *, status: int = 200, source_url: str = "") -> OpenFdaPage:
    page, results = _page(body, status)
    for i, item in results:
        fields = _Fields(item, f"result {i}")
        number = (fields.text("k_number") or "").upper()
        applicant = fields.text("applicant")
        if not re.fullmatch(r"K\d{6}|DEN\d{6}", number) or not applicant:
            page.problems.append(fields.rejected("no k_number or applicant"))
            continue
        summary = fields.text("statement_or_summary")
        page.records.append(RegistrationRecord(
            source=SOURCES["510k"], source_url=source_url, raw=item, regulator="FDA",
            kind=submission_kind(number), number=number,
            device_name=fields.text("device_name") or "",
            **_decision_fields(fields, applicant),
            summary_url=summary_pdf_url(number) if summary else None,
            extra={"openfda": {k: item.get(k) for k in (
                "decision_code", "decision_description", "clearance_type", "statement_or_summary",
                "date_received", "advisory_committee", "review_advisory_committee",
                "third_party_flag", "device_name", "applicant") if item.get(k) not in (None, "")}},
        ))
        page.problems += fields.kept(number)
    return page


def _decision_fields(fields: _Fields, applicant: str) -> dict[str, Any]:
    """The fields a 510(k) and a PMA decision share (the ``openfda`` block's class and
    regulation number included)."""
    return {
        "applicant": applicant,
        "decision_date": openfda_date(fields.text("decision_date")),
        "panel": fields.text("advisory_committee_description"),
        "product_code": fields.text("product_code"),
        "device_class": fields.text("device_class", block="openfda"),
        "regulation_number": fields.text("regulation_number", block="openfda"),
    }


def _pma_number(fields: _Fields) -> str:
    """``P123456/S012`` for a supplement, ``P123456`` for the original approval."""
    base = (fields.text("pma_number") or "").upper()
    supplement = (fields.text("supplement_number") or "").upper()
    return f"{base}/{supplement}" if base and supplement else base


def parse_pma(body: bytes, *, status: int = 200, source_url: str = "") -> OpenFdaPage:
    page, results = _page(body, status)
    for i, item in results:
        fields = _Fields(item, f"result {i}")
        number = _pma_number(fields)
        applicant = fields.text("applicant")
        if not re.fullmatch(r"P\d{6}(/S\d{3,4})?", number) or not applicant:
            page.problems.append(fields.rejected("no pma_number or applicant"))
            continue
        page.records.append(RegistrationRecord(
            source=SOURCES["pma"], source_url=source_url, raw=item, regulator="FDA", kind="PMA",
            number=number, device_name=fields.text("trade_name") or fields.text("generic_name") or "",
            **_decision_fields(fields, applicant),
            extra={"openfda": {k: item.get(k) for k in (
                "decision_code", "supplement_type", "supplement_reason", "generic_name",
                "date_received", "advisory_committee", "ao_statement") if item.get(k) not in (None, "")}},
        ))
        page.problems += fields.kept(number)
    return page


def parse_classification(body: bytes, *, status: int = 200, source_url: str = "") -> OpenFdaPage:
    page, results = _page(body, status)
    for i, item in results:
        fields = _Fields(item, f"result {i}")
        code = (fields.text("product_code") or "").upper()
        device_name = fields.text("device_name")
        if not code or not device_name:
            page.problems.append(fields.rejected("no product_code or device_name"))
            continue
        page.records.append(ProductCodeRecord(
            source=SOURCES["classification"], source_url=source_url, raw=item, product_code=code,
            device_name=device_name, device_class=fields.text("device_class"),
            regulation_number=fields.text("regulation_number"),
            medical_specialty=fields.text("medical_specialty"),
            review_panel=fields.text("review_panel"),
            extra={k: item[k] for k in ("definition", "submission_type_id") if item.get(k)},
        ))
        page.problems += fields.kept(code)
    return page


PARSERS = {"510k": parse_510k, "pma": parse_pma, "classification": parse_classification}
