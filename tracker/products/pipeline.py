"""``resolve_new(engine, settings)``: the step after a regulatory crawl (``tracker crawl``,
the nightly job, ``tracker add-product --fda``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from tracker.db.engine import session

if TYPE_CHECKING:
    from tracker.config import Settings


def resolve_new(engine: Engine, settings: Settings | None = None) -> dict[str, Any]:
    """Group new registrations into products and merge company legal entities (idempotent);
    ``changed`` counts what this run changed. (Resolution reads no setting today; the
    parameter keeps every step's signature.)"""
    from tracker.products.resolution import resolve_products

    with session(engine) as s:
        figures = resolve_products(s)
    changed = sum(int(figures.get(k, 0)) for k in ("registrations_linked", "products_new", "companies_merged"))
    return {**figures, "changed": changed}
