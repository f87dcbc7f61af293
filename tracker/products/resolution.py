"""Product resolution: registrations grouped into products, products under companies.

The store holds products, not raw rows. ``resolve_products(session)`` is idempotent and runs
after every regulatory crawl (``tracker crawl`` and the nightly job call it). The grouping
rules, all of them here:

Companies
  C1. Spellings of one legal name are one company (``normalize_company``: case, punctuation,
      legal suffixes; done when registrations are stored).
  C2. Legal entities of one group and a brand's legal name are one company, named as the
      packaged ``company_aliases.toml`` says ("GE Medical Systems, LLC" and "GE Healthcare
      Japan Corporation" -> GE HealthCare; "iSchemaView, Inc." -> RapidAI). The other names
      stay as company aliases of kind ``legal``/``brand``/``former``.

Products (per company; a registration belongs to exactly one product)
  P1. The product name is the registration's device name cleaned by
      ``tracker.products.naming.product_name``: first of several listed devices, no
      finding/indication after a colon, no version, model code, trademark sign, " with ..."
      tail or year. Registrations of one company with the same cleaned name (folded) are one
      product: new versions ("Transpara 1.7.2", "Transpara (2.1.0)") and new indications
      are more clearances of the same product.
  P2. A product cleared once per finding is ONE product, not one per finding: Aidoc's
      BriefCase was cleared separately for each finding (ICH, LVO, PE, rib fractures, ...)
      and is sold and evaluated as one triage product; the finding stays on each
      registration (its device name and intended use). Renames and typos the data file lists
      (BriefCase -> BriefCase-Triage, "Al-Rad Companion" -> "AI-Rad Companion") are applied
      before grouping. Different product lines of one brand stay apart ("BriefCase-Quantification",
      "AI-Rad Companion (Pulmonary)" vs "(Cardiovascular)").
  P3. The other devices a registration lists become aliases of its product, as do the raw
      device names that differ from the product name (for the linker); such aliases never pull
      later registrations in ("MAGNETOM Vida, MAGNETOM Sola" does not make every later
      MAGNETOM Sola clearance a Vida one). Only a person's aliases do (P6).
  P4. EUDAMED devices group the same way by trade name; manufacturer-level EUDAMED
      certificates name no device and belong to no product (device-linked ones do).
  P5. A product's slug is ``<company>-<product>`` (slugified, unique); its modality comes
      from the device name's words, else the FDA product code (``naming.modality``).
  P6. Products a person added (``tracker add-product``, source ``user``) are matched like any
      other: a registration whose cleaned name equals one of their names or aliases joins them.
  P7. A company-prefixed name is the company's product of the rest of the name: "Viz LVO
      ContaCT" of Viz.ai is ContaCT when Viz.ai has a product ContaCT (the prefix is the
      company's own name, optionally followed by a finding abbreviation such as LVO or ICH).
  P8. Kind, taxonomy, family and display name are then computed for every product
      (``tracker.products.classify``), a person's corrections last.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import Company, Product, ProductAlias, Registration
from tracker.names import fold, slugify, strip_legal_form
from tracker.products.classify import classify_products
from tracker.products.companies import load_company_entries, merge_company_groups
from tracker.products.naming import listed_names, product_key, product_name, trade_name
from tracker.store.registrations import decision_order


def _renames(company: Company) -> dict[str, str]:
    """Folded alias -> product name, from the data file entry of this company."""
    out: dict[str, str] = {}
    for entry in load_company_entries():
        if entry.name == company.name:
            for name, aliases in entry.products:
                out.update({fold(a): name for a in aliases})
    return out


def unique_slug(session: Session, base: str) -> str:
    slug, n = base, 1
    while session.exec(select(Product.id).where(Product.slug == slug)).first() is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def find_product(session: Session, *, company_id: int, key: str) -> Product | None:
    """The company's product whose name or alias has this key (spaces ignored:
    "Aquilion ServeSP" is "Aquilion Serve SP")."""
    compact = key.replace(" ", "")
    products = session.exec(select(Product).where(Product.company_id == company_id)
                            .order_by(Product.id)).all()  # type: ignore[arg-type]
    for product in products:
        if product.normalized_name.replace(" ", "") == compact:
            return product
    # only a person's aliases pull registrations in; co-listed device names do not (P3)
    alias = session.exec(select(ProductAlias).join(Product, Product.id == ProductAlias.product_id)  # type: ignore[arg-type]
                         .where(Product.company_id == company_id, ProductAlias.normalized == key,
                                ProductAlias.source == "user")
                         .order_by(ProductAlias.id)).first()  # type: ignore[arg-type]
    return session.get(Product, alias.product_id) if alias else None


def add_product_alias(session: Session, *, product: Product, alias: str, source: str) -> bool:
    key = fold(alias)
    if not key or key == product.normalized_name:
        return False
    exists = session.exec(select(ProductAlias).where(ProductAlias.product_id == product.id,
                                                     ProductAlias.normalized == key)).first()
    if exists is not None:
        return False
    session.add(ProductAlias(product_id=product.id or 0, alias=alias, normalized=key, source=source))
    session.flush()
    return True


def _product_for(session: Session, reg: Registration, company: Company, counts: Counter[str]) -> Product:
    name = product_name(reg.device_name)
    name = _renames(company).get(fold(name), name)
    key = product_key(name)
    product = find_product(session, company_id=company.id or 0, key=key)
    if product is None:
        product = _prefixed_twin(session, name, company)
    if product is None:
        product = Product(slug=unique_slug(session, slugify(f"{company.name} {name}")), company_id=company.id or 0,
                          name=name, normalized_name=key, display_name=name,
                          source="resolution", source_url=reg.summary_url or reg.source_url)
        session.add(product)
        session.flush()
        counts["products_new"] += 1
    marked = trade_name(reg.device_name)
    for other in [reg.device_name, *listed_names(reg.device_name)[1:], *(marked[1] if marked else [])]:
        counts["product_aliases_added"] += add_product_alias(session, product=product, alias=other,
                                                             source=f"resolution:{reg.source}")
    return product


_FINDING_ABBREVIATION = re.compile(r"^[A-Z]{2,5}$")


def without_company_prefix(name: str, company: Company) -> str | None:
    """P7: the rest of a name that begins with the company's own name ("Viz LVO ContaCT" of
    Viz.ai -> "ContaCT"; a finding abbreviation after the company name is dropped too)."""
    brand = fold(strip_legal_form(company.name)).split()
    words = name.split()
    folded = [fold(w) for w in words]
    if not brand or len(words) <= len(brand) or folded[:len(brand)] != brand:
        brand = brand[:1]  # "Viz" of "Viz.ai"
        if not brand or len(brand[0]) < 3 or len(words) < 2 or folded[0] != brand[0]:
            return None
    rest = words[len(brand):]
    if len(rest) > 1 and _FINDING_ABBREVIATION.match(rest[0]):
        rest = rest[1:]
    return " ".join(rest) or None


def _prefixed_twin(session: Session, name: str, company: Company) -> Product | None:
    """P7 both ways: the product this company-prefixed name restates, or the prefixed
    product this plain name is."""
    rest = without_company_prefix(name, company)
    if rest:
        found = find_product(session, company_id=company.id or 0, key=product_key(rest))
        if found is not None:
            return found
    compact = product_key(name).replace(" ", "")
    for product in session.exec(select(Product).where(Product.company_id == company.id)
                                .order_by(Product.id)):  # type: ignore[arg-type]
        other = without_company_prefix(product.name, company)
        if other and product_key(other).replace(" ", "") == compact:
            return product
    return None


def resolve_products(session: Session) -> dict[str, Any]:
    """Merge company groups, then give every registration without a product its product.
    Commits; returns counts (a second run returns zeros)."""
    counts: Counter[str] = Counter(merge_company_groups(session))
    # products are created (and numbered) in decision order, not in the order a crawl stored
    # the registrations
    pending = session.exec(select(Registration).where(col(Registration.product_id).is_(None))
                           .order_by(*decision_order())).all()
    for reg in pending:
        if reg.kind == "EUDAMED certificate" and not (reg.extra or {}).get("device"):
            continue
        company = session.get(Company, reg.company_id) if reg.company_id else None
        if company is None:
            counts["registrations_without_company"] += 1
            continue
        reg.product_id = _product_for(session, reg, company, counts).id
        session.add(reg)
        counts["registrations_linked"] += 1
    session.commit()
    classified = classify_products(session)
    total = session.exec(select(Product.id)).all()
    return {**{k: v for k, v in counts.items()}, "products_classified": classified["products_classified"],
            "products": len(total)}
