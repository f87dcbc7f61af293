"""Company entries from the packaged ``company_aliases.toml`` and merging stored companies.

One company, many legal names: every stored company that matches an entry (see the data
file's header) is merged into the entry's company, its names kept as aliases of kind
``legal`` (or ``brand``/``former`` as the entry says). Merging moves registrations, products,
aliases and market events; a product the two companies both had becomes one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from tracker.db.models import Company, CompanyAlias, CompanyEvent, Product, Registration
from tracker.names import normalize_company
from tracker.store.companies import add_company_alias


@dataclass(frozen=True)
class CompanyEntry:
    name: str
    prefixes: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # (alias, kind)
    products: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (name, aliases)

    @property
    def key(self) -> str:
        return normalize_company(self.name)

    def matches(self, key: str) -> bool:
        if key == self.key or key in {normalize_company(a) for a, _ in self.aliases}:
            return True
        return any(key == p or key.startswith(p + " ") for p in self.prefixes)


@cache
def load_company_entries() -> tuple[CompanyEntry, ...]:
    """The packaged brand/legal-name entries (also for the linker's company aliases)."""
    text = resources.files("tracker.products").joinpath("company_aliases.toml").read_text("utf-8")
    data: dict[str, Any] = tomllib.loads(text)
    products: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for item in data.get("product", []):
        products.setdefault(item["company"], []).append((item["name"], tuple(item.get("aliases", []))))
    entries = []
    for item in data.get("company", []):
        aliases = tuple((a, kind) for kind in ("legal", "brand", "former") for a in item.get(
            {"legal": "legal", "brand": "brands", "former": "former"}[kind], []))
        entries.append(CompanyEntry(name=item["name"], prefixes=tuple(item.get("prefixes", [])),
                                    aliases=aliases, products=tuple(products.get(item["name"], []))))
    return tuple(entries)


def entry_for(key: str) -> CompanyEntry | None:
    return next((e for e in load_company_entries() if e.matches(key)), None)


def merge_products(session: Session, *, keep: Product, drop: Product) -> None:
    """Fold ``drop`` into ``keep`` (registrations, aliases, links, mentions, overrides)."""
    from tracker.db.models import Override, PaperMention, PaperProductLink, ProductAlias

    session.execute(update(Registration).where(Registration.product_id == drop.id).values(product_id=keep.id))  # type: ignore[arg-type]
    for alias in session.exec(select(ProductAlias).where(ProductAlias.product_id == drop.id)):
        session.delete(alias)
    for link in session.exec(select(PaperProductLink).where(PaperProductLink.product_id == drop.id)):
        exists = session.exec(select(PaperProductLink).where(
            PaperProductLink.product_id == keep.id, PaperProductLink.publication_id == link.publication_id)).first()
        if exists:
            session.delete(link)
        else:
            link.product_id = keep.id or 0
            session.add(link)
    session.execute(update(PaperMention).where(PaperMention.product_id == drop.id).values(product_id=keep.id))  # type: ignore[arg-type]
    session.execute(update(Override).where(Override.product_id == drop.id).values(product_id=keep.id))  # type: ignore[arg-type]
    session.flush()
    session.delete(drop)
    session.flush()


def _merge_company(session: Session, *, keep: Company, drop: Company) -> None:
    for product in session.exec(select(Product).where(Product.company_id == drop.id)).all():
        twin = session.exec(select(Product).where(Product.company_id == keep.id,
                                                  Product.normalized_name == product.normalized_name)).first()
        if twin is not None:
            merge_products(session, keep=twin, drop=product)
        else:
            product.company_id = keep.id or 0
            session.add(product)
    session.execute(update(Registration).where(Registration.company_id == drop.id).values(company_id=keep.id))  # type: ignore[arg-type]
    session.execute(update(CompanyAlias).where(CompanyAlias.company_id == drop.id).values(company_id=keep.id))  # type: ignore[arg-type]
    session.execute(update(CompanyEvent).where(CompanyEvent.company_id == drop.id).values(company_id=keep.id))  # type: ignore[arg-type]
    session.execute(update(CompanyEvent).where(CompanyEvent.counterparty_id == drop.id)  # type: ignore[arg-type]
                    .values(counterparty_id=keep.id))
    name, source = drop.name, drop.source
    session.flush()
    session.delete(drop)
    session.flush()
    add_company_alias(session, company=keep, alias=name, kind="legal", source=source)


def merge_company_groups(session: Session) -> dict[str, int]:
    """Apply every entry: one company per entry, other names as aliases. Idempotent."""
    merged = renamed = aliases = 0
    companies = list(session.exec(select(Company).order_by(Company.id)).all())  # type: ignore[arg-type]
    for entry in load_company_entries():
        members = [c for c in companies if entry.matches(c.normalized_name)]
        if not members:
            continue
        keep = next((c for c in members if c.normalized_name == entry.key), members[0])
        for other in members:
            if other is not keep:
                _merge_company(session, keep=keep, drop=other)
                companies.remove(other)
                merged += 1
        if keep.name != entry.name:
            old_name, old_key = keep.name, keep.normalized_name
            clash = session.exec(select(CompanyAlias).where(CompanyAlias.normalized == entry.key)).first()
            if clash is not None:
                session.delete(clash)
            keep.name, keep.normalized_name = entry.name, entry.key
            session.add(keep)
            session.flush()
            if old_key != entry.key:
                add_company_alias(session, company=keep, alias=old_name, kind="legal", source="resolution")
            renamed += 1
        for alias, kind in entry.aliases:
            aliases += add_company_alias(session, company=keep, alias=alias, kind=kind, source="company_aliases.toml")
    return {"companies_merged": merged, "companies_renamed": renamed, "company_aliases_added": aliases}
