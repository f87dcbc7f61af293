"""Figures for ``tracker stats``: products per company and registrations by source and year.

Rules behind the numbers: a product counts for the company it is stored under (after
resolution merged legal entities); a registration counts for ``Registration.source`` (the
source that first stored it) and the year of its decision date ("unknown" without one).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy import func
from sqlmodel import Session, select

from tracker.db.models import Company, Product, Registration


def products_per_company(session: Session, *, top: int = 15) -> dict[str, int]:
    """The ``top`` companies by number of products (ties by name)."""
    rows = session.exec(select(Company.name, func.count(Product.id))  # type: ignore[arg-type]
                        .join(Product, Product.company_id == Company.id).group_by(Company.id)).all()  # type: ignore[arg-type]
    ranked = sorted(rows, key=lambda r: (-r[1], r[0]))
    return {name: count for name, count in ranked[:top]}


def registrations_by_source_year(session: Session) -> dict[str, dict[str, int]]:
    """``{source: {year: count}}`` with years ascending."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for source, decided in session.exec(select(Registration.source, Registration.decision_date)):  # type: ignore[type-var]
        counts[source][str(decided.year) if decided else "unknown"] += 1
    return {source: dict(sorted(years.items())) for source, years in sorted(counts.items())}
