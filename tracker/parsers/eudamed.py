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
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from tracker.names import fold
from tracker.parsers import Parsed
from tracker.records import RegistrationRecord

SOURCE = "eudamed"
_CLASSES = {"class-i": "I", "class-iia": "IIa", "class-iib": "IIb", "class-iii": "III"}
_LEGISLATIONS = ("mdr", "mdd", "aimdd", "ivdr", "ivdd")


class FilterIgnored(ValueError):
    """A response contains rows that do not match the filter asked for."""


@dataclass
class EudamedPage(Parsed[Any]):
    total: int = 0
    number: int = 0
    last: bool = True
    rows: list[dict[str, Any]] = field(default_factory=list)


def _code(value: Any) -> str:
    return str((value or {}).get("code") or "") if isinstance(value, dict) else str(value or "")


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


def _date(value: Any) -> date | None:
    text = str(value or "")[:10]
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        return None


def parse_page(body: bytes) -> EudamedPage:
    page = EudamedPage()
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        page.problems.append(f"malformed JSON: {exc}")
        return page
    if not isinstance(data, dict) or not isinstance(data.get("content"), list):
        page.problems.append("not a page: no content list")
        return page
    page.rows = [r for r in data["content"] if isinstance(r, dict)]
    page.total = int(data.get("totalElements") or 0)
    page.number = int(data.get("number") or 0)
    page.last = bool(data.get("last", True))
    return page


def check_filter(rows: list[dict[str, Any]], *, key: str, expected: str, contains: bool = False) -> None:
    """Every row's ``key`` equals (or, folded, contains) ``expected``, else ``FilterIgnored``."""
    want = fold(expected)
    for row in rows:
        value = fold(str(row.get(key) or ""))
        if (want not in value) if contains else (value != want):
            raise FilterIgnored(f"row with {key}={row.get(key)!r} does not match the filter {expected!r}: "
                                "the API ignored the filter parameter")


def device_record(row: dict[str, Any], *, source_url: str, detail: dict[str, Any] | None = None) -> RegistrationRecord:
    detail = detail or {}
    number = str(row.get("primaryDi") or row.get("uuid") or "").strip()
    if not number or not row.get("manufacturerName"):
        raise ValueError("device without primaryDi or manufacturerName")
    return RegistrationRecord(
        source=SOURCE, source_url=source_url, raw=row, regulator="EU", kind="EUDAMED device",
        number=number, device_name=str(row.get("tradeName") or row.get("deviceName") or "").strip() or number,
        applicant=str(row["manufacturerName"]).strip(),
        ce_class=ce_class(detail.get("riskClass") or row.get("riskClass")),
        legislation=legislation(detail.get("legislation") or row.get("applicableLegislation")),
        status=status(row.get("deviceStatusType")),
        extra={k: v for k, v in {
            "basic_udi": row.get("basicUdi"), "srn": row.get("manufacturerSrn"), "uuid": row.get("uuid"),
            "certificates": [c.get("certificateNumber") for c in certificates_of(detail)],
        }.items() if v},
    )


def certificates_of(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return list(detail.get("deviceCertificateInfoList") or detail.get("deviceCertificateInfoListForDisplay") or [])


def certificate_record(cert: dict[str, Any], *, source_url: str, holder: str, srn: str | None = None,
                       device: str | None = None, default_legislation: str | None = None) -> RegistrationRecord:
    number = str(cert.get("certificateNumber") or "").strip()
    if not number:
        raise ValueError("certificate without certificateNumber")
    kind_code = _code(cert.get("certificateType"))
    nb = cert.get("notifiedBodySrn") or ((cert.get("notifiedBody") or {}).get("srn"))
    return RegistrationRecord(
        source=SOURCE, source_url=source_url, raw=cert, regulator="EU", kind="EUDAMED certificate",
        number=number, device_name=device or kind_code.rsplit(".", 1)[-1].replace("-", " ") or "certificate",
        applicant=holder, decision_date=_date(cert.get("issueDate")),
        legislation=legislation(kind_code) or default_legislation,
        status=status(cert.get("certificateStatus") or cert.get("status")),
        extra={k: v for k, v in {
            "certificate_type": kind_code, "notified_body": nb, "srn": srn, "device": device,
            "expiry": str(cert.get("expiryDate") or cert.get("certificateExpiry") or "")[:10],
        }.items() if v},
    )
