# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Paper search: free text (SQL LIKE on indexed, paged queries) and semantic search (the
linking area's faiss index), with filters on level, year, product and vendor independence.
Overrides are respected by the level and vendor-independence filters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from tracker.db.models import EvidenceGrade, PaperProductLink, Product, Publication
from tracker.views.overrides import Decisions, load_decisions
from tracker.views.product_detail import paper_url

COUNT_CAP = 1000
"""Counting stops here ("1000+"): a count must not scan the whole table on every key."""


@dataclass
class PaperQuery:
    text: str = ""
    level: str | None = None
    year: int | None = None
    product: str = ""
    vendor_independent: bool | None = None
    abstracts: bool = False
    limit: int = 100
    offset: int = 0


@dataclass
class PaperHit:
    id: int
    title: str
    year: int | None
    journal: str
    level: str | None
    vendor_independent: bool | None
    products: list[str] = field(default_factory=list)
    score: float | None = None
    url: str = ""


@dataclass
class PaperPage:
    hits: list[PaperHit]
    total: int
    capped: bool
    method: str  # "text" | "semantic" | "semantic unavailable: ..."


def _grade_filter(column: Any, value: Any, decisions: Decisions, field_name: str) -> Any:
    decided = {k[1] for k in decisions.values if k[0] == "grade" and k[3] == field_name}
    chosen = {k[1] for k, v in decisions.values.items()
              if k[0] == "grade" and k[3] == field_name and v == value}
    auto = column == value
    if decided:
        auto = and_(auto, Publication.id.not_in(decided))  # type: ignore[union-attr]
    return or_(auto, Publication.id.in_(chosen)) if chosen else auto  # type: ignore[union-attr]


def _conditions(session: Session, q: PaperQuery, decisions: Decisions) -> list[Any]:
    conds: list[Any] = []
    text = q.text.strip()
    if re.fullmatch(r"(?i)(pmid:)?\d{5,9}", text):
        conds.append(Publication.pmid == text.split(":")[-1])
    elif re.fullmatch(r"(?i)(doi:)?10\.\S+/\S+", text):
        conds.append(Publication.doi == text.lower().removeprefix("doi:"))
    else:
        for word in text.split():
            clause = Publication.title.contains(word, autoescape=True)  # type: ignore[attr-defined]
            if q.abstracts:
                clause = or_(clause, Publication.abstract.contains(word, autoescape=True))  # type: ignore[union-attr]
            conds.append(clause)
    if q.year is not None:
        conds.append(Publication.year == q.year)
    if q.level:
        conds.append(_grade_filter(EvidenceGrade.level, q.level, decisions, "level"))
    if q.vendor_independent is not None:
        conds.append(_grade_filter(EvidenceGrade.vendor_independent, q.vendor_independent,
                                   decisions, "vendor_independent"))
    if q.product.strip():
        ids = select(Product.id).where(or_(
            Product.name.contains(q.product.strip(), autoescape=True),  # type: ignore[attr-defined]
            Product.slug == q.product.strip()))
        linked = select(PaperProductLink.publication_id).where(PaperProductLink.product_id.in_(ids))  # type: ignore[attr-defined]
        conds.append(Publication.id.in_(linked))  # type: ignore[union-attr]
    return conds


def _hits(session: Session, rows: Any, decisions: Decisions) -> list[PaperHit]:
    hits = [PaperHit(pid, title, year, journal or "", level, vi, url=paper_url(pmid, doi, url))
            for pid, title, year, journal, pmid, doi, url, level, vi in rows]
    if not hits:
        return hits
    by_id = {h.id: h for h in hits}
    for hit in hits:
        for name, attr in (("level", "level"), ("vendor_independent", "vendor_independent")):
            decided, value = decisions.grade(hit.id, name)
            if decided:
                setattr(hit, attr, value)
    for pub, prod, name in session.execute(
            select(PaperProductLink.publication_id, PaperProductLink.product_id, Product.name)
            .join(Product, Product.id == PaperProductLink.product_id)
            .where(PaperProductLink.publication_id.in_(list(by_id)))):  # type: ignore[attr-defined]
        if decisions.link(pub, prod) is not False:
            by_id[pub].products.append(name)
    return hits


def _select() -> Any:
    return (select(Publication.id, Publication.title, Publication.year, Publication.journal,
                   Publication.pmid, Publication.doi, Publication.source_url, EvidenceGrade.level,
                   EvidenceGrade.vendor_independent)
            .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id))


def search_text(session: Session, *, query: PaperQuery) -> PaperPage:
    """Papers matching every word (title, or title and abstract), newest first, one page."""
    decisions = load_decisions(session)
    conds = _conditions(session, query, decisions)
    where = and_(true(), *conds)
    rows = session.execute(_select().where(where)
                           .order_by(Publication.year.desc(), Publication.id.desc())  # type: ignore[union-attr]
                           .limit(query.limit).offset(query.offset))
    hits = _hits(session, rows, decisions)
    capped_q = (select(Publication.id).outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id)
                .where(where).limit(COUNT_CAP + 1).subquery())
    total = session.execute(select(func.count()).select_from(capped_q)).scalar_one()
    return PaperPage(hits, min(total, COUNT_CAP), total > COUNT_CAP, "text")


def semantic_ids(session: Session, *, settings: Any, text: str, k: int) -> list[tuple[int, float]] | str:
    """(publication id, similarity) from the linking area's paper index, or why there are none."""
    try:
        from tracker.linking.index import search_papers
    except ImportError as exc:
        return f"semantic search unavailable ({exc.msg})"
    try:
        found = search_papers(session.get_bind(), settings, text, k)
    except (FileNotFoundError, OSError, RuntimeError, ValueError) as exc:
        return f"semantic search unavailable ({exc})"
    if not found:
        return "semantic search: no paper index yet (built by `tracker process`)"
    return [(int(pid), float(score)) for pid, score in found]


def search_semantic(session: Session, *, query: PaperQuery, settings: Any) -> PaperPage:
    """Nearest papers to the text; the other filters apply to the neighbours found."""
    found = semantic_ids(session, settings=settings, text=query.text, k=max(query.limit * 5, 200))
    if isinstance(found, str):
        return PaperPage([], 0, False, found)
    scores = dict(found)
    decisions = load_decisions(session)
    conds = _conditions(session, PaperQuery(**{**query.__dict__, "text": ""}), decisions)
    where = and_(Publication.id.in_(list(scores)) if scores else false(), *conds)  # type: ignore[union-attr]
    hits = _hits(session, session.execute(_select().where(where)), decisions)
    for hit in hits:
        hit.score = scores[hit.id]
    hits.sort(key=lambda h: -(h.score or 0.0))
    page = hits[query.offset:query.offset + query.limit]
    return PaperPage(page, len(hits), False, "semantic")
