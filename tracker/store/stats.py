"""Counts over the store for ``tracker stats``."""

from __future__ import annotations

from sqlalchemy import Integer, cast, extract, func
from sqlmodel import Session, SQLModel, col, select

from tracker.db import models

COUNTED: dict[str, type[SQLModel]] = {
    "companies": models.Company,
    "company_aliases": models.CompanyAlias,
    "products": models.Product,
    "product_aliases": models.ProductAlias,
    "registrations": models.Registration,
    "publications": models.Publication,
    "publication_sources": models.PublicationSource,
    "news_items": models.NewsItem,
    "events": models.CompanyEvent,
    "links": models.PaperProductLink,
    "grades": models.EvidenceGrade,
    "overrides": models.Override,
    "crawl_runs": models.CrawlRun,
}


def table_counts(session: Session) -> dict[str, int]:
    """Rows per table."""
    return {name: session.exec(select(func.count()).select_from(table)).one()  # type: ignore[arg-type]
            for name, table in COUNTED.items()}


def registrations_by(session: Session) -> dict[str, dict[str, int]]:
    """Registrations by regulator and by decision year."""
    reg = models.Registration
    by_regulator = dict(session.exec(select(reg.regulator, func.count()).group_by(reg.regulator)).all())
    year = cast(extract("year", col(reg.decision_date)), Integer)  # an int on every engine
    by_year = {str(y): n for y, n in session.exec(
        select(year, func.count()).where(reg.decision_date.is_not(None)).group_by(year)).all()}  # type: ignore[union-attr]
    return {"by_regulator": by_regulator, "by_year": dict(sorted(by_year.items()))}
