"""Build the packaged product catalogue (``tracker/resources/fda_ai_products.jsonl``) from the
FDA list of AI-enabled medical devices.

``classify-file`` without ``--products`` uses it to know which AI products exist (the
relevance gate and vendor independence need product and vendor names). One line per
product: registrations of one company whose names reduce to the same product name are
grouped; imaging systems (scanners, ultrasound systems) are left out, because a paper naming
the scanner it used does not evaluate AI. Run ``python -m tracker.devtools.builtin_catalog
CSV OUT`` after a new FDA list is added to the demo snapshot.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tracker.contract import write_jsonl
from tracker.names import normalize_company
from tracker.products.naming import modality, product_key, product_name

PANELS = {"Radiology", "Cardiovascular", "Neurology"}
IMAGING_CODES = {"QIH", "LLZ", "QAS", "QFM", "QDQ", "OEB", "JAK", "LNH", "MYN", "POK", "QBS",
                 "QKB", "QMV", "QPN", "IYN", "IYO", "ITX", "KPS", "MUJ", "OTE", "PJA", "QNP",
                 "QRX", "QVD", "OMJ", "QTZ", "PZP", "QJU", "QVN", "QWO", "QXO", "QIE"}
SYSTEM = re.compile(
    r"\b(somatom|magnetom|aquilion|revolution|signa|ingenia|achieva|biograph|senographe|"
    r"selenia|mammomat|vantage|logiq|voluson|epiq|affiniti|aplio|vivid|lumify|vscan|venue|"
    r"omni legend|naeotom|spectral ct|ultrasound system|scanner|mri system|ct system|"
    r"x-ray system|imaging system|uct|umr|upmr|nexaris|artis|luminos|ysio|multix|mobilett|"
    r"definium|optima|discovery|brivo|innova|allia|alphenix|vitrea advanced)\b", re.I)
SOURCE = "https://www.fda.gov/medical-devices/software-medical-device-samd/artificial-intelligence-enabled-medical-devices"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def build(records: Iterable[dict[str, str]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for row in records:
        device, company = row.get("Device", "").strip(), row.get("Company", "").strip()
        panel, code = row.get("Panel (Lead)", "").strip(), row.get("Primary Product Code", "")
        if not device or not company or panel not in PANELS:
            continue
        if panel != "Radiology" and code.strip().upper() not in IMAGING_CODES:
            continue  # an ECG or EEG algorithm is not imaging AI
        if SYSTEM.search(device):
            continue
        name = product_name(device)
        key = (normalize_company(company), product_key(name))
        entry = groups.setdefault(key, {"name": name, "company": company, "spellings": set(),
                                        "numbers": [], "modality": set(), "panel": panel})
        entry["spellings"].add(device)
        entry["numbers"].append(row.get("Submission Number", "").strip())
        found = modality(device, code)
        if found:
            entry["modality"].add(found)
    out = []
    for (company_key, name_key), entry in sorted(groups.items()):
        slug = re.sub(r"[^a-z0-9]+", "-", f"{company_key} {name_key}").strip("-")[:80]
        aliases = sorted(s for s in entry["spellings"] if product_key(s) != name_key)[:5]
        numbers = ", ".join(sorted(n for n in entry["numbers"] if n)[:6])
        out.append({"id": f"fda:{slug}", "name": entry["name"], "company": entry["company"],
                    "aliases": aliases, "modality": sorted(entry["modality"]),
                    "description": f"FDA AI-enabled device list, {entry['panel']} panel "
                                   f"({numbers})", "source_url": SOURCE})
    return out


def main(argv: list[str]) -> int:
    source, target = Path(argv[0]), Path(argv[1])
    products = build(rows(source))
    write_jsonl(target, products)
    sys.stdout.write(f"{target}: {len(products)} products\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
