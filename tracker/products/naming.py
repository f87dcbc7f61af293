"""Product names from device names, and the imaging modality a product works on.

``product_name`` turns the device name of one registration into the name of the product it
belongs to (rules in order; each is a rule of ``tracker.products.resolution``):

0. a device name that marks its trade name (``"Median LCS (internal name) / eyonis LCS
   (trade name)"``) is named by it, the other names becoming aliases;
1. several devices in one submission (``"MAGNETOM Sola; MAGNETOM Altea"``, ``"BriefCase, RIB
   Fractures Triage (RibFx)"``): the first one names the product (the others become aliases);
2. a finding or indication after a colon (``"BriefCase-Triage: CARE Multi-Triage CT Body"``)
   is dropped: a product cleared once per finding is one product;
3. trademark signs are dropped; parentheses holding a version, model or market code
   (``"(V1.2)"``, ``"(TSX-308A/3)"``, ``"(US)"``) are dropped, word-only ones kept
   (``"AI-Rad Companion (Pulmonary)"`` is its own product);
4. a ``" with ..."`` tail (``"Aquilion ONE V10.12 with Spectral Imaging System"``) is dropped;
5. version tokens (``"v1.1"``, ``"2.0"``, ``"V10.12"``, ``"Version VA40F"``, ``"(v3)"``) and a
   trailing year are dropped.
"""

from __future__ import annotations

import re

from tracker.names import fold

_MARKS = re.compile(r"[\u00ae\u2122\u2120\u00a9]")
_PAREN = re.compile(r"\s*\(([^()]*)\)")
_VERSION = re.compile(r"\b(?:version\s+)?(?:v\d+(?:\.\d+)*[a-z]?|\d+(?:\.\d+)+)(?![\w.])", re.I)
_SIEMENS_VERSION = re.compile(r"\b(?:version\s+)?V[A-Z]\d{2}[A-Z]?\b")
_YEAR = re.compile(r"\s+(?:19|20)\d{2}$")
_WITH = re.compile(r"\s+with\s+", re.I)


def listed_names(device_name: str) -> list[str]:
    """The devices one registration names (split on ';' then ',')."""
    parts = [p.strip() for p in device_name.split(";") if p.strip()]
    names: list[str] = []
    for part in parts or [device_name.strip()]:
        pieces = [p.strip() for p in part.split(",") if p.strip()]
        names += pieces if pieces and all(len(p) >= 3 for p in pieces) else [part]
    return names


def _drop_paren(match: re.Match[str]) -> str:
    inside = match.group(1).strip()
    if re.search(r"\d", inside) or inside.upper() in ("US", "USA", "EU") or inside.lower().startswith("version"):
        return ""
    return match.group(0)


_TRADE_NAME = re.compile(r"([^/;]+?)\s*\(trade name\)", re.I)
_OTHER_NAME = re.compile(r"([^/;]+?)\s*\((?:internal|former|previous|also known as|aka)[^)]*\)", re.I)


def trade_name(device_name: str) -> tuple[str, list[str]] | None:
    """0. A device name that marks its trade name ("Median LCS (internal name) / eyonis LCS
    (trade name)") names the product by the trade name; the other names are aliases."""
    found = _TRADE_NAME.search(device_name)
    if not found:
        return None
    others = [m.group(1).strip(" /") for m in _OTHER_NAME.finditer(device_name)]
    return found.group(1).strip(" /"), [o for o in others if o]


def product_name(device_name: str) -> str:
    """The product a device name belongs to (display form; compare with ``product_key``)."""
    marked = trade_name(device_name)
    if marked:
        device_name = marked[0]
    first = listed_names(device_name)[0] if device_name.strip() else device_name
    head, sep, tail = first.partition(":")
    name = head if sep and len(head.strip()) >= 3 else first
    name = _MARKS.sub("", name)
    name = _PAREN.sub(_drop_paren, name)
    name = _WITH.split(name)[0]
    name = _SIEMENS_VERSION.sub("", name)
    name = _VERSION.sub("", name)
    name = _YEAR.sub("", name)
    name = re.sub(r"\s+", " ", name).strip(" -/,.")
    return name or device_name.strip()


def product_key(name: str) -> str:
    return fold(name)


_KEYWORDS: list[tuple[str, re.Pattern[str]]] = [
    ("Mammography", re.compile(r"\b(mammo\w*|mmg|dbt|breast|tomosynthesis|tomo|senographe|pristina)\b")),
    ("CT", re.compile(r"\b(ct|cta|ncct|ctp|ctb|somatom|aquilion|naeotom|revolution|computed tomography|cardiq)\b")),
    ("MR", re.compile(r"\b(mr|mri|magnetom|signa|vantage|air recon|mrcat|ingenia)\b")),
    ("NM", re.compile(r"\b(pet|spect|biograph|scenium|xeleris|omni legend|nuclear)\b")),
    ("US", re.compile(r"\b(ultrasound|echo\w*|vivid|logiq|voluson|aplio|epiq|affiniti|lumify|vscan|venue)\b")),
    ("X-ray", re.compile(r"\b(cxr|x ray|xray|radiograph\w*|chest x|fluoro\w*|angio\w*)\b")),
]
_CODES = {
    "JAK": "CT", "OEB": "CT", "LNH": "MR", "MOS": "MR", "IYN": "US", "IYO": "US", "ITX": "US",
    "KPS": "NM", "MUJ": "RT", "OTE": "Mammography", "QDQ": "Mammography", "KPR": "X-ray",
    "MQB": "X-ray", "IZL": "X-ray", "OWB": "X-ray", "JAA": "X-ray", "QBS": "X-ray", "MYN": "X-ray",
}


def modality(device_name: str, product_code: str | None = None) -> str | None:
    """CT, MR, X-ray, Mammography, US, NM or RT: from the name's words first, then the FDA
    product code; ``None`` when neither says."""
    text = fold(device_name)
    for name, pattern in _KEYWORDS:
        if pattern.search(text):
            return name
    return _CODES.get((product_code or "").upper())
