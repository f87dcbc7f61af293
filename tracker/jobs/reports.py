"""What ``tracker stats`` shows: counts, then sections contributed by each area."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from tracker.store.stats import registrations_by, table_counts

if TYPE_CHECKING:
    from tracker.config import Settings


def build_stats(session: Session, settings: Settings, *, market: bool = False,
                evidence: bool = False, include_systems: bool = False) -> dict[str, Any]:
    """Counts, then each area's section; ownership uses ``settings.event_min_confidence``.
    Product figures count AI software only unless ``include_systems``."""
    data: dict[str, Any] = {"counts": table_counts(session), "registrations": registrations_by(session)}
    from tracker.literature.stats import publications_by

    papers = publications_by(session)
    data.update(papers_by_source=papers["by_source"], papers_by_year=papers["by_year"],
                papers_by_journal=papers["by_journal"])
    from tracker.products.stats import (
        products_by_kind,
        products_per_company,
        registrations_by_source_year,
    )

    data["products_by_kind"] = products_by_kind(session)
    data["products_per_company"] = products_per_company(session, include_systems=include_systems)
    data["registrations_by_source_year"] = registrations_by_source_year(session)
    if market:
        from tracker.market.metrics import market_stats

        data["market"] = market_stats(session, min_confidence=settings.event_min_confidence)
    if evidence:
        from tracker.evidence.figures import evidence_figures

        data["evidence"] = evidence_figures(session, include_systems=include_systems)
    return data


def _table(title: str, mapping: dict[str, Any]) -> list[str]:
    lines = [title]
    width = max((len(str(k)) for k in mapping), default=0)
    lines += [f"  {str(k).ljust(width)}  {v}" for k, v in mapping.items()]
    return lines


def format_stats(data: dict[str, Any]) -> str:
    lines = _table("Rows per table", data["counts"])
    regs = data.get("registrations", {})
    if regs.get("by_regulator"):
        lines += _table("Registrations by regulator", regs["by_regulator"])
    if regs.get("by_year"):
        lines += _table("Registrations by decision year", regs["by_year"])
    for key, value in data.items():
        if key in ("counts", "registrations"):
            continue
        if key == "market":
            from tracker.market.metrics import format_market

            lines += format_market(value)
            continue
        if isinstance(value, dict) and all(not isinstance(v, (dict, list)) for v in value.values()):
            lines += _table(key.replace("_", " ").capitalize(), value)
        else:
            import json

            lines += [key.replace("_", " ").capitalize(), json.dumps(value, indent=2, default=str)]
    return "\n".join(lines)
