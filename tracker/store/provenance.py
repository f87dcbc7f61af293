"""Which stored rows were composed for the recorded snapshot rather than recorded upstream.

Collected rows (registrations, publication sources, news items) take ``composed`` from their
record (see ``tracker.sources.provenance``); rows made from them follow one rule each:

- a publication is composed when every one of its source copies is composed;
- a product is composed when every registration it comes from is composed;
- a company is composed when every registration filed under it is composed.

A row with no such source (a seeded company, a product a person added) is not composed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlmodel import Session, select

from tracker.db.engine import session as open_session
from tracker.db.models import Company, Product, Publication, PublicationSource, Registration


def all_composed(flags: list[bool]) -> bool:
    """The rule: composed when there is at least one source and every source is composed."""
    return bool(flags) and all(flags)


def publication_composed(session: Session, *, publication_id: int) -> bool:
    flags = session.exec(select(PublicationSource.composed)
                         .where(PublicationSource.publication_id == publication_id)).all()
    return all_composed(list(flags))


def _sync(session: Session, table: Any, flags: dict[int, list[bool]]) -> int:
    changed = 0
    for row in session.exec(select(table)):
        composed = all_composed(flags.get(row.id, []))
        if row.composed != composed:
            row.composed = composed
            session.add(row)
            changed += 1
    return changed


def mark_composed(session: Session) -> dict[str, int]:
    """Set ``composed`` on every publication, product and company by the rules above; how
    many rows of each changed, and ``changed`` in all. Idempotent."""
    by_product: dict[int, list[bool]] = defaultdict(list)
    by_company: dict[int, list[bool]] = defaultdict(list)
    for product_id, company_id, composed in session.exec(
            select(Registration.product_id, Registration.company_id, Registration.composed)):
        if product_id is not None:
            by_product[product_id].append(composed)
        if company_id is not None:
            by_company[company_id].append(composed)
    by_publication: dict[int, list[bool]] = defaultdict(list)
    for publication_id, composed in session.exec(
            select(PublicationSource.publication_id, PublicationSource.composed)):
        by_publication[publication_id].append(composed)
    figures = {
        "publications": _sync(session, Publication, by_publication),
        "products": _sync(session, Product, by_product),
        "companies": _sync(session, Company, by_company),
    }
    session.flush()
    figures["changed"] = sum(figures.values())
    return figures


def mark_composed_step(engine: Any, settings: Any = None) -> dict[str, Any]:
    """``mark_composed`` as a processing step ``(engine, settings) -> figures`` (run it after
    products are resolved)."""
    with open_session(engine) as s:
        figures = mark_composed(s)
        s.commit()
    return figures
