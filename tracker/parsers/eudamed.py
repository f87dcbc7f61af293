"""EUDAMED public (UI) API: actor search (``/eos``), device search (``/devices/udiDiData``),
device detail (``/devices/basicUdiData/udiDiData/{uuid}``) and certificate search
(``/certificates/search/``).

Pages are Spring pages (``content``, ``totalElements``, ``totalPages``, ``number``, ``last``)
numbered from 0. The API silently ignores a parameter it does not know, so a misspelt filter
returns *everything*: ``check_filter`` verifies that every returned row matches the filter
and raises ``FilterIgnored`` otherwise (the spider also compares ``totalElements`` with an
unfiltered count). Codes are mapped to readable values: ``refdata.risk-class.class-iia`` ->
``IIa``; ``refdata.applicable-legislation.mdr`` or ``refdata.certificate-mdr-type...`` -> ``MDR``;
``refdata.certificate-status.issued`` -> ``issued``.

Bad input is reported, never raised as anything but the documented errors (every body is
read with :func:`~tracker.parsers.jsonbody.load_json`):

- a page whose body is not JSON, or whose ``content``, ``totalElements``, ``number`` or
  ``last`` is missing or of the wrong type, is a page with a problem and
  ``paging_known = False`` (the spider fails it: its figures guard the filter check);
- a row of ``content`` that is not an object is a problem; the other rows are kept;
- a device detail that is not a JSON object is a ``BadBody`` (:func:`detail_of`);
- a device or certificate without its number (or a device without its manufacturer) is a
  ``BadRecord`` naming the missing field;
- any other field of the wrong type (a list where text belongs, a number where a code
  object belongs) is dropped and said in the ``problems`` list the builder is given: the
  record is still good data, and a later crawl reads the field again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.names import fold
from tracker.parsers import Parsed
from tracker.parsers.jsonbody import BadBody, expect, load_json, loose_object, loose_text
from tracker.records import RegistrationRecord

SOURCE = "eudamed"
_CLASSES = {"class-i": "I", "class-iia": "IIa", "class-iib": "IIb", "class-iii": "III"}
_LEGISLATIONS = ("mdr", "mdd", "aimdd", "ivdr", "ivdd")


class FilterIgnored(ValueError):
    """A response contains rows that do not match the filter asked for."""


class BadRecord(ValueError):
    """A row that makes no record (no number, no manufacturer); the message names the field."""


@dataclass
class EudamedPage(Parsed[Any]):
    total: int = 0
    number: int = 0
    last: bool = True
    rows: list[dict[str, Any]] = field(default_factory=list)
    paging_known: bool = True
    """False when the body, or its ``content``/``totalElements``/``number``/``last``, could
    not be read: the page cannot be trusted (nor the filter check on it) nor paged on."""


def _code(value: Any) -> str:
    """The code of a code object (``{"code": "refdata.x.y"}``) or a bare code string; ""
    for anything else."""
    if isinstance(value, dict):
        value = value.get("code")
    return value if isinstance(value, str) else ""


def ce_class(value: Any) -> str | None:
    code = _code(value).rsplit(".", 1)[-1]
    return _CLASSES.get(code) or (code.upper() if code else None)


def legislation(value: Any) -> str | None:
    """MDD/MDR/... from a legislation or certificate-type code."""
    code = _code(value).lower()
    for name in _LEGISLATIONS:
        if f".{name}" in code or f"-{name}-" in code or code.endswith(f"-{name}"):
            return name.upper()
    return None


def status(value: Any) -> str | None:
    code = _code(value)
    return code.rsplit(".", 1)[-1] if code else None


def _date(value: str) -> date | None:
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").date()
    except ValueError:
        return None


class _Fields:
    """Reads the fields of one row, dropping (and remembering) the ones of the wrong type.

    Text is a string, or a number read as its digits; a code is a code object with a string
    ``code``, or a bare code string; anything else is read as absent and said in
    ``problems`` as ``device 0123: tradeName: expected text, got list; field dropped``."""

    def __init__(self, row: dict[str, Any], where: str, problems: list[str] | None) -> None:
        self.row, self.where = row, where
        self.problems = problems if problems is not None else []

    def text(self, key: str) -> str:
        """The stripped text of ``row[key]``; "" when absent or of the wrong type."""
        try:
            return loose_text(self.row.get(key), key)
        except BadBody as exc:
            return self._drop(str(exc))

    def code(self, key: str) -> Any:
        """``row[key]`` when it is a code object, a code string or absent; None (said) else."""
        value = self.row.get(key)
        inner = value.get("code") if isinstance(value, dict) else value
        if inner is None or isinstance(inner, str):
            return value
        self._drop(f"{f'{key}.code' if isinstance(value, dict) else key}: expected a code, "
                   f"got {type(inner).__name__}")
        return None

    def block(self, key: str) -> dict[str, Any]:
        """``row[key]`` when it is an object; ``{}`` when absent or of the wrong type (said)."""
        try:
            return loose_object(self.row.get(key), key)
        except BadBody as exc:
            self._drop(str(exc))
            return {}

    def _drop(self, said: str) -> str:
        self.problems.append(f"{self.where}: {said}; field dropped")
        return ""


def parse_page(body: bytes) -> EudamedPage:
    """One Spring page: its object rows and its figures (see the module's notes on bad input)."""
    page = EudamedPage()
    try:
        data = expect(load_json(body), dict, "page")
    except BadBody as exc:
        page.problems.append(f"malformed JSON: {exc}")
        page.paging_known = False
        return page
    try:
        content = expect(data.get("content"), list, "not a page: content")
        page.total = _count(data.get("totalElements"), "totalElements")
        page.number = _count(data.get("number"), "number")
        page.last = expect(data.get("last", True), bool, "last")
    except BadBody as exc:
        page.problems.append(str(exc))
        page.paging_known = False
        return page
    for i, row in enumerate(content):
        if isinstance(row, dict):
            page.rows.append(row)
        else:
            page.problems.append(f"content[{i}]: expected an object, got {type(row).__name__}")
    return page


def _count(value: Any, where: str) -> int:
    """A page figure: a whole number from 0 up (absent: 0); else ``BadBody``."""
    number: int = expect(0 if value is None else value, int, where)
    if number < 0:
        raise BadBody(f"{where}: expected a count, got {number}")
    return number


def check_filter(rows: list[dict[str, Any]], *, key: str, expected: str, contains: bool = False) -> None:
    """Every row's ``key`` equals (or, folded, contains) ``expected``, else ``FilterIgnored``."""
    want = fold(expected)
    for row in rows:
        value = fold(str(row.get(key) or ""))
        if (want not in value) if contains else (value != want):
            raise FilterIgnored(f"row with {key}={row.get(key)!r} does not match the filter {expected!r}: "
                                "the API ignored the filter parameter")


def detail_of(body: bytes) -> dict[str, Any]:
    """A device detail answer: a JSON object, else ``BadBody``."""
    detail: dict[str, Any] = expect(load_json(body), dict, "device detail")
    return detail


def device_record(row: dict[str, Any], *, source_url: str, detail: dict[str, Any] | None = None,
                  problems: list[str] | None = None) -> RegistrationRecord:
    """A device from its search row and its detail (class, legislation, certificates).

    ``BadRecord`` without a ``primaryDi`` (or ``uuid``) or ``manufacturerName``; other fields
    of the wrong type are dropped and said in ``problems``."""
    fields = _Fields(row, "device", problems)
    number = fields.text("primaryDi") or fields.text("uuid")
    applicant = fields.text("manufacturerName")
    if not number or not applicant:
        raise BadRecord("device without primaryDi or manufacturerName")
    fields.where = f"device {number}"
    about = _Fields(detail or {}, f"device {number} detail", fields.problems)
    # the certificates' own problems are said when each certificate is read (certificate_record)
    numbers = [_Fields(cert, "", []).text("certificateNumber") for cert in certificates_of(detail or {})]
    return RegistrationRecord(
        source=SOURCE, source_url=source_url, raw=row, regulator="EU", kind="EUDAMED device",
        number=number, device_name=fields.text("tradeName") or fields.text("deviceName") or number,
        applicant=applicant,
        ce_class=ce_class(about.code("riskClass") or fields.code("riskClass")),
        legislation=legislation(about.code("legislation") or fields.code("applicableLegislation")),
        status=status(fields.code("deviceStatusType")),
        extra={k: v for k, v in {
            "basic_udi": fields.text("basicUdi"), "srn": fields.text("manufacturerSrn"), "uuid": fields.text("uuid"),
            "certificates": [n for n in numbers if n],
        }.items() if v},
    )


def certificates_of(detail: dict[str, Any], problems: list[str] | None = None) -> list[dict[str, Any]]:
    """The certificates a device detail names (objects only; anything else is said in
    ``problems``)."""
    said = problems if problems is not None else []
    listed = detail.get("deviceCertificateInfoList") or detail.get("deviceCertificateInfoListForDisplay") or []
    if not isinstance(listed, list):
        said.append(f"device detail: certificate list: expected a list, got {type(listed).__name__}")
        return []
    certificates = []
    for i, cert in enumerate(listed):
        if isinstance(cert, dict):
            certificates.append(cert)
        else:
            said.append(f"device detail: certificate {i}: expected an object, got {type(cert).__name__}")
    return certificates


def certificate_record(cert: dict[str, Any], *, source_url: str, holder: str, srn: str | None = None,
                       device: str | None = None, default_legislation: str | None = None,
                       problems: list[str] | None = None) -> RegistrationRecord:
    """A certificate from a certificate search row or a device detail.

    ``BadRecord`` without a ``certificateNumber``; other fields of the wrong type are
    dropped and said in ``problems``."""
    fields = _Fields(cert, "certificate", problems)
    number = fields.text("certificateNumber")
    if not number:
        raise BadRecord("certificate without certificateNumber")
    fields.where = f"certificate {number}"
    kind_code = _code(fields.code("certificateType"))
    nb = fields.text("notifiedBodySrn") or _Fields(fields.block("notifiedBody"), fields.where + " notifiedBody",
                                                   fields.problems).text("srn")
    return RegistrationRecord(
        source=SOURCE, source_url=source_url, raw=cert, regulator="EU", kind="EUDAMED certificate",
        number=number, device_name=device or kind_code.rsplit(".", 1)[-1].replace("-", " ") or "certificate",
        applicant=holder, decision_date=_date(fields.text("issueDate")),
        legislation=legislation(kind_code) or default_legislation,
        status=status(fields.code("certificateStatus") or fields.code("status")),
        extra={k: v for k, v in {
            "certificate_type": kind_code, "notified_body": nb, "srn": srn, "device": device,
            "expiry": (fields.text("expiryDate") or fields.text("certificateExpiry"))[:10],
        }.items() if v},
    )


def certificate_holder(cert: dict[str, Any], default: str, problems: list[str] | None = None) -> str:
    """Who holds a certificate of a certificate search: its ``actorName``, else ``default``."""
    return _Fields(cert, "certificate", problems).text("actorName") or default
