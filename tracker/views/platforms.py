# mypy: disable-error-code="call-overload,arg-type,misc"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Platforms and marketplaces: each with the products and vendors it carries, and for one
product the platforms that carry it. Every carriage carries its source URL and origin
(seed, extracted from news, manual, import). Counts follow the product-universe rule
(``tracker.store.universe.counted``: AI software unless systems are asked for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Company, Platform, PlatformProduct, Product
from tracker.store.universe import counted


@dataclass(frozen=True)
class CarriedProduct:
    product_id: int
    slug: str
    product: str
    company: str
    since: date | None
    since_precision: str | None
    until: date | None
    origin: str
    source_url: str


@dataclass
class PlatformRow:
    id: int
    slug: str
    name: str
    kind: str
    operator: str
    website: str
    source_url: str
    products: int = 0
    vendors: int = 0

    def text(self) -> str:
        return " ".join([self.name, self.slug, self.kind, self.operator]).casefold()


@dataclass
class PlatformDetail:
    platform: PlatformRow
    carried: list[CarriedProduct] = field(default_factory=list)

    @property
    def vendors(self) -> list[tuple[str, int]]:
        """(vendor, products carried), most products first."""
        counts: dict[str, int] = {}
        for item in self.carried:
            counts[item.company] = counts.get(item.company, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))


@dataclass(frozen=True)
class ProductPlatform:
    platform_id: int
    slug: str
    platform: str
    kind: str
    since: date | None
    since_precision: str | None
    until: date | None
    origin: str
    source_url: str


def format_since(when: date | None, precision: str | None) -> str:
    """A date at the precision its source gives: 2020-07-14, 2020-07 or 2020."""
    if when is None:
        return ""
    if precision == "year":
        return f"{when.year}"
    if precision == "month":
        return f"{when.year}-{when.month:02d}"
    return when.isoformat()


def _carriages(session: Session, include_systems: bool, platform_id: int | None = None) -> list[tuple]:
    query = (select(PlatformProduct, Product, Company)
             .join(Product, Product.id == PlatformProduct.product_id)
             .join(Company, Company.id == Product.company_id)
             .where(counted(include_systems)))
    if platform_id is not None:
        query = query.where(PlatformProduct.platform_id == platform_id)
    return list(session.execute(query).all())


def platform_rows(session: Session, *, include_systems: bool = False) -> list[PlatformRow]:
    """Every platform with the number of (counted) products and vendors it carries; most
    products first."""
    operators = {c.id: c.name for c in session.execute(select(Company)).scalars()}
    rows = {p.id: PlatformRow(id=p.id or 0, slug=p.slug, name=p.name, kind=p.kind,
                              operator=operators.get(p.company_id, "") if p.company_id else "",
                              website=p.website or "", source_url=p.source_url)
            for p in session.execute(select(Platform)).scalars()}
    products: dict[int, set[int]] = {}
    vendors: dict[int, set[int]] = {}
    for carriage, product, company in _carriages(session, include_systems):
        products.setdefault(carriage.platform_id, set()).add(product.id)
        vendors.setdefault(carriage.platform_id, set()).add(company.id)
    for pid, row in rows.items():
        row.products = len(products.get(pid, ()))
        row.vendors = len(vendors.get(pid, ()))
    return sorted(rows.values(), key=lambda r: (-r.products, r.name.casefold()))


def platform_detail(session: Session, platform_id: int, *, include_systems: bool = False) -> PlatformDetail | None:
    """One platform and the products it carries (with vendor, dates, origin and source)."""
    platform = session.get(Platform, platform_id)
    if platform is None:
        return None
    row = next(r for r in platform_rows(session, include_systems=include_systems) if r.id == platform_id)
    carried = [CarriedProduct(product_id=product.id, slug=product.slug, product=product.display_name or product.name,
                              company=company.name, since=c.since, since_precision=c.since_precision,
                              until=c.until, origin=c.origin, source_url=c.source_url)
               for c, product, company in _carriages(session, include_systems, platform_id)]
    carried.sort(key=lambda item: (item.company.casefold(), item.product.casefold(), item.slug))
    return PlatformDetail(row, carried)


def platforms_for_product(session: Session, product_id: int) -> list[ProductPlatform]:
    """The platforms that carry a product, with when, how it is known and the source."""
    rows = session.execute(select(PlatformProduct, Platform)
                           .join(Platform, Platform.id == PlatformProduct.platform_id)
                           .where(PlatformProduct.product_id == product_id)).all()
    out = [ProductPlatform(platform_id=p.id or 0, slug=p.slug, platform=p.name, kind=p.kind, since=c.since,
                           since_precision=c.since_precision, until=c.until, origin=c.origin,
                           source_url=c.source_url) for c, p in rows]
    return sorted(out, key=lambda item: item.platform.casefold())


def filter_platforms(rows: list[PlatformRow], *, text: str = "") -> list[PlatformRow]:
    words = text.casefold().split()
    return [r for r in rows if all(w in r.text() for w in words)]
