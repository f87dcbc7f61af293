# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Who owns whom, for the views: a thin layer over the market area's
:class:`tracker.market.ownership.OwnershipGraph` (its rules: a completed majority
acquisition, merger or rebrand makes the event's ``counterparty`` the owner of its
``company``; closures end a company; untrusted extracted events below the confidence floor
are ignored). Adds the source URL of each event and the owner -> acquired companies view
the ownership tree needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlmodel import Session

from tracker.db.models import CompanyEvent
from tracker.market.ownership import OwnershipGraph


@dataclass(frozen=True)
class Edge:
    """``parent`` owns ``child`` from ``since`` (None: date unknown, counts for today only)."""

    parent: int
    child: int
    since: date | None
    event_id: int
    source_url: str


@dataclass
class Ownership:
    graph: OwnershipGraph
    edges: list[Edge] = field(default_factory=list)

    @property
    def names(self) -> dict[int, str]:
        return self.graph.names

    @property
    def closures(self) -> dict[int, tuple[date | None, int]]:
        return self.graph.closures

    def owner_on(self, company_id: int, when: date | None = None) -> Edge | None:
        control = self.graph.owner(company_id, when)
        if control is None:
            return None
        return next((e for e in self.edges if e.event_id == control.event_id), None)

    def ultimate_parent(self, company_id: int, when: date | None = None) -> int:
        return self.graph.ultimate_parent(company_id, when)

    def children(self, company_id: int) -> list[Edge]:
        """Companies this one owns today, by date then name."""
        kids = [e for e in self.edges if e.parent == company_id and self.owner_on(e.child) == e]
        return sorted(kids, key=lambda e: (e.since or date.min, self.names.get(e.child, "")))

    def history(self, company_id: int) -> list[Edge]:
        """Every owner the company had, oldest first."""
        ids = [c.event_id for c in self.graph.history(company_id)]
        by_id = {e.event_id: e for e in self.edges}
        return [by_id[i] for i in ids if i in by_id]


def load_ownership(session: Session, *, min_confidence: float | None = None) -> Ownership:
    """Ownership edges with their sources (``min_confidence``: see OwnershipGraph.load)."""
    graph = OwnershipGraph.load(session, min_confidence=min_confidence)
    ids = [c.event_id for items in graph.controls.values() for c in items]
    urls: dict[int, str] = {}
    if ids:
        urls = dict(session.execute(select(CompanyEvent.id, CompanyEvent.source_url)
                                    .where(CompanyEvent.id.in_(ids))).all())  # type: ignore[union-attr]
    edges = [Edge(c.owner_id, c.company_id, c.since, c.event_id, urls.get(c.event_id, ""))
             for items in graph.controls.values() for c in items]
    return Ownership(graph, edges)
