# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Evidence per product: linked papers counted by efficacy level, with study features.

One query reads every link with its paper's grade (links LEFT JOIN grade); overrides are
then applied (rejected links dropped, hand links added, levels and features replaced).
Papers that are retracted are left out; a paper with no level (a review, an editorial) is
linked but is not evidence. Preprints count as evidence but not as peer-reviewed evidence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import EvidenceGrade, PaperProductLink, Publication
from tracker.views.levels import FEATURES, TECHNICAL, highest_level
from tracker.views.overrides import Decisions, load_decisions


@dataclass
class PaperEvidence:
    """A paper's effective grade (override applied)."""

    publication_id: int
    level: str | None
    preprint: bool
    features: dict[str, bool | None] = field(default_factory=dict)


@dataclass
class ProductEvidence:
    product_id: int
    papers: list[int] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    peer_reviewed: int = 0
    feature_counts: Counter[str] = field(default_factory=Counter)

    @property
    def evidence_papers(self) -> int:
        """Linked papers with a level (primary evaluations)."""
        return sum(self.counts.values())

    @property
    def highest(self) -> str | None:
        return highest_level(self.counts)

    @property
    def only_technical(self) -> bool:
        return bool(self.counts) and set(self.counts) <= TECHNICAL


@dataclass
class EvidenceSet:
    products: dict[int, ProductEvidence]
    papers: dict[int, PaperEvidence]
    rule: str = ("links (minus rejected, plus hand-made) x effective grade; retracted papers "
                 "excluded; a paper without a level is not evidence")


_GRADE_COLS = [EvidenceGrade.level] + [getattr(EvidenceGrade, f) for f in FEATURES]


def _paper(pub_id: int, preprint: bool, level: Any, feats: tuple[Any, ...],
           decisions: Decisions, graded: set[int]) -> PaperEvidence:
    paper = PaperEvidence(pub_id, level, bool(preprint), dict(zip(FEATURES, feats, strict=True)))
    if pub_id not in graded:  # no person touched this paper's grade
        return paper
    decided, value = decisions.grade(pub_id, "level")
    if decided:
        paper.level = value
    for name in FEATURES:
        decided, value = decisions.grade(pub_id, name)
        if decided:
            paper.features[name] = value
    return paper


def _rows(session: Session, pairs: list[tuple[int, int]] | None = None) -> Any:
    query = (select(PaperProductLink.product_id, PaperProductLink.publication_id,
                    Publication.is_preprint, *_GRADE_COLS)
             .join(Publication, Publication.id == PaperProductLink.publication_id)
             .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == PaperProductLink.publication_id)
             .where(Publication.is_retracted.is_(False)))  # type: ignore[attr-defined]
    if pairs is not None:  # hand-made links: read the papers, not the link table
        pub_ids = sorted({p for p, _ in pairs})
        query = (select(Publication.id, Publication.is_preprint, *_GRADE_COLS)
                 .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id)
                 .where(Publication.id.in_(pub_ids))  # type: ignore[union-attr]
                 .where(Publication.is_retracted.is_(False)))  # type: ignore[attr-defined]
        by_pub = {row[0]: row for row in session.execute(query)}
        return [(prod, *by_pub[pub]) for pub, prod in pairs if pub in by_pub]
    return session.execute(query)


def evidence_set(session: Session, *, product_ids: list[int] | None = None) -> EvidenceSet:
    """Effective evidence for every product (or some products)."""
    decisions = load_decisions(session)
    graded = decisions.graded_publications()
    linked = decisions.linked_publications()
    products: dict[int, ProductEvidence] = {}
    papers: dict[int, PaperEvidence] = {}
    wanted = set(product_ids) if product_ids is not None else None
    seen: set[tuple[int, int]] = set()

    def add(row: Any) -> None:
        product_id, pub_id, preprint, level, *feats = row
        if wanted is not None and product_id not in wanted:
            return
        pair = (pub_id, product_id)
        if pair in seen or (pair in linked and decisions.link(pub_id, product_id) is False):
            return
        seen.add(pair)
        paper = papers.get(pub_id)
        if paper is None:
            paper = papers[pub_id] = _paper(pub_id, preprint, level, tuple(feats), decisions, graded)
        summary = products.get(product_id)
        if summary is None:
            summary = products[product_id] = ProductEvidence(product_id)
        summary.papers.append(pub_id)
        if paper.level is None:
            return
        summary.counts[paper.level] += 1
        summary.peer_reviewed += not paper.preprint
        for name, value in paper.features.items():
            if value is True:
                summary.feature_counts[name] += 1

    for row in _rows(session):
        add(row)
    added = [pair for pair in decisions.added_links() if (pair[0], pair[1]) not in seen]
    if added:
        for row in _rows(session, added):
            add(row)
    return EvidenceSet(products, papers)
