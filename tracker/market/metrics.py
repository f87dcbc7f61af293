"""Consolidation metrics per year, computed from the store (``tracker stats --market``).

Every figure is as of 31 December of its year; ``rules`` in the output says how each is
computed and every year lists the event ids and companies behind its figures.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.db.models import CompanyEvent, Product, Registration
from tracker.market.ownership import OwnershipGraph

RULES = {
    "products": "products whose first registration decision (or, without one, the day the "
                "tracker stored them) is on or before 31 December, of companies not closed by then",
    "active_brands": "companies with at least one such product",
    "independent_owners": "distinct ultimate parents of the active brands (ownership rules in "
                          "tracker.market.ownership)",
    "acquisitions": "control events (completed acquisitions of more than 50%, mergers, rebrands) "
                    "dated in the year and used by the ownership rules",
    "exits": "active brands that lost independence in the year (their control event) or closed "
             "in the year (their closure event)",
    "new_entrants": "companies whose first product is dated in the year",
    "top5_share": "share of products held by the five owners (ultimate parents) with most products",
    "hhi": "Herfindahl-Hirschman index of products by owner: sum of squared percentage shares (0-10,000)",
}


def product_dates(session: Session) -> dict[int, tuple[int, date]]:
    """product id -> (company id, first date)."""
    first = dict(session.exec(select(Registration.product_id, func.min(Registration.decision_date))
                              .where(Registration.product_id.is_not(None))  # type: ignore[union-attr]
                              .group_by(Registration.product_id)).all())  # type: ignore[arg-type]
    out: dict[int, tuple[int, date]] = {}
    for pid, cid, created in session.exec(select(Product.id, Product.company_id, Product.created_at)):
        when = first.get(pid) or created.date()
        out[pid or 0] = (cid, when)
    return out


def market_stats(session: Session, *, min_confidence: float | None = None) -> dict[str, Any]:
    """Figures per year for every year from the first product or event to the last
    (``min_confidence``: see :meth:`OwnershipGraph.load`)."""
    graph = OwnershipGraph.load(session, min_confidence=min_confidence)
    products = product_dates(session)
    event_years = [d.year for d in session.exec(select(CompanyEvent.event_date)) if d is not None]  # type: ignore[type-var]
    years = [d.year for _, d in products.values()] + event_years
    if not years:
        return {"rules": RULES, "years": {}}
    first_product: dict[int, date] = {}
    for cid, when in products.values():
        first_product[cid] = min(when, first_product.get(cid, when))
    result = {str(y): year_figures(graph, products, first_product, y) for y in range(min(years), max(years) + 1)}
    return {"rules": RULES, "years": result}


def year_figures(graph: OwnershipGraph, products: dict[int, tuple[int, date]],
                 first_product: dict[int, date], year: int) -> dict[str, Any]:
    end, start = date(year, 12, 31), date(year, 1, 1)
    per_brand: Counter[int] = Counter(cid for cid, when in products.values()
                                      if when <= end and not graph.closed(cid, end))
    per_owner: Counter[int] = Counter()
    for cid, count in per_brand.items():
        per_owner[graph.ultimate_parent(cid, end)] += count
    total = sum(per_owner.values())
    top5 = per_owner.most_common(5)
    acquisitions = sorted({c.event_id for items in graph.controls.values() for c in items
                           if c.since is not None and start <= c.since <= end})
    exits: dict[str, int] = {}
    for cid in first_product:
        if first_product[cid] > end:
            continue
        control = graph.owner(cid, end)
        if control and control.since and start <= control.since and graph.independent(cid, date(year - 1, 12, 31)):
            exits[graph.names.get(cid, str(cid))] = control.event_id
        closure = graph.closures.get(cid)
        if closure and closure[0] and start <= closure[0] <= end:
            exits[graph.names.get(cid, str(cid))] = closure[1]
    entrants = sorted(graph.names.get(cid, str(cid)) for cid, when in first_product.items() if when.year == year)
    return {
        "products": total,
        "active_brands": len(per_brand),
        "independent_owners": len(per_owner),
        "acquisitions": len(acquisitions),
        "acquisition_event_ids": acquisitions,
        "exits": len(exits),
        "exit_events": exits,
        "new_entrants": len(entrants),
        "new_entrant_companies": entrants,
        "top5_share": round(sum(n for _, n in top5) / total, 4) if total else None,
        "top5_owners": [[graph.names.get(owner, str(owner)), n] for owner, n in top5],
        "hhi": round(sum((n / total * 100) ** 2 for n in per_owner.values()), 1) if total else None,
    }


def format_market(data: dict[str, Any]) -> list[str]:
    """The metrics as a table, one row per year, then the rules."""
    years = data.get("years", {})
    if not years:
        return ["Market consolidation", "  no products or events in the store"]
    head = f"  {'year':<6}{'products':>9}{'brands':>8}{'owners':>8}{'acq.':>6}{'exits':>7}{'new':>5}{'top5':>7}{'HHI':>8}"
    lines = ["Market consolidation (as of 31 December; event ids behind each year in --json)", head]
    for year, f in years.items():
        share = f"{f['top5_share']:.0%}" if f["top5_share"] is not None else "-"
        hhi = f"{f['hhi']:.0f}" if f["hhi"] is not None else "-"
        lines.append(f"  {year:<6}{f['products']:>9}{f['active_brands']:>8}{f['independent_owners']:>8}"
                     f"{f['acquisitions']:>6}{f['exits']:>7}{f['new_entrants']:>5}{share:>7}{hhi:>8}")
    lines += ["Rules"] + [f"  {name}: {rule}" for name, rule in data.get("rules", {}).items()]
    return lines
