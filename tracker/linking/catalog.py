"""The product catalogue the linker matches against, from the store (a products.jsonl file
is read by ``tracker.contract.read_products``): one ``ProductRecord`` per product."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from tracker.contract import ProductRecord


def catalog_from_store(session: Any) -> list[ProductRecord]:
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
        out.append(ProductRecord.model_construct(  # stored values: not validated again
            id=str(product.id), db_id=product.id, name=product.name,
            company=company.name if company else "",
            aliases=sorted(product_aliases.get(product.id or 0, [])),
            company_aliases=sorted(company_aliases.get(product.company_id, [])),
            modality=linking_modalities(product),
            description=product.description or ""))
    return out


STATED_MODALITY = frozenset({"M0", "M1", "M2", "O1"})
"""Modality rules the linker trusts (``tracker.products.taxonomy``): named in the product's
names, stated by its source or product code, or set by a person. Modalities implied by
findings, shared by the company's products or guessed are left out: a wrong modality makes
the linker drop a true link, a missing one only makes it less sure."""


def linking_modalities(product: Any) -> list[str]:
    """A stored product's modalities the linker reads (``STATED_MODALITY``)."""
    rule = ((product.taxonomy or {}).get("modality") or {}).get("rule")
    if rule is not None and rule not in STATED_MODALITY:
        return []
    return [m.strip() for m in re.split(r"[;,]", product.modality or "") if m.strip()]


def catalog_fingerprint(products: list[ProductRecord]) -> str:
    """Changes whenever a product, alias or company name changes (links are then redone)."""
    digest = hashlib.sha256()
    for p in sorted(products, key=lambda p: p.id):
        digest.update("\x1f".join([p.id, p.name, p.company, "|".join(sorted(p.aliases)),
                                   "|".join(sorted(p.company_aliases)), "|".join(p.modality),
                                   p.description]).encode())
    return digest.hexdigest()[:16]


BUILTIN_CATALOG = "fda_ai_products.jsonl"
"""The packaged catalogue (tracker/resources/): AI products of the FDA's AI-enabled device
list, built by ``tracker.devtools.builtin_catalog``; used when no catalogue is given."""


def builtin_catalog() -> list[ProductRecord]:
    """The packaged FDA AI product catalogue (imaging systems left out)."""
    from importlib.resources import as_file, files

    from tracker.contract import read_products

    with as_file(files("tracker.resources").joinpath(BUILTIN_CATALOG)) as path:
        products, _ = read_products([path])
    return products
