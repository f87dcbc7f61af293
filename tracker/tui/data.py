"""The TUI's access to the store: one engine per app, opened on first use in a worker, and
the product rows + evidence summary + ownership + findings catalogue shared by the Products,
Evidence-gaps, company and comparison screens (cached, dropped when a person records an
override), and the papers-by-level-per-year counts behind the charts.

The rows' evidence columns and the gap lists come from ``evidence_summary`` (counted in SQL);
the full evidence set (every link with its paper) is read only when a screen asks for it
(``ProductsBundle.evidence``: the company and comparison screens)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.config import Settings
from tracker.evidence.effective import EvidenceSet, EvidenceSummary, evidence_set, evidence_summary
from tracker.views.company import YEAR_LEVELS_RULE as VIEW_YEAR_RULE
from tracker.views.company import levels_by_year
from tracker.views.compare import tasks_catalogue
from tracker.views.ownership import Ownership, load_ownership
from tracker.views.products import ProductRow, product_rows

YEAR_LEVELS_RULE = ("evidence papers (tracker.evidence.effective: effectively linked, not "
                    "retracted, with an effective level) of the products, "
                    + VIEW_YEAR_RULE + "; papers without a year are left out")


@dataclass
class ProductsBundle:
    rows: list[ProductRow]
    summary: EvidenceSummary
    """The counted products' evidence as counts (the rows' columns, the gap lists, the figures)."""
    ownership: Ownership | None = None
    findings: list[tuple[str, int]] = field(default_factory=list)
    """The findings catalogue (``tracker.views.compare.findings_catalogue``, from the rows)."""
    read_evidence: Callable[[], EvidenceSet] | None = field(default=None, repr=False)
    _evidence: EvidenceSet | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def evidence(self) -> EvidenceSet:
        """Every effective link with its paper: read on first use, then kept."""
        with self._lock:
            if self._evidence is None:
                self._evidence = self.read_evidence() if self.read_evidence else EvidenceSet()
            return self._evidence

    @property
    def evidence_read(self) -> EvidenceSet | None:
        """The evidence set if a screen already read it, else ``None``."""
        return self._evidence


def with_evidence(rows: list[ProductRow], summary: EvidenceSummary) -> list[ProductRow]:
    """The rows' evidence columns (papers per level, linked papers, highest level) from the
    summary: ``tracker.views.products.product_rows`` fills them from an evidence set."""
    for row in rows:
        ev = summary.product(row.id)
        row.counts, row.papers, row.highest = dict(ev.counts), ev.linked, ev.highest
    return rows


class StoreData:
    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self._engine = engine
        self._lock = threading.Lock()
        self._products: ProductsBundle | None = None
        self.include_systems = False
        """Count imaging systems as products too (the ``i`` key); AI software only by default."""
        self.generation = 0
        """Bumped whenever cached views are dropped; screens reload when it changed."""

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                from tracker.db.engine import open_store

                self._engine = open_store(self.settings.database_url)
            return self._engine

    def session(self) -> Session:
        from tracker.db.engine import session

        return session(self.engine)

    def products(self) -> ProductsBundle:
        """Product rows with their evidence counted in SQL (read once, then cached)."""
        engine = self.engine
        with self._lock:
            if self._products is None:
                from tracker.db.engine import session

                with session(engine) as s:
                    summary = evidence_summary(s, include_systems=self.include_systems)
                    ownership = load_ownership(
                        s, min_confidence=self.settings.event_min_confidence)
                    # an empty evidence set: the evidence columns come from the summary
                    rows = with_evidence(product_rows(s, evidence=EvidenceSet(), ownership=ownership,
                                                      include_systems=self.include_systems), summary)
                self._products = ProductsBundle(
                    rows, summary, ownership, tasks_catalogue(r.task_matches for r in rows),
                    read_evidence=self._read_evidence)
            return self._products

    def _read_evidence(self) -> EvidenceSet:
        with self.session() as s:
            return evidence_set(s)

    def papers_by_level_year(self, product_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """year -> level -> evidence papers of ``product_ids`` (``YEAR_LEVELS_RULE``): the
        levels come from the evidence set of those products (the cached one once read), the
        count from ``tracker.views.company.levels_by_year``; papers without a year are left out."""
        wanted = sorted(set(product_ids))
        evidence = self.products().evidence_read
        papers: dict[int, str] = {}
        with self.session() as s:
            if evidence is None:
                evidence = evidence_set(s, product_ids=wanted)
            for pid in wanted:
                for paper in evidence.product(pid).evidence:
                    if paper.level:
                        papers[paper.publication_id] = paper.level
            if not papers:
                return {}
            counts = levels_by_year(s, papers)
        return {year: dict(per) for year, per in counts.items() if year is not None}

    def company_of(self, product_id: int) -> int | None:
        """The company id of a product (from the cached rows, else the store)."""
        for row in self.products().rows:
            if row.id == product_id:
                return row.company_id
        from tracker.db.models import Product

        with self.session() as s:
            product = s.get(Product, product_id)
            return product.company_id if product is not None else None

    def toggle_systems(self) -> bool:
        """Imaging systems in or out of every screen's figures; returns the new state."""
        self.include_systems = not self.include_systems
        self.invalidate()
        return self.include_systems

    def invalidate(self) -> None:
        with self._lock:
            self._products = None
            self.generation += 1

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
