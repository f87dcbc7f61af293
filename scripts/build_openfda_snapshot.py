"""Build the openFDA-shaped replay snapshot (``data/snapshot/openfda/``) from real data.

    python scripts/build_openfda_snapshot.py [--shared ../shared/data]

Inputs (development only; tests and the demo read the snapshot, never these):
- the FDA AI list CSV of the snapshot (``data/snapshot/fda/ai-ml-enabled-devices.csv``);
- ``fda/fda_ai_devices_enriched_2025-09.json`` (openFDA-derived: received date, decision date,
  summary link) from the shared data folder;
- ``devices/wu2021/database_aiml_dfs_aiml_df.csv`` (MIT): the FDA classification columns
  (regulation number, classification name) per product code.

Records follow openFDA's published field names. The queries are built with the spiders' own
query functions, so a first crawl after the FDA list asks exactly what is recorded here; any
other question gets openFDA's real "no matches" answer (HTTP 404, ``NOT_FOUND``).
"""

from __future__ import annotations

import argparse
import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tracker.config import get_settings
from tracker.parsers.fda_list import parse_fda_csv
from tracker.parsers.openfda import or_terms

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "snapshot" / "openfda"
BATCH = 50
META = {
    "disclaimer": "Do not rely on openFDA to make decisions regarding medical care. While we make every "
                  "effort to ensure that data is accurate, you should assume all results are unvalidated.",
    "terms": "https://open.fda.gov/terms/", "license": "https://open.fda.gov/license/",
    "last_updated": "2025-10-01",
}
NOT_FOUND = {"error": {"code": "NOT_FOUND", "message": "No matches found!"}}


def classification_table(shared: Path) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    with open(shared / "devices" / "wu2021" / "database_aiml_dfs_aiml_df.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            code = row["classification_product_code"].upper()
            if not row["regulation_number"].startswith("892") or code in table:
                continue
            whole, _, part = row["regulation_number"].partition(".")
            table[code] = {"regulation_number": f"{whole}.{part.ljust(4, '0')}",
                           "device_name": row["device_classification_name"].strip().title(),
                           "device_class": "2"}
    return table


def k_record(row: Any, enriched: dict[str, Any], table: dict[str, dict[str, str]]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "k_number": row.number, "applicant": row.applicant, "device_name": row.device_name,
        "decision_date": row.decision_date.isoformat(), "date_received": enriched.get("received_date") or "",
        "decision_code": "SESE", "decision_description": "Substantially Equivalent",
        "product_code": row.product_code or "", "advisory_committee": "RA",
        "advisory_committee_description": "Radiology", "review_advisory_committee": "RA",
        "statement_or_summary": "Summary" if enriched.get("summary_url") else "",
        "openfda": {},
    }
    known = table.get(row.product_code or "")
    if known:
        item["openfda"] = {**known, "medical_specialty_description": "Radiology"}
    return item


def pma_record(row: Any, enriched: dict[str, Any], table: dict[str, dict[str, str]]) -> dict[str, Any]:
    base, _, supplement = row.number.partition("/")
    known = table.get(row.product_code or "", {})
    return {
        "pma_number": base, "supplement_number": supplement, "applicant": row.applicant,
        "trade_name": row.device_name, "generic_name": known.get("device_name", ""),
        "decision_date": row.decision_date.isoformat(), "date_received": enriched.get("received_date") or "",
        "decision_code": "APPR", "product_code": row.product_code or "", "advisory_committee": "RA",
        "advisory_committee_description": "Radiology",
        "openfda": ({**known, "device_class": "3"} if known else {}),
    }


class Writer:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []
        self.count = 0

    def page(self, path: str, query: dict[str, Any], results: list[dict[str, Any]], *, skip: int,
             limit: int, total: int, link: str | None = None) -> None:
        self.count += 1
        name = f"{path.strip('/').replace('/', '_').replace('.json', '')}_{self.count:03d}.json"
        body = {"meta": {**META, "results": {"skip": skip, "limit": limit, "total": total}}, "results": results}
        (OUT / name).write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", "utf-8")
        headers = {"Content-Type": "application/json"}
        if link:
            headers["Link"] = link
        self.lines.append({"method": "GET", "path": path, "query": {k: str(v) for k, v in query.items()},
                           "status": 200, "headers": headers, "body": name})

    def catch_all(self, path: str) -> None:
        name = "not_found.json"
        (OUT / name).write_text(json.dumps(NOT_FOUND) + "\n", "utf-8")
        self.lines.append({"method": "GET", "path": path, "query": {}, "status": 404,
                           "headers": {"Content-Type": "application/json"}, "body": name})


def cursor(item: dict[str, Any]) -> str:
    stamp = int(datetime.fromisoformat(item["decision_date"]).timestamp() * 1000)
    return f"0={stamp};1={item['k_number'].lower()}"


def write_paged(writer: Writer, path: str, search: str, items: list[dict[str, Any]], limit: int) -> None:
    """Skip pages and, for the same result set, search_after pages chained by Link headers."""
    total = len(items)
    pages = [items[i:i + limit] for i in range(0, total, limit)] or [[]]
    for n, chunk in enumerate(pages):
        skip = n * limit
        has_next = skip + limit < total
        after = cursor(chunk[-1]) if has_next else None
        link = (f'<https://api.fda.gov{path}?{urlencode({"search": search, "limit": limit, "skip": 0, "search_after": after})}>;'
                ' rel="next"') if after else None
        if n == 0:
            writer.page(path, {"search": search, "limit": limit}, chunk, skip=0, limit=limit, total=total, link=link)
            continue
        writer.page(path, {"search": search, "limit": limit, "skip": skip}, chunk, skip=skip, limit=limit, total=total)
        before = cursor(pages[n - 1][-1])
        writer.page(path, {"search": search, "limit": limit, "search_after": before}, chunk, skip=0,
                    limit=limit, total=total, link=link)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ns = parser.parse_args()
    settings = get_settings()
    limit = settings.openfda_page_size
    table = classification_table(ns.shared)
    enriched = {r["submission_id"]: r for r in json.loads(
        (ns.shared / "fda" / "fda_ai_devices_enriched_2025-09.json").read_text("utf-8"))}
    rows = parse_fda_csv((ROOT / "data/snapshot/fda/ai-ml-enabled-devices.csv").read_text("utf-8"),
                         panel="Radiology").records
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    writer = Writer()
    # 510(k): a few hundred recent radiology clearances that openFDA data (to 2025-09) covers
    chosen = [r for r in rows if r.kind == "510(k)" and r.decision_date.year >= 2024
              and (enriched.get(r.number) or {}).get("decision_date_openfda")]
    k_items = {r.number: k_record(r, enriched[r.number], table) for r in chosen}
    numbers = sorted(r.number for r in rows if r.kind == "510(k)")
    for i in range(0, len(numbers), BATCH):
        found = [k_items[n] for n in numbers[i:i + BATCH] if n in k_items]
        if found:
            writer.page("/device/510k.json", {"search": or_terms("k_number", numbers[i:i + BATCH]), "limit": limit},
                        found, skip=0, limit=limit, total=len(found))
    codes = sorted(settings.openfda_product_codes)
    by_code = sorted((x for x in k_items.values() if x["product_code"] in codes),
                     key=lambda x: (x["decision_date"], x["k_number"]))
    write_paged(writer, "/device/510k.json", or_terms("product_code", codes), by_code, limit)
    writer.catch_all("/device/510k.json")
    # PMA: the list's radiology PMA decisions
    pmas = [r for r in rows if r.kind == "PMA"]
    bases = sorted({r.number.split("/")[0] for r in pmas})
    items = [pma_record(r, enriched.get(r.number, {}), table) for r in sorted(pmas, key=lambda r: r.number)]
    writer.page("/device/pma.json", {"search": or_terms("pma_number", bases), "limit": limit}, items,
                skip=0, limit=limit, total=len(items))
    writer.catch_all("/device/pma.json")
    # classification: every product code of the list's radiology rows that wu2021 describes
    all_codes = sorted({r.product_code for r in rows if r.product_code})
    for i in range(0, len(all_codes), BATCH):
        batch = all_codes[i:i + BATCH]
        found = [{"product_code": c, "device_name": table[c]["device_name"], "device_class": "2",
                  "regulation_number": table[c]["regulation_number"], "medical_specialty": "RA",
                  "medical_specialty_description": "Radiology", "review_panel": "RA"}
                 for c in batch if c in table]
        writer.page("/device/classification.json", {"search": or_terms("product_code", batch), "limit": limit},
                    found, skip=0, limit=limit, total=len(found))
    writer.catch_all("/device/classification.json")
    (OUT / "manifest.jsonl").write_text("".join(json.dumps(x) + "\n" for x in writer.lines), "utf-8")
    print(f"{len(k_items)} 510(k) records, {len(items)} PMA records, {writer.count} pages -> {OUT}")


if __name__ == "__main__":
    main()
