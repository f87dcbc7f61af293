"""The TUI's access to the store: one engine per app, opened on first use in a worker, and
the product rows + evidence set shared by the Products and Evidence-gaps screens (cached,
dropped when a person records an override)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from tracker.config import Settings
from tracker.evidence.effective import EvidenceSet, evidence_set
from tracker.views.ownership import load_ownership
from tracker.views.products import ProductRow, product_rows


@dataclass
class ProductsBundle:
    rows: list[ProductRow]
    evidence: EvidenceSet


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
        """Product rows with their evidence (read once, then cached)."""
        engine = self.engine
        with self._lock:
            if self._products is None:
                from tracker.db.engine import session

                with session(engine) as s:
                    evidence = evidence_set(s)
                    ownership = load_ownership(
                        s, min_confidence=self.settings.event_min_confidence)
                    self._products = ProductsBundle(
                        product_rows(s, evidence=evidence, ownership=ownership,
                                     include_systems=self.include_systems), evidence)
            return self._products

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
