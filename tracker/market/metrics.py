"""Consolidation metrics per year, computed from the store (``tracker stats --market``).

Every figure is as of 31 December of its year; ``rules`` in the output says how each is
computed and every year lists the event ids and companies behind its figures. The headline
(the 2025 overview's picture) is AI software products on the market against *active
independent companies*; ``active_companies`` below is the one definition of an active
company (docs/domain.md, "Market events").
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.dates import date_label
from tracker.db.models import CompanyEvent, Product, Registration
from tracker.market.ownership import OwnershipGraph
from tracker.market.seed import SeedError, company_kinds, seed_founded
from tracker.store.universe import counted

AI_KINDS = frozenset({"ai-vendor", "platform"})
"""Company kinds that make a company an AI company without a product in the store."""
EXIT_TYPES = frozenset({"acquisition", "merger"})

RULES = {
    "products": "AI software products (tracker.store.universe.counted: kind software unless "
                "--include-systems) whose first registration decision (or, without one, the day the "
                "tracker stored them) is on or before 31 December, of companies not closed by then",
    "active_companies": "companies with AI software on the market in the year (a counted product "
                        "dated on or before 31 December, their own or of a company they own then; or, "
                        "for a company of kind ai-vendor/platform without one, from its `founded` year "
                        "in the seed file, else from its first seeded event) and not acquired "
                        "(completed control event) or closed before 1 January",
    "active_independent": "active companies that nobody owns on 31 December and that are not closed "
                          "by then: the overview's 'active companies'",
    "active_brands": "companies with at least one counted product on the market",
    "independent_owners": "distinct ultimate parents of the active brands (ownership rules in "
                          "tracker.market.ownership)",
    "acquisitions": "completed acquisitions (of more than 50%) and mergers dated in the year whose "
                    "target is an AI company (has counted products, or kind ai-vendor or platform); "
                    "a teleradiology or provider target is not an AI acquisition; rebrands are not "
                    "acquisitions",
    "exits": "AI companies acquired (their control event in the year, independent the year before) "
             "or closed in the year, whether or not they had a registered product",
    "new_entrants": "companies whose first counted product is dated in the year",
    "top5_share": "share of products held by the five owners (ultimate parents) with most products",
    "hhi": "Herfindahl-Hirschman index of products by owner: sum of squared percentage shares (0-10,000)",
}


def product_dates(session: Session, *, include_systems: bool = False) -> dict[int, tuple[int, date]]:
    """product id -> (company id, first date), for the products that count."""
    first = dict(session.exec(select(Registration.product_id, func.min(Registration.decision_date))
                              .where(Registration.product_id.is_not(None))  # type: ignore[union-attr]
                              .group_by(Registration.product_id)).all())  # type: ignore[arg-type]
    out: dict[int, tuple[int, date]] = {}
    for pid, cid, created in session.exec(select(Product.id, Product.company_id, Product.created_at)
                                          .where(counted(include_systems))):
        when = first.get(pid) or created.date()
        out[pid or 0] = (cid, when)
    return out


@dataclass
class MarketFacts:
    """What the yearly figures are computed from (loaded once)."""

    graph: OwnershipGraph
    products: dict[int, tuple[int, date]]
    kinds: dict[int, str] = field(default_factory=dict)
    founded: dict[int, int] = field(default_factory=dict)
    first_event: dict[int, date] = field(default_factory=dict)
    events: dict[int, CompanyEvent] = field(default_factory=dict)

    @property
    def first_product(self) -> dict[int, date]:
        first: dict[int, date] = {}
        for cid, when in self.products.values():
            first[cid] = min(when, first.get(cid, when))
        return first

    def ai_company(self, company_id: int) -> bool:
        """Has counted products in the store, or is recorded as an AI vendor or platform."""
        return company_id in self._with_products or self.kinds.get(company_id) in AI_KINDS

    def __post_init__(self) -> None:
        self._with_products = {cid for cid, _ in self.products.values()}


def load_facts(session: Session, *, min_confidence: float | None = None, include_systems: bool = False,
               seed_path: Path | None = None) -> MarketFacts:
    graph = OwnershipGraph.load(session, min_confidence=min_confidence)
    events = {e.id or 0: e for e in session.exec(select(CompanyEvent))}
    first_event: dict[int, date] = {}
    for e in events.values():
        if e.origin != "seed" or e.event_date is None:
            continue
        for cid in (e.company_id, e.counterparty_id):
            if cid is not None:
                first_event[cid] = min(e.event_date, first_event.get(cid, e.event_date))
    try:
        founded = seed_founded(session, seed_path)
    except SeedError:
        founded = {}
    return MarketFacts(graph, product_dates(session, include_systems=include_systems),
                       company_kinds(session), founded, first_event, events)


def on_market(facts: MarketFacts, year: int) -> set[int]:
    """Companies with AI software on the market in ``year``: a counted product dated by 31
    December (their own or of a company they own then), or a seeded AI vendor from its
    ``founded`` year, else from its first seeded event."""
    end = date(year, 12, 31)
    selling: set[int] = set()
    for cid, when in facts.first_product.items():
        if when <= end:
            selling.add(cid)
            selling.update(c.owner_id for c in facts.graph.chain(cid, end))
    for cid, kind in facts.kinds.items():
        if kind not in AI_KINDS or cid in selling:
            continue
        start = facts.founded.get(cid)
        if start is None and cid in facts.first_event:
            start = facts.first_event[cid].year
        if start is not None and start <= year:
            selling.add(cid)
            selling.update(c.owner_id for c in facts.graph.chain(cid, end))
    return selling


def active_companies(facts: MarketFacts, year: int) -> set[int]:
    """THE definition of an active company in ``year``: AI software on the market in the year
    (``on_market``) and not acquired (a completed control event) or closed before 1 January."""
    before = date(year - 1, 12, 31)
    return {cid for cid in on_market(facts, year)
            if facts.graph.owner(cid, before) is None and not facts.graph.closed(cid, before)}


def active_independent(facts: MarketFacts, year: int) -> set[int]:
    """Active companies nobody owns on 31 December and not closed by then."""
    end = date(year, 12, 31)
    return {cid for cid in active_companies(facts, year)
            if facts.graph.owner(cid, end) is None and not facts.graph.closed(cid, end)}


def market_stats(session: Session, *, min_confidence: float | None = None, include_systems: bool = False,
                 seed_path: Path | None = None) -> dict[str, Any]:
    """Figures per year for every year from the first product or event to the last
    (``min_confidence``: see :meth:`OwnershipGraph.load`; ``include_systems``: count imaging
    systems as products too)."""
    facts = load_facts(session, min_confidence=min_confidence, include_systems=include_systems,
                       seed_path=seed_path)
    event_years = [e.event_date.year for e in facts.events.values() if e.event_date is not None]
    years = [d.year for _, d in facts.products.values()] + event_years
    if not years:
        return {"rules": RULES, "include_systems": include_systems, "years": {}}
    result = {str(y): year_figures(facts, y) for y in range(min(years), max(years) + 1)}
    return {"rules": RULES, "include_systems": include_systems, "years": result}


def _exit(facts: MarketFacts, cid: int, event_id: int, kind: str, when: date | None) -> dict[str, Any]:
    row = facts.events.get(event_id)
    return {"company": facts.graph.names.get(cid, str(cid)), "event_id": event_id, "type": kind,
            "date": date_label(when, row.date_precision if row is not None and when == row.event_date else "day"),
            "by": facts.graph.names.get(row.counterparty_id) if row is not None and row.counterparty_id else None,
            "source_url": row.source_url if row is not None else "",
            "uncertain": bool(row.uncertain) if row is not None else False}


def year_figures(facts: MarketFacts, year: int) -> dict[str, Any]:
    graph = facts.graph
    end, start = date(year, 12, 31), date(year, 1, 1)
    per_brand: Counter[int] = Counter(cid for cid, when in facts.products.values()
                                      if when <= end and not graph.closed(cid, end))
    per_owner: Counter[int] = Counter()
    for cid, count in per_brand.items():
        per_owner[graph.ultimate_parent(cid, end)] += count
    total = sum(per_owner.values())
    top5 = per_owner.most_common(5)
    acquisitions = sorted({c.event_id for items in graph.controls.values() for c in items
                           if c.since is not None and start <= c.since <= end and c.event_type in EXIT_TYPES
                           and facts.ai_company(c.company_id)})
    first_product = facts.first_product
    exits: dict[str, int] = {}
    details: list[dict[str, Any]] = []
    for cid in set(graph.controls) | set(graph.closures):
        if not facts.ai_company(cid) or (cid in first_product and first_product[cid] > end):
            continue
        control = graph.owner(cid, end)
        if (control and control.since and start <= control.since and control.event_type in EXIT_TYPES
                and graph.independent(cid, start - timedelta(days=1))):
            exits[graph.names.get(cid, str(cid))] = control.event_id
            details.append(_exit(facts, cid, control.event_id, control.event_type, control.since))
        closure = graph.closures.get(cid)
        if closure and closure[0] and start <= closure[0] <= end:
            exits[graph.names.get(cid, str(cid))] = closure[1]
            details.append(_exit(facts, cid, closure[1], "closure", closure[0]))
    entrants = sorted(graph.names.get(cid, str(cid)) for cid, when in first_product.items() if when.year == year)
    active = active_companies(facts, year)
    independent = active_independent(facts, year)
    return {
        "products": total,
        "active_companies": len(active),
        "active_independent": len(independent),
        "active_independent_companies": sorted(graph.names.get(c, str(c)) for c in independent),
        "active_brands": len(per_brand),
        "independent_owners": len(per_owner),
        "acquisitions": len(acquisitions),
        "acquisition_event_ids": acquisitions,
        "exits": len(exits),
        "exit_events": exits,
        "exit_details": sorted(details, key=lambda d: (d["date"], d["company"])),
        "new_entrants": len(entrants),
        "new_entrant_companies": entrants,
        "top5_share": round(sum(n for _, n in top5) / total, 4) if total else None,
        "top5_owners": [[graph.names.get(owner, str(owner)), n] for owner, n in top5],
        "hhi": round(sum((n / total * 100) ** 2 for n in per_owner.values()), 1) if total else None,
    }


def headline(data: dict[str, Any]) -> list[str]:
    """AI software products vs active independent companies, first year to last."""
    years = data.get("years", {})
    if not years:
        return []
    what = "AI software and imaging-system products" if data.get("include_systems") else "AI software products"
    first, last = min(years), max(years)
    return [f"Headline ({what} on the market vs active independent companies, 31 December):",
            "  " + "  ".join(f"{y}: {f['products']} vs {f['active_independent']}" for y, f in years.items()
                             if int(y) >= max(int(first), int(last) - 10))]


def format_market(data: dict[str, Any]) -> list[str]:
    """The metrics as a table, one row per year, then the exits behind them and the rules."""
    years = data.get("years", {})
    if not years:
        return ["Market consolidation", "  no products or events in the store"]
    head = (f"  {'year':<6}{'products':>9}{'active':>8}{'indep.':>8}{'brands':>8}{'owners':>8}{'acq.':>6}"
            f"{'exits':>7}{'new':>5}{'top5':>7}{'HHI':>8}")
    lines = headline(data)
    lines += ["Market consolidation (as of 31 December; event ids behind each year in --json)", head]
    for year, f in years.items():
        share = f"{f['top5_share']:.0%}" if f["top5_share"] is not None else "-"
        hhi = f"{f['hhi']:.0f}" if f["hhi"] is not None else "-"
        lines.append(f"  {year:<6}{f['products']:>9}{f['active_companies']:>8}{f['active_independent']:>8}"
                     f"{f['active_brands']:>8}{f['independent_owners']:>8}{f['acquisitions']:>6}{f['exits']:>7}"
                     f"{f['new_entrants']:>5}{share:>7}{hhi:>8}")
    exits = [(y, d) for y, f in years.items() for d in f.get("exit_details", [])]
    if exits:
        lines.append("Exits (event id, date, source)")
        for _, d in exits:
            by = f" by {d['by']}" if d.get("by") else ""
            mark = " (uncertain)" if d.get("uncertain") else ""
            lines.append(f"  {d['date']:<10} {d['company']}: {d['type']}{by}{mark}  [event {d['event_id']}] {d['source_url']}")
    lines += ["Rules"] + [f"  {name}: {rule}" for name, rule in data.get("rules", {}).items()]
    return lines
