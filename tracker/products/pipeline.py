"""``resolve_new(engine, settings)``: the nightly job's step after the regulatory crawl."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from tracker.db.engine import session


def resolve_new(engine: Engine, settings: Any = None) -> dict[str, Any]:
    """Group new registrations into products and merge company legal entities (idempotent);
    ``changed`` counts what this run changed."""
    from tracker.products.resolution import resolve_products

    with session(engine) as s:
        figures = resolve_products(s)
    changed = sum(int(figures.get(k, 0)) for k in ("registrations_linked", "products_new", "companies_merged"))
    return {**figures, "changed": changed}
