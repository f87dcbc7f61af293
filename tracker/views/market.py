# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""The market view: the overview's headline (AI software products on the market vs active
independent companies per year), brands and independent owners, entrants and exits (each
with its event and source), the acquisition timeline, the ownership tree and registrations
per year by regulator.

The per-year figures are the market area's (``tracker.market.metrics.market_stats``: its
``rules`` say how each is computed, every figure as of 31 December); registrations per
regulator and the event timeline are read here. Event convention (tracker.market): an
event's ``company`` is the target, its ``counterparty`` the acquirer or partner. Dates are
shown with their precision ("2021", "2021-11", "2021-11-04").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from tracker.db.models import Company, CompanyEvent, Product, Registration
from tracker.store.events import date_order
from tracker.views.ownership import Ownership, load_ownership


@dataclass
class YearFigures:
    year: int
    brands: int
    owners: int
    entrants: list[str] = field(default_factory=list)
    exits: list[str] = field(default_factory=list)
    acquisitions: int = 0
    top5_share: float | None = None
    hhi: float | None = None
    products: int = 0  # AI software products on the market (systems too with include_systems)
    active_companies: int = 0
    active_independent: int = 0
    exit_details: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MarketView:
    years: list[YearFigures]
    registrations: dict[str, dict[int, int]]  # regulator -> year -> count
    timeline: list[dict[str, Any]]
    ownership: Ownership
    companies: dict[int, str]
    brands: set[int]
    rules: dict[str, str] = field(default_factory=dict)
    include_systems: bool = False


def _registrations(session: Session) -> dict[str, Counter[int]]:
    per_regulator: dict[str, Counter[int]] = defaultdict(Counter)
    for regulator, decided in session.execute(select(Registration.regulator, Registration.decision_date)):
        if decided is not None:
            per_regulator[regulator][decided.year] += 1
    return per_regulator


def _timeline(session: Session, names: dict[int, str]) -> list[dict[str, Any]]:
    from tracker.dates import date_label

    rows = session.execute(select(CompanyEvent).order_by(*date_order())).scalars()
    return [{"id": e.id, "date": e.event_date, "date_label": date_label(e.event_date, e.date_precision or "day"),
             "precision": e.date_precision, "announced": e.announced_date, "completed": e.completed_date,
             "type": e.event_type, "company": names.get(e.company_id, "?"),
             "counterparty": names.get(e.counterparty_id, "") if e.counterparty_id else "",
             "status": e.status or "", "stake": e.stake, "origin": e.origin, "uncertain": e.uncertain,
             "note": e.note, "confirmed": e.confirmed, "url": e.source_url} for e in rows]


def market_view(session: Session, *, min_confidence: float | None = None,
                include_systems: bool = False) -> MarketView:
    from tracker.market.metrics import market_stats

    ownership = load_ownership(session, min_confidence=min_confidence)
    names = dict(session.execute(select(Company.id, Company.name)).all())
    brands = set(session.execute(select(Product.company_id).distinct()).scalars())
    stats = market_stats(session, min_confidence=min_confidence, include_systems=include_systems)
    figures = [YearFigures(int(year), f["active_brands"], f["independent_owners"],
                           list(f["new_entrant_companies"]), sorted(f["exit_events"]),
                           f["acquisitions"], f["top5_share"], f["hhi"], f["products"],
                           f["active_companies"], f["active_independent"], list(f["exit_details"]))
               for year, f in sorted(stats["years"].items())]
    registrations = {reg: dict(sorted(c.items())) for reg, c in sorted(_registrations(session).items())}
    return MarketView(figures, registrations, _timeline(session, names), ownership, names, brands,
                      dict(stats.get("rules", {})), include_systems)


def headline(view: MarketView) -> dict[str, list[int]]:
    """The overview's headline series, per year of ``view.years``: AI software products on
    the market and active independent companies (rules: ``view.rules``)."""
    return {"products": [y.products for y in view.years],
            "companies": [y.active_independent for y in view.years]}


def ownership_roots(view: MarketView) -> list[int]:
    """Owners that hold at least one other company now (the tree's top level), by name."""
    roots = {view.ownership.ultimate_parent(e.child) for e in view.ownership.edges}
    return sorted(roots, key=lambda c: view.companies.get(c, "").casefold())


def independent_brands(view: MarketView) -> list[int]:
    """Brands nobody owns now and that are not closed."""
    owned = {e.child for e in view.ownership.edges if view.ownership.owner_on(e.child) == e}
    return sorted((c for c in view.brands if c not in owned and c not in view.ownership.closures),
                  key=lambda c: view.companies.get(c, "").casefold())
