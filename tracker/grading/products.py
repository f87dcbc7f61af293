"""Products for vendor independence: which vendors' products does a paper name?"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from tracker.grading.paper import PaperText
from tracker.names import fold


@dataclass
class ProductRef:
    id: str
    names: list[str]
    vendors: list[str] = field(default_factory=list)


def product_from_json(obj: dict) -> ProductRef:
    """A product line of INTERFACES.md; raises ``ValueError`` without id, name or company."""
    if not isinstance(obj, dict) or not all(obj.get(k) for k in ("id", "name", "company")):
        raise ValueError("a product needs id, name and company")
    aliases = [a for a in obj.get("aliases") or [] if isinstance(a, str)]
    company_aliases = [a for a in obj.get("company_aliases") or [] if isinstance(a, str)]
    return ProductRef(id=str(obj["id"]), names=[obj["name"], *aliases],
                      vendors=[obj["company"], *company_aliases])


def read_products(path: Path) -> tuple[list[ProductRef], list[str]]:
    """Products from a JSONL file and the problems of lines that were skipped."""
    products, problems = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            products.append(product_from_json(json.loads(line)))
        except (ValueError, json.JSONDecodeError) as exc:
            problems.append(f"{path}:{number}: {exc}")
    return products, problems


def _contains(folded_text: str, name: str) -> bool:
    key = fold(name)
    return len(key) >= 3 and f" {key} " in folded_text


def vendor_finder(products: Iterable[ProductRef]) -> Callable[[PaperText], list[str]]:
    """A function giving, for a paper, the company names of the products it names in its
    title or abstract (with their aliases); a vendor named alone counts too."""
    from tracker.grading.vendor import vendor_variants

    refs = list(products)
    brands = {ref.id: vendor_variants(ref.vendors) for ref in refs}

    def vendors_for(paper: PaperText) -> list[str]:
        text = f" {fold(paper.text)} "
        found: list[str] = []
        for ref in refs:
            if any(_contains(text, n) for n in ref.names) or any(
                    _contains(text, v) for v in brands[ref.id]):
                found.extend(ref.vendors)
        return list(dict.fromkeys(found))

    return vendors_for
