"""A user's own product (``tracker add-product``): for products no regulator lists yet (a
CE mark seen in the news, a vendor page). Stored with source ``user`` and the user's note as
its provenance; resolution later joins registrations whose cleaned name matches it."""

from __future__ import annotations

from sqlmodel import Session

from tracker.db.models import Product
from tracker.names import fold, slugify
from tracker.products.resolution import add_product_alias, find_product, unique_slug
from tracker.store.companies import get_or_create_company


def add_product(session: Session, *, name: str, company: str, aliases: list[str] | None = None,
                modality: str | None = None, source_note: str = "", description: str | None = None) -> tuple[Product, bool]:
    """Create (or complete) a product; returns it and whether it was new. Commits."""
    if not name.strip() or not company.strip():
        raise ValueError("a product needs a name and a company")
    owner = get_or_create_company(session, name=company, source="user", source_url=source_note)
    key = fold(name)
    product = find_product(session, company_id=owner.id or 0, key=key)
    created = product is None
    if product is None:
        product = Product(slug=unique_slug(session, slugify(f"{owner.name} {name}")), company_id=owner.id or 0,
                          name=name.strip(), normalized_name=key, modality=modality, description=description,
                          source="user", source_url=source_note)
        session.add(product)
        session.flush()
    else:
        product.modality = product.modality or modality
        product.description = product.description or description
        session.add(product)
    for alias in aliases or []:
        add_product_alias(session, product=product, alias=alias, source="user")
    session.commit()
    return product, created
