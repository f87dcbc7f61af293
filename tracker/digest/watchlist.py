# mypy: disable-error-code="call-overload,arg-type,misc"
"""Watchlists: products, companies and keyword queries whose changes get their own section.

Resolving a name (``tracker watch add``): a product by its slug, name, display name or alias,
a company by its name or alias (both folded as the store folds them, ``tracker.names``); when
no exact match exists, a name that is part of exactly one product's (company's) name. None,
or several, is an error that lists what was found. A product watch stores the slug, a company
watch the company's normalized name, so the watch survives renames of the display name.

Matching (the digest's "Watched" section):

- product: items about that product;
- company: items about the company, the companies it owns today (``tracker.views.ownership``:
  its acquired brands, recursively) and their products; market events where it is either side;
- query: new and newly linked papers whose title and abstract contain every word of the
  query (whole words, case-insensitive).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import Company, Product, ProductAlias, Watch
from tracker.digest.changes import Changes, Item
from tracker.names import fold, normalize_company, normalize_product
from tracker.store.companies import find_company
from tracker.views.ownership import load_ownership

KINDS = ("product", "company", "query")


class WatchError(ValueError):
    """A watch that cannot be added or removed; the message says why."""


@dataclass
class WatchMatch:
    watch: Watch
    items: list[Item] = field(default_factory=list)
    note: str = ""  # why nothing can match (the watched record left the store)

    def to_dict(self) -> dict[str, Any]:
        return {"watch": watch_dict(self.watch), "note": self.note,
                "items": [item.to_dict() for item in self.items]}


def watch_dict(watch: Watch) -> dict[str, Any]:
    return {"id": watch.id, "kind": watch.kind, "value": watch.value, "label": watch.label,
            "author": watch.author, "created_at": watch.created_at.isoformat() if watch.created_at else None}


# ---- resolving names ---------------------------------------------------------------------

def find_products(session: Session, value: str) -> list[Product]:
    """Products a name means (see the module docstring)."""
    text = value.strip()
    key = normalize_product(text)
    if not key:
        return []
    exact = {p.id: p for p in session.exec(select(Product).where(
        (Product.slug == text) | (Product.normalized_name == key)))}
    for p in session.exec(select(Product)):
        if p.display_name and fold(p.display_name) == key:
            exact.setdefault(p.id, p)
    alias_ids = session.exec(select(ProductAlias.product_id).where(ProductAlias.normalized == key)).all()
    for p in session.exec(select(Product).where(col(Product.id).in_(list(alias_ids)))):
        exact.setdefault(p.id, p)
    if exact:
        return sorted(exact.values(), key=lambda p: p.slug)
    pattern = _words_pattern(key)
    return [p for p in session.exec(select(Product).order_by(col(Product.slug)))
            if pattern.search(fold(p.display_name or p.name)) or pattern.search(fold(p.name))]


def find_companies(session: Session, value: str) -> list[Company]:
    """Companies a name means (see the module docstring)."""
    key = normalize_company(value)
    if not key:
        return []
    exact = find_company(session, name=value)  # the store's rule: the name, else an alias
    if exact is not None:
        return [exact]
    pattern = _words_pattern(key)
    return [c for c in session.exec(select(Company).order_by(col(Company.name)))
            if pattern.search(c.normalized_name)]


def _words_pattern(key: str) -> re.Pattern[str]:
    return re.compile(r"\b" + r"\s+".join(re.escape(w) for w in key.split()) + r"\b")


def _one(kind: str, value: str, found: list[Any], describe: Any) -> Any:
    if not found:
        raise WatchError(f"no {kind} matches {value!r}")
    if len(found) > 1:
        listed = "; ".join(describe(f) for f in found[:12])
        more = f" and {len(found) - 12} more" if len(found) > 12 else ""
        raise WatchError(f"{len(found)} {kind}s match {value!r}: {listed}{more}. "
                         f"Give one of them exactly{' (its slug)' if kind == 'product' else ''}.")
    return found[0]


def add_watch(session: Session, *, kind: str, value: str, author: str = "") -> Watch:
    """Resolve and store a watch, and commit; ``WatchError`` when the kind is unknown, the
    name matches nothing or several, or the same thing is watched already."""
    if kind not in KINDS:
        raise WatchError(f"unknown watch kind {kind!r}; choose one of {', '.join(KINDS)}")
    if not value.strip():
        raise WatchError("a watch needs a value")
    if kind == "product":
        product = _one("product", value, find_products(session, value),
                       lambda p: f"{p.display_name or p.name} ({p.slug})")
        stored, label = product.slug, product.display_name or product.name
    elif kind == "company":
        company = _one("company", value, find_companies(session, value), lambda c: c.name)
        stored, label = company.normalized_name, company.name
    else:
        stored = label = " ".join(value.split())
    existing = session.exec(select(Watch).where(Watch.kind == kind, Watch.value == stored)).first()
    if existing is not None:
        raise WatchError(f"{kind} {label!r} is watched already (watch {existing.id})")
    watch = Watch(kind=kind, value=stored, label=label, author=author)
    session.add(watch)
    session.commit()
    return watch


def list_watches(session: Session) -> list[Watch]:
    return list(session.exec(select(Watch).order_by(col(Watch.id))).all())


def remove_watch(session: Session, watch_id: int) -> Watch:
    """Delete one watch and commit; ``WatchError`` when there is none with that id."""
    watch = session.get(Watch, watch_id)
    if watch is None:
        raise WatchError(f"no watch with id {watch_id}")
    session.delete(watch)
    session.commit()
    return watch


# ---- matching ----------------------------------------------------------------------------

def query_matches(query: str, text: str) -> bool:
    """Every word of the query is a whole word of the text, case-insensitively."""
    words = query.split()
    return bool(words) and all(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", text, re.IGNORECASE)
                               for w in words)


def _owned_companies(session: Session, company_id: int) -> set[int]:
    """The company and every company it owns today, recursively."""
    ownership = load_ownership(session)
    seen = {company_id}
    todo = [company_id]
    while todo:
        for edge in ownership.children(todo.pop()):
            if edge.child not in seen:
                seen.add(edge.child)
                todo.append(edge.child)
    return seen


def match_watches(session: Session, watches: list[Watch], changes: Changes) -> list[WatchMatch]:
    """Each watch with the digest items it covers (see the module docstring)."""
    items = changes.items()
    out: list[WatchMatch] = []
    for watch in watches:
        match = WatchMatch(watch)
        if watch.kind == "product":
            pid = session.exec(select(Product.id).where(Product.slug == watch.value)).first()
            if pid is None:
                match.note = "this product is no longer in the store"
            else:
                match.items = [i for i in items if pid in i.product_ids]
        elif watch.kind == "company":
            cid = session.exec(select(Company.id).where(Company.normalized_name == watch.value)).first()
            if cid is None:
                found = find_companies(session, watch.label)
                cid = found[0].id if len(found) == 1 else None
            if cid is None:
                match.note = "this company is no longer in the store"
            else:
                companies = _owned_companies(session, cid)
                products = set(session.exec(select(Product.id).where(
                    col(Product.company_id).in_(sorted(companies)))).all())
                match.items = [i for i in items if i.company_ids & companies or i.product_ids & products]
        else:
            links = [i for i in changes.sections.get("paper_links", []) if query_matches(watch.value, i.text)]
            linked = {i.details["paper"]["id"] for i in links}
            papers = [i for i in changes.new_papers
                      if i.details["paper"]["id"] not in linked and query_matches(watch.value, i.text)]
            match.items = links + papers  # a newly linked paper once, as its link
        out.append(match)
    return out
