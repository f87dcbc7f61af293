"""The FDA list of AI-enabled medical devices: its CSV download and its XML export.

CSV columns: ``Date of Final Decision, Submission Number, Device, Company, Panel (Lead),
Primary Product Code`` (dates MM/DD/YYYY). The XML export wraps submission numbers in
spreadsheet formulas: ``=HYPERLINK("https://...pmn.cfm?ID=K252054", "K252054")``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime

from lxml import etree

from tracker.parsers import Parsed
from tracker.records import RegistrationRecord

SOURCE = "fda_ai_list"
_NUMBER = re.compile(r"^(K\d{6}|DEN\d{6}|P\d{6}(?:/S\d{3,4})?|BK\d{6}|H\d{6})$")
_HYPERLINK = re.compile(r'HYPERLINK\(\s*"[^"]*"\s*[,;]\s*"([^"]+)"\s*\)', re.I)

CSV_COLUMNS = {
    "date": "Date of Final Decision",
    "number": "Submission Number",
    "device": "Device",
    "company": "Company",
    "panel": "Panel (Lead)",
    "code": "Primary Product Code",
}
XML_TAGS = {
    "date": "Date_of_final_decision",
    "number": "Submission_number",
    "device": "Device",
    "company": "Company",
    "panel": "Panel",
    "code": "Primary_product_code",
}


def submission_kind(number: str) -> str:
    if number.startswith("DEN"):
        return "De Novo"
    if number.startswith("P"):
        return "PMA"
    if number.startswith(("BK", "H")):
        return "Other"
    return "510(k)"


def pmn_url(number: str) -> str:
    """The FDA database page of a submission."""
    if number.startswith("DEN"):
        return f"https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpmn/denovo.cfm?id={number}"
    if number.startswith("P"):
        return f"https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfpma/pma.cfm?id={number.split('/')[0]}"
    return f"https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfPMN/pmn.cfm?ID={number}"


def clean_number(value: str) -> str:
    """``K252054`` from a plain cell or a HYPERLINK formula."""
    value = (value or "").strip()
    match = _HYPERLINK.search(value)
    if match:
        value = match.group(1)
    return value.strip().upper()


def parse_decision_date(value: str) -> date:
    value = value.strip()
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unreadable date {value!r}")


def _record(row: dict[str, str], *, source_url: str) -> RegistrationRecord:
    number = clean_number(row.get("number", ""))
    if not _NUMBER.match(number):
        raise ValueError(f"bad submission number {row.get('number')!r}")
    device = (row.get("device") or "").strip()
    company = (row.get("company") or "").strip()
    if not device or not company:
        raise ValueError("missing device or company")
    return RegistrationRecord(
        source=SOURCE,
        source_url=source_url,
        raw={k: v for k, v in row.items()},
        regulator="FDA",
        kind=submission_kind(number),
        number=number,
        device_name=device,
        applicant=company,
        decision_date=parse_decision_date(row.get("date", "")),
        panel=(row.get("panel") or "").strip() or None,
        product_code=(row.get("code") or "").strip() or None,
        summary_url=pmn_url(number),
    )


def parse_fda_csv(text: str, *, source_url: str = "", panel: str | None = None) -> Parsed[RegistrationRecord]:
    """Parse the CSV; ``panel="Radiology"`` keeps that lead panel only. Bad rows are reported
    as ``line N: reason`` and skipped; their neighbours are kept.

    A row with more or fewer cells than the header is reported whatever its panel: a bare CR
    in an unquoted cell ends the row there (see :func:`_rows`), and both pieces are reported.
    """
    parsed: Parsed[RegistrationRecord] = Parsed()
    rows = _rows(text.lstrip("\ufeff"), parsed.problems)
    _, header = next(rows, (1, []))
    missing = [c for c in CSV_COLUMNS.values() if c not in header]
    if missing:
        parsed.problems.append(f"line 1: missing columns {missing}")
        return parsed
    column = {key: header.index(name) for key, name in CSV_COLUMNS.items()}
    for line, row in rows:
        if len(row) != len(header):
            parsed.problems.append(f"line {line}: {len(row)} cells, expected {len(header)}")
            continue
        mapped = {key: row[index] for key, index in column.items()}
        if panel and mapped["panel"].strip().lower() != panel.lower():
            continue
        try:
            parsed.records.append(_record(mapped, source_url=source_url))
        except ValueError as exc:
            parsed.problems.append(f"line {line}: {exc}")
    return parsed


def _rows(text: str, problems: list[str]) -> Iterator[tuple[int, list[str]]]:
    """The non-empty rows of a CSV text with the line each ends on.

    The text is read with ``newline=""``, as the :mod:`csv` module requires: a CR or LF in a
    quoted cell stays in the cell, and any CR, LF or CRLF outside quotes ends a row (the module
    raises on a bare CR in an unquoted cell otherwise). A row the module rejects (a cell over
    its field size limit) is reported and reading goes on with the next line."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(f"line {reader.line_num}: {exc}")
            continue
        if row:
            yield reader.line_num, row


def parse_fda_xml(body: bytes, *, source_url: str = "", panel: str | None = None) -> Parsed[RegistrationRecord]:
    """Parse the FDA's XML export (``<data><row>...</row></data>``)."""
    parsed: Parsed[RegistrationRecord] = Parsed()
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        parsed.problems.append(f"line {exc.lineno}: malformed XML: {exc.msg}")
        return parsed
    for element in root.iter("row"):
        mapped = {key: (element.findtext(tag) or "") for key, tag in XML_TAGS.items()}
        if panel and mapped["panel"].strip().lower() != panel.lower():
            continue
        try:
            parsed.records.append(_record(mapped, source_url=source_url))
        except ValueError as exc:
            parsed.problems.append(f"line {element.sourceline}: {exc}")
    return parsed
