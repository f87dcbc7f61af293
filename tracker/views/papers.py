# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Paper search: free text (SQL LIKE on indexed, paged queries) and semantic search (the
linking area's faiss index), with filters on level, year, product and vendor independence.
Overrides are respected by the level, vendor-independence and product filters, and the
products shown are the effective links (hand-made ones included)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, func, or_, select, true, tuple_
from sqlalchemy.orm import Session
from sqlmodel import col

from tracker.config import Settings
from tracker.db.models import EvidenceGrade, PaperProductLink, Product, Publication
from tracker.evidence.effective import effective_grades, evidence_set
from tracker.evidence.overrides import Decisions, load_decisions
from tracker.store.refs import paper_url

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
    """The paper's page: PubMed, else its DOI, else the stored source URL (``paper_url``)."""
    pmid: str | None = None
    doi: str | None = None
    source_url: str = ""
    """The URL the store recorded the paper from (provenance)."""


@dataclass
class PaperPage:
    hits: list[PaperHit]
    total: int
    capped: bool
    method: str  # "text" | "semantic" | "semantic unavailable: ..."


def _grade_filter(column: Any, value: Any, decisions: Decisions, field_name: str) -> Any:
    """Automatic value matches and no person changed it, or a person set it to ``value``."""
    decided = decisions.papers_decided(field_name)
    chosen = decisions.papers_decided(field_name, value)
    auto = column == value
    if decided:
        auto = and_(auto, Publication.id.not_in(decided))  # type: ignore[union-attr]
    return or_(auto, Publication.id.in_(chosen)) if chosen else auto  # type: ignore[union-attr]


def _product_filter(session: Session, text: str, decisions: Decisions) -> Any:
    """Papers effectively linked to a product whose name contains ``text`` (or whose slug is
    ``text``): automatic links not rejected, plus hand-made links."""
    matches = or_(Product.name.icontains(text, autoescape=True),  # type: ignore[attr-defined]
                  Product.slug == text)
    linked = select(PaperProductLink.publication_id).where(
        PaperProductLink.product_id.in_(select(Product.id).where(matches)))  # type: ignore[attr-defined]
    rejected = sorted(decisions.rejected_links())
    if rejected:
        linked = linked.where(tuple_(PaperProductLink.publication_id,
                                     PaperProductLink.product_id).not_in(rejected))
    clause = Publication.id.in_(linked)  # type: ignore[union-attr]
    hand = decisions.accepted_links()
    if hand:
        wanted = set(session.execute(select(Product.id).where(
            Product.id.in_({prod for _, prod in hand}), matches)).scalars())  # type: ignore[union-attr]
        pubs = sorted({pub for pub, prod in hand if prod in wanted})
        if pubs:
            clause = or_(clause, Publication.id.in_(pubs))  # type: ignore[union-attr]
    return clause


def _conditions(session: Session, q: PaperQuery, decisions: Decisions) -> list[Any]:
    conds: list[Any] = []
    text = q.text.strip()
    if re.fullmatch(r"(?i)(pmid:)?\d{5,9}", text):
        conds.append(Publication.pmid == text.split(":")[-1])
    elif re.fullmatch(r"(?i)(doi:)?10\.\S+/\S+", text):
        conds.append(Publication.doi == text.lower().removeprefix("doi:"))
    else:
        for word in text.split():
            clause = Publication.title.icontains(word, autoescape=True)  # type: ignore[attr-defined]
            if q.abstracts:
                clause = or_(clause, Publication.abstract.icontains(word, autoescape=True))  # type: ignore[union-attr]
            conds.append(clause)
    if q.year is not None:
        conds.append(Publication.year == q.year)
    if q.level:
        conds.append(_grade_filter(EvidenceGrade.level, q.level, decisions, "level"))
    if q.vendor_independent is not None:
        conds.append(_grade_filter(EvidenceGrade.vendor_independent, q.vendor_independent,
                                   decisions, "vendor_independent"))
    if q.product.strip():
        conds.append(_product_filter(session, q.product.strip(), decisions))
    return conds


def _hits(session: Session, rows: Any, decisions: Decisions) -> list[PaperHit]:
    hits = [PaperHit(pid, title, year, journal or "", None, None, url=paper_url(pmid, doi, url, pid),
                     pmid=pmid, doi=doi, source_url=url or "")
            for pid, title, year, journal, pmid, doi, url in rows]
    if not hits:
        return hits
    by_id = {h.id: h for h in hits}
    grades = effective_grades(session, list(by_id), decisions=decisions)
    for hit in hits:
        grade = grades.get(hit.id)
        hit.level = grade.level if grade else None
        hit.vendor_independent = grade.vendor_independent if grade else None
    found = evidence_set(session, publication_ids=list(by_id), decisions=decisions)
    names = dict(session.execute(select(Product.id, Product.name).where(
        Product.id.in_({lk.product_id for lk in found.links}))).all())  # type: ignore[union-attr]
    for link in found.links:
        by_id[link.publication_id].products.append(names.get(link.product_id, "?"))
    return hits


def _select() -> Any:
    return (select(Publication.id, Publication.title, Publication.year, Publication.journal,
                   Publication.pmid, Publication.doi, Publication.source_url)
            .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id))


def search_text(session: Session, *, query: PaperQuery) -> PaperPage:
    """Papers matching every word (title, or title and abstract), newest first, one page."""
    decisions = load_decisions(session)
    conds = _conditions(session, query, decisions)
    where = and_(true(), *conds)
    rows = session.execute(_select().where(where)
                           .order_by(col(Publication.year).desc().nulls_last(), col(Publication.id).desc())
                           .limit(query.limit).offset(query.offset))
    hits = _hits(session, rows, decisions)
    capped_q = (select(Publication.id).outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id)
                .where(where).limit(COUNT_CAP + 1).subquery())
    total = session.execute(select(func.count()).select_from(capped_q)).scalar_one()
    return PaperPage(hits, min(total, COUNT_CAP), total > COUNT_CAP, "text")


def semantic_ids(session: Session, *, settings: Settings, text: str, k: int) -> list[tuple[int, float]] | str:
    """(publication id, similarity) from the linking area's paper index, or why there are none."""
    try:
        from tracker.linking.index import search_papers
    except ImportError as exc:
        return f"semantic search unavailable ({exc.msg})"
    try:
        found = search_papers(session.get_bind(), settings, text, k)
    except ImportError as exc:
        return f"semantic search unavailable ({exc.msg})"
    except (FileNotFoundError, OSError, RuntimeError, ValueError) as exc:
        return f"semantic search unavailable ({exc})"
    if not found:
        return "semantic search: no paper index yet (built by `tracker process`)"
    return [(int(pid), float(score)) for pid, score in found]


def semantic_available(session: Session, *, settings: Settings) -> str | None:
    """``None`` when semantic search can run on this store (a paper index can be had: see
    ``tracker.linking.index.index_available``), else why not; loads no model."""
    try:
        from tracker.linking.index import index_available
    except ImportError as exc:
        return f"semantic search unavailable ({exc.msg})"
    reason = index_available(session.get_bind(), settings)
    return None if reason is None else f"semantic search unavailable: {reason}"


def search_semantic(session: Session, *, query: PaperQuery, settings: Settings) -> PaperPage:
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
