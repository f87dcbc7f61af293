"""Company entries from the packaged ``company_aliases.toml`` and merging stored companies.

One company, many names: stored companies that ``tracker.products.company_keys`` resolves
as one company (rules K1-K6, R1-R5 there: spellings, legal forms, parentheticals, d/b/a,
descriptor tails, typos, and the data file's entries with their former names) are merged
into one, the other names kept as aliases; a company that matches an entry takes the entry's
name, and the entry's names become aliases of kind ``legal``/``brand``/``former``. Merging
moves registrations, products, aliases and market events; a product the two companies both
had becomes one.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from tracker.db.models import Company, CompanyAlias, CompanyEvent, Product, Registration
from tracker.names import normalize_company
from tracker.store.companies import add_company_alias, find_company


@dataclass(frozen=True)
class CompanyEntry:
    name: str
    prefixes: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # (alias, kind)
    products: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())  # (name, aliases)

    @cached_property
    def key(self) -> str:
        return normalize_company(self.name)

    @cached_property
    def alias_keys(self) -> frozenset[str]:
        return frozenset(normalize_company(a) for a, _ in self.aliases)

    def matches(self, key: str) -> bool:
        if key == self.key or key in self.alias_keys:
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
    from tracker.db.models import (
        Override,
        PaperMention,
        PaperProductLink,
        PlatformProduct,
        ProductAlias,
        ProductOverride,
    )

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
    session.execute(update(ProductOverride).where(ProductOverride.product_id == drop.id)  # type: ignore[arg-type]
                    .values(product_id=keep.id))
    for carried in session.exec(select(PlatformProduct).where(PlatformProduct.product_id == drop.id)):
        twin = session.exec(select(PlatformProduct).where(PlatformProduct.product_id == keep.id,
                                                          PlatformProduct.platform_id == carried.platform_id)).first()
        if twin is not None:
            session.delete(carried)
        else:
            carried.product_id = keep.id or 0
            session.add(carried)
    session.flush()
    session.delete(drop)
    session.flush()


def _merge_company(session: Session, *, keep: Company, drop: Company, kind: str = "legal") -> None:
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
    session.flush()
    # an event between the two names (a rebrand "Matakina" -> "Volpara Health") now names one
    # company on both sides, which the store never holds (tracker.store.events.upsert_event)
    for event in session.exec(select(CompanyEvent).where(CompanyEvent.company_id == keep.id,
                                                         CompanyEvent.counterparty_id == keep.id)).all():
        session.delete(event)
    name, source = drop.name, drop.source
    session.flush()
    session.delete(drop)
    session.flush()
    add_company_alias(session, company=keep, alias=name, kind=kind, source=source)


def _alias_kind(entry: CompanyEntry | None, name: str) -> str:
    """The kind of alias a merged company's name becomes: what the entry calls it (a former
    name stays ``former``), else ``legal`` for an entry's other entity, ``spelling`` for a
    spelling of the same name."""
    from tracker.products.company_keys import spelling

    if entry is None:
        return "spelling"
    key = spelling(name).key
    return next((kind for alias, kind in entry.aliases if spelling(alias).key == key), "legal")


def merge_company_groups(session: Session) -> dict[str, int]:
    """One company per set of names that ``tracker.products.company_keys`` resolves as one
    (spellings, legal forms, d/b/a names, typos, and the data file's entries with their
    renames); the other names become aliases. Reads every stored company name and alias, so
    an alias recorded earlier still pulls a new spelling in. Idempotent."""
    from tracker.products.company_keys import resolve_companies

    merged = renamed = aliases = 0
    companies = {c.id: c for c in session.exec(select(Company).order_by(Company.id)).all()}  # type: ignore[arg-type]
    named: list[tuple[str, int]] = [(c.name, c.id or 0) for c in companies.values()]
    named += [(a.alias, a.company_id) for a in session.exec(select(CompanyAlias).order_by(CompanyAlias.id)).all()]  # type: ignore[arg-type]
    resolved = resolve_companies([name for name, _ in named])
    groups: dict[str, list[int]] = {}
    for name, company_id in named:
        ids = groups.setdefault(resolved[name].company_key, [])
        if company_id in companies and company_id not in ids:
            ids.append(company_id)
    entries = {res.company_key: res.entry for res in resolved.values() if res.entry is not None}
    for key, ids in sorted(groups.items()):
        entry = entries.get(key)
        members = sorted((companies[i] for i in ids if i in companies), key=lambda c: c.id or 0)
        if not members or (len(members) == 1 and entry is None):
            continue
        keep = members[0]
        if entry is not None:
            keep = next((c for c in members if c.normalized_name == entry.key), keep)
        for other in members:
            if other is not keep:
                _merge_company(session, keep=keep, drop=other, kind=_alias_kind(entry, other.name))
                companies.pop(other.id, None)
                merged += 1
        if entry is None:
            continue
        if keep.name != entry.name:
            old_name, old_key = keep.name, keep.normalized_name
            clash = session.exec(select(CompanyAlias).where(CompanyAlias.normalized == entry.key)).first()
            if clash is not None:
                session.delete(clash)
            keep.name, keep.normalized_name = entry.name, entry.key
            session.add(keep)
            session.flush()
            if old_key != entry.key:
                add_company_alias(session, company=keep, alias=old_name, kind=_alias_kind(entry, old_name),
                                  source="resolution")
            renamed += 1
        for alias, kind in entry.aliases:
            aliases += add_company_alias(session, company=keep, alias=alias, kind=kind, source="company_aliases.toml")
    for name, res in resolved.items():  # d/b/a and former names a registered name gives (K4)
        company = find_company(session, name=name)
        for given, kind in res.others:
            if company is not None:
                aliases += add_company_alias(session, company=company, alias=given, kind=kind,
                                             source="company_keys:K4")
    if merged or renamed:
        session.info.pop("company_resolver", None)  # the market's name lookup is stale now
    return {"companies_merged": merged, "companies_renamed": renamed, "company_aliases_added": aliases}
