"""What a literature crawl asks for: the search terms and the date window.

Spiders call ``search_plan`` once at start. Terms come from the products in the store (see
``tracker.literature.queries``) unless the user gives one (``-a query=...``). The window
starts at the source's watermark (the day the last successful crawl ran; that day is asked
again, since duplicates are harmless) and ends today; without a watermark there is no lower
bound (a full backfill).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from tracker.db.engine import open_store, session
from tracker.literature.queries import joined_queries, product_queries
from tracker.records import utcnow
from tracker.store.runs import get_watermark


@dataclass
class SearchPlan:
    terms: list[str] = field(default_factory=list)
    since: date | None = None
    until: date = field(default_factory=lambda: utcnow().date())
    products: int = 0


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def search_plan(*, database_url: str, source: str, max_chars: int, query: str | None = None,
                since: str | None = None) -> SearchPlan:
    """Terms and window for one crawl of ``source`` ("pubmed" or "europepmc")."""
    engine = open_store(database_url)
    try:
        with session(engine) as s:
            watermark = get_watermark(s, source=source)
            queries = [] if query else product_queries(s)
    finally:
        engine.dispose()
    terms = [query] if query else joined_queries(queries, source=source, max_chars=max_chars)
    return SearchPlan(terms=terms, since=parse_day(since) or parse_day(watermark), products=len(queries))
