"""Figures for ``tracker stats``: products per company and registrations by source and year.

Rules behind the numbers: a product counts for the company it is stored under (after
resolution merged legal entities), AI software only unless imaging systems are asked for
(``tracker.store.universe``); a registration counts for ``Registration.source`` (the
source that first stored it) and the year of its decision date ("unknown" without one).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.db.models import Company, Product, Registration
from tracker.store.universe import counted


def products_per_company(session: Session, *, top: int = 15, include_systems: bool = False) -> dict[str, int]:
    """The ``top`` companies by number of AI software products (imaging systems too with
    ``include_systems``; ties by name)."""
    rows = session.exec(select(Company.name, func.count(Product.id))  # type: ignore[arg-type]
                        .join(Product, Product.company_id == Company.id)  # type: ignore[arg-type]
                        .where(counted(include_systems)).group_by(Company.id)).all()  # type: ignore[arg-type]
    ranked = sorted(rows, key=lambda r: (-r[1], r[0]))
    return {name: count for name, count in ranked[:top]}


def products_by_kind(session: Session) -> dict[str, int]:
    """Products per kind (software, imaging-system): the denominators a reader checks first."""
    rows = session.execute(select(Product.kind, func.count(Product.id)).group_by(Product.kind)).all()  # type: ignore[arg-type]
    return {kind: count for kind, count in sorted(rows)}


def registrations_by_source_year(session: Session) -> dict[str, dict[str, int]]:
    """``{source: {year: count}}`` with years ascending."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for source, decided in session.exec(select(Registration.source, Registration.decision_date)):  # type: ignore[type-var]
        counts[source][str(decided.year) if decided else "unknown"] += 1
    return {source: dict(sorted(years.items())) for source, years in sorted(counts.items())}
