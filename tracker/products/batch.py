"""``tracker classify-products`` and ``tracker eval products``: kind and taxonomy of the
products of a JSONL file, and their figures against labels (docs/interfaces.md)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tracker.contract import ProductFactsRecord
from tracker.names import fold
from tracker.products.classify import Classified, classify_all, family_names
from tracker.products.kinds import DEVICE_CODES, IMAGING_SYSTEM, SOFTWARE
from tracker.products.naming import product_name
from tracker.products.taxonomy import Facts


def facts_of(record: ProductFactsRecord) -> Facts:
    """A line as the store's rules see a product: the name cleaned as a registration's
    device name is (``tracker.products.naming``), the raw name kept as a device name."""
    name = product_name(record.name) or record.name
    return Facts(name=name, company=record.company,
                 device_names=tuple(dict.fromkeys([*record.device_names, *record.aliases,
                                                   *([record.name] if name != record.name else [])])),
                 product_codes=tuple(c.upper() for c in record.product_codes), panels=tuple(record.panels),
                 description=record.description, modality_hint=tuple(record.modality))


def classify_records(records: list[ProductFactsRecord]) -> list[dict[str, Any]]:
    """One output line per product (the order of the input)."""
    results = classify_all([(i, r.company_key, facts_of(r)) for i, r in enumerate(records)])
    by_company: dict[str, list[str]] = {}
    for record in records:
        by_company.setdefault(record.company_key, []).append(record.name)
    families = {key: family_names(names) for key, names in by_company.items()}
    return [_row(record, results[i], families[record.company_key].get(record.name))
            for i, record in enumerate(records)]


def _row(record: ProductFactsRecord, found: Classified, family: str | None) -> dict[str, Any]:
    tax = found.taxonomy
    sources = {"kind": {"rule": found.kind.rule, "source": found.kind.reason}, **tax.sources}
    return {"product_id": record.id, "name": record.name, "company": record.company,
            "kind": found.kind.kind, "kind_reason": found.kind.reason,
            "product_type": tax.product_type, "modality": tax.modality,
            "subspecialty": tax.subspecialty, "findings": tax.findings,
            "findings_count": len(tax.findings) or None, "family": family, "sources": sources}


def code_only_kind(record: ProductFactsRecord) -> str:
    """The baseline the issue measured: a device product code means an imaging system."""
    return IMAGING_SYSTEM if any(c.upper() in DEVICE_CODES for c in record.product_codes[:1]) else SOFTWARE


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def evaluate(records: list[ProductFactsRecord]) -> dict[str, Any]:
    """Kind accuracy (and the product-code-only baseline), fill rates of modality and
    subspecialty on software products, and agreement with the taxonomy labels given."""
    rows = classify_records(records)
    kind_total = kind_hits = code_hits = 0
    confusion: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    software = [row for row in rows if row["kind"] == SOFTWARE]
    figures: dict[str, Any] = {"products": len(rows), "software_products": len(software)}
    for record, row in zip(records, rows, strict=True):
        if record.gold_kind:
            gold = record.gold_kind.strip().lower()
            kind_total += 1
            kind_hits += row["kind"] == gold
            code_hits += code_only_kind(record) == gold
            confusion[f"{gold} -> {row['kind']}"] += 1
            if row["kind"] != gold:
                errors.append({"product_id": record.id, "name": record.name, "gold": gold,
                               "kind": row["kind"], "why": row["kind_reason"]})
    figures["kind"] = {"labelled": kind_total, "accuracy": _share(kind_hits, kind_total),
                       "code_only_accuracy": _share(code_hits, kind_total),
                       "confusion": dict(sorted(confusion.items())), "errors": errors}
    figures["fill_rate"] = {
        "modality": _share(sum(bool(r["modality"]) for r in software), len(software)),
        "subspecialty": _share(sum(bool(r["subspecialty"]) for r in software), len(software)),
        "product_type": _share(sum(bool(r["product_type"]) for r in software), len(software)),
    }
    figures["agreement"] = {
        "modality": _agreement(records, rows, "gold_modality", "modality", sets=True),
        "subspecialty": _agreement(records, rows, "gold_subspecialty", "subspecialty"),
        "product_type": _agreement(records, rows, "gold_product_type", "product_type"),
    }
    return figures


def _agreement(records: list[ProductFactsRecord], rows: list[dict[str, Any]], gold_field: str,
               field: str, *, sets: bool = False) -> dict[str, Any]:
    """Exact agreement on the labelled lines; for lists also the share where the first
    predicted value is among the gold ones."""
    total = exact = first = 0
    for record, row in zip(records, rows, strict=True):
        gold = getattr(record, gold_field)
        if gold in (None, [], ""):
            continue
        total += 1
        if sets:
            want = {fold(g) for g in gold}
            got = [fold(v) for v in row[field] or []]
            exact += set(got) == want
            first += bool(got) and got[0] in want
        else:
            exact += fold(str(row[field] or "")) == fold(str(gold))
    out: dict[str, Any] = {"labelled": total, "accuracy": _share(exact, total)}
    if sets:
        out["first_value_in_gold"] = _share(first, total)
    return out
