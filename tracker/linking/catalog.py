"""The product catalogue the linker matches against, from a JSONL file or from the store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from tracker.names import normalize_company


@dataclass
class CatalogProduct:
    """One product as the linker sees it; ``key`` is the file id or the database id."""

    key: str
    name: str
    company: str
    aliases: list[str] = field(default_factory=list)
    company_aliases: list[str] = field(default_factory=list)
    modality: list[str] = field(default_factory=list)
    description: str = ""
    db_id: int | None = None

    @property
    def company_key(self) -> str:
        return normalize_company(self.company) or self.company.lower()

    @property
    def text(self) -> str:
        """What the embedding model sees: name, company, modality and intended use."""
        parts = [self.name, f"by {self.company}"]
        if self.modality:
            parts.append(", ".join(self.modality))
        if self.description:
            parts.append(self.description)
        return ". ".join(parts)


def _strings(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float) and str(v).strip()]
    raise ValueError(f"expected a string or a list of strings, got {type(value).__name__}")


def product_from_json(obj: Any) -> CatalogProduct:
    """A product from an INTERFACES.md line; ``ValueError`` when a required field is missing."""
    if not isinstance(obj, dict):
        raise ValueError("a line must hold a JSON object")
    missing = [k for k in ("id", "name", "company")
               if not isinstance(obj.get(k), str | int) or not str(obj.get(k)).strip()]
    if missing:
        raise ValueError(f"missing required field(s): {', '.join(missing)}")
    return CatalogProduct(
        key=str(obj["id"]), name=str(obj["name"]).strip(), company=str(obj["company"]).strip(),
        aliases=_strings(obj.get("aliases")), company_aliases=_strings(obj.get("company_aliases")),
        modality=_strings(obj.get("modality")), description=str(obj.get("description") or ""),
    )


def catalog_from_store(session: Any) -> list[CatalogProduct]:
    """Every stored product with its aliases, its company and the company's aliases."""
    from sqlmodel import col, select

    from tracker.db.models import Company, CompanyAlias, Product, ProductAlias

    companies = {c.id: c for c in session.exec(select(Company))}
    company_aliases: dict[int, list[str]] = {}
    for alias in session.exec(select(CompanyAlias)):
        company_aliases.setdefault(alias.company_id, []).append(alias.alias)
    product_aliases: dict[int, list[str]] = {}
    for alias in session.exec(select(ProductAlias)):
        product_aliases.setdefault(alias.product_id, []).append(alias.alias)
    out = []
    for product in session.exec(select(Product).order_by(col(Product.id))):
        company = companies.get(product.company_id)
        out.append(CatalogProduct(
            key=str(product.id), db_id=product.id, name=product.name,
            company=company.name if company else "",
            aliases=sorted(product_aliases.get(product.id or 0, [])),
            company_aliases=sorted(company_aliases.get(product.company_id, [])),
            modality=[m.strip() for m in (product.modality or "").split(",") if m.strip()],
            description=product.description or ""))
    return out


def catalog_fingerprint(products: list[CatalogProduct]) -> str:
    """Changes whenever a product, alias or company name changes (links are then redone)."""
    digest = hashlib.sha256()
    for p in sorted(products, key=lambda p: p.key):
        digest.update("\x1f".join([p.key, p.name, p.company, "|".join(sorted(p.aliases)),
                                   "|".join(sorted(p.company_aliases)), "|".join(p.modality),
                                   p.description]).encode())
    return digest.hexdigest()[:16]
