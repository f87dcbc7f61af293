"""Kind, taxonomy, family and display name of every stored product, with a person's
corrections applied last.

``classify_products(session)`` runs after product resolution (``resolve_products`` calls it)
and is idempotent. For each product it reads its registrations (device names, product
codes, panels) and company, applies ``tracker.products.kinds`` and
``tracker.products.taxonomy``, then the store-wide rules:

  M4. A software product whose names and codes state no modality takes the modality its
      company's other products share (all of them the same one).
  M1c. Else anatomy words suggest one (lung: CT; brain: MR; knee: X-ray).
  M5. Else the modality most products with its product code have (at least 3 products and
      70% of them), with that share as its source.
  M7. Else the most common modality of products of its subspecialty (then of its product
      code), marked as a guess with its share.
  N1. Family: products of one company whose names begin with the same words (a line such as
      "BriefCase" or "Annalise Enterprise") belong to that family; the shortest shared
      beginning that is not a generic word names it.
  N2. Display name: the name, or "name (company)" where products of several companies share
      it; unique over the store.
  I1. A modality or subspecialty an imported product list stated (``tracker import-products``,
      rule ``import``) stays, with its source, over the rules above.
  O1. A person's correction (``ProductOverride``, latest per field) wins over all of these,
      and its source says who decided it and why.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import Company, Product, ProductOverride, Registration
from tracker.db.serial import serialize
from tracker.names import fold, strip_legal_form
from tracker.products.kinds import DEVICE_CODES, IMAGING_SYSTEM, Kind, product_kind
from tracker.products.taxonomy import MULTI, Facts, Taxonomy, anatomy_modality, classify
from tracker.store.registrations import decision_order

OVERRIDABLE = ("kind", "product_type", "modality", "subspecialty", "family", "findings")
IMPORTED = ("modality", "subspecialty")
"""Fields an imported product list may state (I1)."""
_GENERIC = frozenset(
    ["ai", "a", "the", "auto", "smart", "deep", "brain", "lung", "ct", "mr", "mri", "x", "digital", "diagnostic", "ultrasound", "system", "image", "imaging", "advanced", "intelligent", "cardiac", "liver", "breast", "spine", "chest", "bone", "vital", "precision", "quantitative", "clinical", "medical", "health", "software", "dl", "net", "plus", "pro", "one", "new"])
_TOKEN = re.compile(r"[\s\-:_/,]+")


def facts_for(product: Product, company: Company | None, registrations: list[Registration]) -> Facts:
    return Facts(name=product.name, company=company.name if company else "",
                 device_names=tuple(dict.fromkeys(r.device_name for r in registrations if r.device_name)),
                 product_codes=tuple(c for c, _ in Counter(r.product_code for r in registrations
                                                           if r.product_code).most_common()),
                 panels=tuple(dict.fromkeys(r.panel for r in registrations if r.panel)),
                 description=product.description or "")


def family_names(names: list[str]) -> dict[str, str]:
    """N1 for one company's product names: name -> family, for names that share a line."""
    tokens = {n: [t for t in _TOKEN.split(n) if t] for n in names}
    out: dict[str, str] = {}
    for name, words in tokens.items():
        for size in range(1, len(words) + 1):
            head = [fold(w) for w in words[:size]]
            if all(h in _GENERIC for h in head) or len("".join(head)) < 3:
                continue
            shared = [other for other, ow in tokens.items() if other != name
                      and [fold(w) for w in ow[:size]] == head]
            if shared:
                out[name] = _prefix_text(name, size)
            break
    return out


def _prefix_text(name: str, size: int) -> str:
    """The first ``size`` words of ``name`` as written (separators kept)."""
    parts = [m for m in re.finditer(r"[^\s\-:_/,]+", name)]
    return name[: parts[size - 1].end()] if len(parts) >= size else name


def latest_overrides(session: Session) -> dict[int, dict[str, ProductOverride]]:
    out: dict[int, dict[str, ProductOverride]] = defaultdict(dict)
    for row in session.exec(select(ProductOverride).order_by(ProductOverride.created_at, ProductOverride.id)):  # type: ignore[arg-type]
        out[row.product_id][row.field_name] = row
    return out


def _modality_text(values: list[str]) -> str | None:
    return ";".join(values) if values else None


@dataclass
class Classified:
    kind: Kind
    taxonomy: Taxonomy
    facts: Facts


def classify_all(entries: Sequence[tuple[Hashable, Hashable, Facts]]) -> dict[Hashable, Classified]:
    """Kind and taxonomy of each ``(key, company_key, facts)``, with the priors over all of
    them (M4, M5): the store's products, or the lines of a products file."""
    out: dict[Hashable, Classified] = {}
    for key, _company, facts in entries:
        kind = product_kind(facts.name, facts.company, facts.product_codes[0] if facts.product_codes else None,
                            facts.device_names)
        tax = classify(facts)
        if tax.product_type is None:
            _default_type(kind, tax, facts)
        out[key] = Classified(kind, tax, facts)
    _priors([(key, company) for key, company, _ in entries], out)
    return out


def _default_type(kind: Kind, tax: Taxonomy, facts: Facts) -> None:
    """T4: a product type where no word or code says one. An imaging system's AI is its
    image reconstruction (an ultrasound system's, its automated measurements); software
    filed under a scanner's product code analyses that scanner's images."""
    if kind.kind == IMAGING_SYSTEM:
        us = "US" in tax.modality
        tax.product_type = "quantification" if us else "reconstruction/enhancement"
        tax.note("product_type", "T4", "an ultrasound system's AI measures" if us
                 else "an imaging system's AI reconstructs or enhances its images")
    elif any(code in DEVICE_CODES for code in facts.product_codes[:1]):
        tax.product_type = "quantification"
        tax.note("product_type", "T4", f"software under the scanner code {facts.product_codes[0]} analyses its images")


def classify_products(session: Session) -> dict[str, int]:
    """Recompute every product's kind, taxonomy, family and display name; commits.
    Returns how many products changed and the counts by kind. One run at a time per store
    (``tracker.db.serial``): a run that read the corrections before another run committed
    would write the products back without them."""
    serialize(session, "classify_products")
    products = session.exec(select(Product).order_by(col(Product.id))).all()
    companies = {c.id: c for c in session.exec(select(Company))}
    regs: dict[int, list[Registration]] = defaultdict(list)
    # in decision order: a tie between a product's codes (most_common) goes to the first
    # decided, the same on every engine and after any crawl order
    for reg in session.exec(select(Registration).where(col(Registration.product_id).is_not(None))
                            .order_by(*decision_order())):
        regs[reg.product_id or 0].append(reg)
    overrides = latest_overrides(session)
    results = classify_all([(p.id or 0, p.company_id, facts_for(p, companies.get(p.company_id), regs.get(p.id or 0, [])))
                            for p in products])
    families = _families(products)
    display = _display_names(products, companies)
    changed = 0
    for product in products:
        found = results[product.id or 0]
        kind, tax = found.kind, found.taxonomy
        sources = {k: dict(v) for k, v in tax.sources.items()}
        sources["kind"] = {"rule": kind.rule, "source": kind.reason}
        values: dict[str, Any] = {"kind": kind.kind, "product_type": tax.product_type,
                                  "modality": _modality_text(tax.modality), "subspecialty": tax.subspecialty,
                                  "findings": tax.findings, "family": families.get(product.id or 0)}
        if values["family"]:
            sources["family"] = {"rule": "N1", "source": "names shared with the company's other products"}
        for field_name in IMPORTED:
            stated = (product.taxonomy or {}).get(field_name)
            if isinstance(stated, dict) and stated.get("rule") == "import" and getattr(product, field_name):
                values[field_name], sources[field_name] = getattr(product, field_name), dict(stated)
        for field_name, row in overrides.get(product.id or 0, {}).items():
            if field_name not in OVERRIDABLE:
                continue
            value = row.value
            if field_name == "modality":
                value = _modality_text([str(v) for v in (value if isinstance(value, list) else [value]) if v])
            values[field_name] = value
            sources[field_name] = {"rule": "O1", "source": f"reviewer {row.author}" + (f": {row.reason}" if row.reason else "")}
        values["findings_count"] = len(values["findings"] or []) or None
        values["display_name"] = display[product.id or 0]
        values["taxonomy"] = sources
        if any(getattr(product, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(product, key, value)
            session.add(product)
            changed += 1
    session.commit()
    kinds = Counter(p.kind for p in products)
    return {"products_classified": changed, **{f"kind_{k}": v for k, v in sorted(kinds.items())}}


def _priors(keys: list[tuple[Hashable, Hashable]], results: dict[Hashable, Classified]) -> None:
    """M4, M5 and M7 for products without a modality."""
    by_company: dict[Hashable, set[str]] = defaultdict(set)
    by_code: dict[str, Counter[str]] = defaultdict(Counter)
    by_subspecialty: dict[str, Counter[str]] = defaultdict(Counter)
    for key, company in keys:
        tax, facts = results[key].taxonomy, results[key].facts
        if tax.modality:
            by_company[company].update(tax.modality)
            for code in facts.product_codes[:1]:
                by_code[code].update(tax.modality[:1])
            if tax.subspecialty and tax.subspecialty != "general":
                by_subspecialty[tax.subspecialty].update(tax.modality[:1])
    for key, company in keys:
        tax, facts = results[key].taxonomy, results[key].facts
        if tax.modality:
            continue
        shared = by_company.get(company, set()) - {MULTI}
        if len(shared) == 1:
            tax.modality = sorted(shared)
            tax.note("modality", "M4", "the company's other products")
            continue
        anatomy = anatomy_modality(facts)
        if anatomy:
            tax.modality = [anatomy[0]]
            tax.note("modality", "M1c", f"{anatomy[1]} (anatomy)")
            continue
        code = facts.product_codes[0] if facts.product_codes else ""
        counts = by_code.get(code)
        if counts and sum(counts.values()) >= 3:
            top, n = counts.most_common(1)[0]
            total = sum(counts.values())
            if n / total >= 0.7:
                tax.modality = [top]
                tax.note("modality", "M5", f"{n} of {total} products with FDA product code {code} are {top}")
                continue
        for basis, table in ((f"{tax.subspecialty} products", by_subspecialty.get(tax.subspecialty or "")),
                             (f"products with FDA product code {code}", counts)):
            if table and sum(table.values()) >= 3:
                top, n = table.most_common(1)[0]
                tax.modality = [top]
                tax.note("modality", "M7", f"a guess: {n} of {sum(table.values())} {basis} are {top}")
                break


def _families(products: Sequence[Product]) -> dict[int, str]:
    by_company: dict[int, list[Product]] = defaultdict(list)
    for product in products:
        by_company[product.company_id].append(product)
    out: dict[int, str] = {}
    for members in by_company.values():
        if len(members) < 2:
            continue
        names = family_names([p.name for p in members])
        for product in members:
            if product.name in names:
                out[product.id or 0] = names[product.name]
    return out


def _display_names(products: Sequence[Product], companies: dict[int | None, Company]) -> dict[int, str]:
    """N2: unique display names."""
    by_key: dict[str, list[Product]] = defaultdict(list)
    for product in products:
        by_key[fold(product.name)].append(product)
    out: dict[int, str] = {}
    for group in by_key.values():
        for product in group:
            name = product.name
            if len(group) > 1:
                company = companies.get(product.company_id)
                name = f"{product.name} ({strip_legal_form(company.name) if company else product.slug})"
            out[product.id or 0] = name
    seen: Counter[str] = Counter(out.values())
    for pid, name in list(out.items()):
        if seen[name] > 1:
            out[pid] = f"{name} #{pid}"
    return out
