"""openFDA device endpoints (``device/510k``, ``device/pma``, ``device/classification``).

A page is ``{"meta": {"results": {"skip", "limit", "total"}}, "results": [...]}``; a search
without hits is HTTP 404 with ``{"error": {"code": "NOT_FOUND"}}`` (an empty page, not a
failure). Field names follow openFDA's published schema (``k_number``, ``applicant``,
``decision_date``, ``product_code``, ``advisory_committee``, ``statement_or_summary``,
``openfda.device_class``, ``openfda.regulation_number``, ...). Dates come as ``YYYY-MM-DD``
in responses (``YYYYMMDD`` in downloads and search syntax): both are read.

Query builders live here too, so the spiders and the snapshot builder ask the same queries.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tracker.parsers import Parsed
from tracker.parsers.fda_list import submission_kind
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


def _page(body: bytes, status: int) -> tuple[OpenFdaPage, list[dict[str, Any]]]:
    page = OpenFdaPage()
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        page.problems.append(f"malformed JSON: {exc}")
        return page, []
    if not isinstance(data, dict):
        page.problems.append("unexpected JSON: not an object")
        return page, []
    error = data.get("error")
    if status == 404 and isinstance(error, dict) and error.get("code") == "NOT_FOUND":
        page.not_found = True
        return page, []
    if error:
        page.problems.append(f"openFDA error: {error}")
        return page, []
    meta = data.get("meta") or {}
    figures = meta.get("results") or {}
    page.meta = meta
    page.total, page.skip, page.limit = (int(figures.get(k) or 0) for k in ("total", "skip", "limit"))
    results = data.get("results")
    if not isinstance(results, list):
        page.problems.append("no results list")
        return page, []
    return page, results


def _opt(value: Any) -> str | None:
    text = str(value or "").strip()
    return text or None


def parse_510k(body: bytes, *, status: int = 200, source_url: str = "") -> OpenFdaPage:
    page, results = _page(body, status)
    for i, item in enumerate(results):
        number = str(item.get("k_number") or "").strip().upper()
        if not re.fullmatch(r"K\d{6}|DEN\d{6}", number) or not item.get("applicant"):
            page.problems.append(f"result {i}: no k_number or applicant")
            continue
        summary = _opt(item.get("statement_or_summary"))
        page.records.append(RegistrationRecord(
            source=SOURCES["510k"], source_url=source_url, raw=item, regulator="FDA",
            kind=submission_kind(number), number=number,
            device_name=str(item.get("device_name") or "").strip(),
            **_decision_fields(item),
            summary_url=summary_pdf_url(number) if summary else None,
            extra={"openfda": {k: item.get(k) for k in (
                "decision_code", "decision_description", "clearance_type", "statement_or_summary",
                "date_received", "advisory_committee", "review_advisory_committee",
                "third_party_flag", "device_name", "applicant") if item.get(k) not in (None, "")}},
        ))
    return page


def _decision_fields(item: dict[str, Any]) -> dict[str, Any]:
    """The fields a 510(k) and a PMA decision share (the ``openfda`` block's class and
    regulation number included)."""
    extra_of = item.get("openfda") or {}
    if not isinstance(extra_of, dict):
        extra_of = {}
    return {
        "applicant": str(item["applicant"]).strip(),
        "decision_date": openfda_date(item.get("decision_date")),
        "panel": _opt(item.get("advisory_committee_description")),
        "product_code": _opt(item.get("product_code")),
        "device_class": _opt(extra_of.get("device_class")),
        "regulation_number": _opt(extra_of.get("regulation_number")),
    }


def pma_number(item: dict[str, Any]) -> str:
    base = str(item.get("pma_number") or "").strip().upper()
    supplement = str(item.get("supplement_number") or "").strip().upper()
    return f"{base}/{supplement}" if base and supplement else base


def parse_pma(body: bytes, *, status: int = 200, source_url: str = "") -> OpenFdaPage:
    page, results = _page(body, status)
    for i, item in enumerate(results):
        number = pma_number(item)
        if not re.fullmatch(r"P\d{6}(/S\d{3,4})?", number) or not item.get("applicant"):
            page.problems.append(f"result {i}: no pma_number or applicant")
            continue
        page.records.append(RegistrationRecord(
            source=SOURCES["pma"], source_url=source_url, raw=item, regulator="FDA", kind="PMA",
            number=number, device_name=str(item.get("trade_name") or item.get("generic_name") or "").strip(),
            **_decision_fields(item),
            extra={"openfda": {k: item.get(k) for k in (
                "decision_code", "supplement_type", "supplement_reason", "generic_name",
                "date_received", "advisory_committee", "ao_statement") if item.get(k) not in (None, "")}},
        ))
    return page


def parse_classification(body: bytes, *, status: int = 200, source_url: str = "") -> OpenFdaPage:
    page, results = _page(body, status)
    for i, item in enumerate(results):
        code = str(item.get("product_code") or "").strip().upper()
        if not code or not item.get("device_name"):
            page.problems.append(f"result {i}: no product_code or device_name")
            continue
        page.records.append(ProductCodeRecord(
            source=SOURCES["classification"], source_url=source_url, raw=item, product_code=code,
            device_name=str(item["device_name"]).strip(), device_class=_opt(item.get("device_class")),
            regulation_number=_opt(item.get("regulation_number")),
            medical_specialty=_opt(item.get("medical_specialty")),
            review_panel=_opt(item.get("review_panel")),
            extra={k: item[k] for k in ("definition", "submission_type_id") if item.get(k)},
        ))
    return page


PARSERS = {"510k": parse_510k, "pma": parse_pma, "classification": parse_classification}
