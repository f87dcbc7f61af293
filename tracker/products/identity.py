"""A person's corrections of the product universe: a product's kind or taxonomy, and merging
or splitting products. Each is kept as a ``ProductOverride`` row (who, when, why), which
``tracker.products.classify`` applies last on every run, so no automatic run undoes it.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from tracker.db.models import Product, ProductOverride, Registration
from tracker.names import fold, slugify
from tracker.products.classify import OVERRIDABLE, classify_products
from tracker.products.taxonomy import MODALITIES, PRODUCT_TYPES, SUBSPECIALTIES
from tracker.store.universe import KINDS

_CHOICES: dict[str, tuple[str, ...]] = {"kind": KINDS, "subspecialty": SUBSPECIALTIES,
                                        "product_type": PRODUCT_TYPES}


def _check(field_name: str, value: Any) -> Any:
    if field_name not in OVERRIDABLE:
        raise ValueError(f"{field_name!r} is not a product field a person sets ({', '.join(OVERRIDABLE)})")
    if field_name in _CHOICES:
        if value not in _CHOICES[field_name]:
            raise ValueError(f"{field_name} must be one of: {', '.join(_CHOICES[field_name])}")
        return value
    if field_name == "modality":
        values = [value] if isinstance(value, str) else list(value or [])
        known = {fold(m): m for m in MODALITIES}
        out = []
        for item in values:
            for part in str(item).replace(",", ";").split(";"):
                if part.strip() and fold(part) not in known:
                    raise ValueError(f"unknown modality {part.strip()!r} (one of: {', '.join(MODALITIES)})")
                if part.strip():
                    out.append(known[fold(part)])
        return out
    if field_name == "findings":
        return [str(v).strip() for v in ([value] if isinstance(value, str) else value or []) if str(v).strip()]
    return str(value).strip() or None  # family


def override_product(session: Session, *, product: Product, field_name: str, value: Any,
                     author: str, reason: str = "") -> ProductOverride:
    """Set one field of a product for good (validated; a bad value raises ValueError)."""
    if not author.strip():
        raise ValueError("an override needs an author")
    row = ProductOverride(product_id=product.id or 0, field_name=field_name, value=_check(field_name, value),
                          author=author, reason=reason)
    session.add(row)
    session.commit()
    classify_products(session)
    session.refresh(row)
    return row


def merge_products(session: Session, *, keep: Product, drop: Product, author: str, reason: str = "") -> Product:
    """One product from two: ``drop``'s registrations, aliases, links, mentions and
    corrections move to ``keep``; its name stays as an alias that pulls later registrations."""
    from tracker.products.companies import merge_products as fold_into
    from tracker.products.resolution import add_product_alias

    if keep.id == drop.id:
        raise ValueError("a product cannot be merged into itself")
    dropped_name = drop.name
    dropped = {"slug": drop.slug, "name": drop.name, "company_id": drop.company_id}
    fold_into(session, keep=keep, drop=drop)
    add_product_alias(session, product=keep, alias=dropped_name, source="user")
    session.add(ProductOverride(product_id=keep.id or 0, field_name="merged", value=dropped,
                                author=author, reason=reason))
    session.commit()
    classify_products(session)
    session.refresh(keep)
    return keep


def split_product(session: Session, *, product: Product, numbers: list[str], name: str,
                  author: str, reason: str = "") -> Product:
    """A new product of the same company from some of ``product``'s registrations
    (by number); the rest stay. The new name becomes an alias that pulls later ones."""
    from tracker.products.resolution import add_product_alias, unique_slug

    wanted = {n.strip().upper() for n in numbers if n.strip()}
    regs = session.exec(select(Registration).where(Registration.product_id == product.id)).all()
    moving = [r for r in regs if r.number.upper() in wanted]
    missing = wanted - {r.number.upper() for r in moving}
    if missing:
        raise ValueError(f"not registrations of {product.slug}: {', '.join(sorted(missing))}")
    if len(moving) == len(regs):
        raise ValueError("a split must leave the product at least one registration")
    if not name.strip() or fold(name) == product.normalized_name:
        raise ValueError("the new product needs a name of its own")
    exists = session.exec(select(Product).where(Product.company_id == product.company_id,
                                                Product.normalized_name == fold(name))).first()
    if exists is not None:
        raise ValueError(f"the company already has a product {exists.name!r} ({exists.slug}): merge instead")
    new = Product(slug=unique_slug(session, slugify(f"{product.slug} {name}")), company_id=product.company_id,
                  name=name.strip(), normalized_name=fold(name), display_name=name.strip(), source="user",
                  source_url=product.source_url)
    session.add(new)
    session.flush()
    for reg in moving:
        reg.product_id = new.id
        session.add(reg)
    add_product_alias(session, product=new, alias=name, source="user")
    session.add(ProductOverride(product_id=new.id or 0, field_name="split",
                                value={"from": product.slug, "registrations": sorted(r.number for r in moving)},
                                author=author, reason=reason))
    session.commit()
    classify_products(session)
    session.refresh(new)
    return new
