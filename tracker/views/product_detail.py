# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Everything the tracker holds on one product: registrations, linked papers with their
grade, papers that mention it without evaluating it, news naming the product or its company,
and the company's ownership history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session, col

from tracker.db.collation import code_point_order
from tracker.db.models import (
    Company,
    NewsItem,
    PaperMention,
    Product,
    Publication,
    Registration,
)
from tracker.evidence.effective import evidence_set
from tracker.store.refs import paper_url
from tracker.store.registrations import decision_order
from tracker.views.ownership import load_ownership


@dataclass
class LinkedPaper:
    publication_id: int
    title: str
    year: int | None
    level: str | None
    features: dict[str, Any]
    sentence: str
    score: float | None
    method: str
    decided: str  # "", "confirmed" or "hand link" (EffectiveLink.state)
    url: str


@dataclass
class MentioningPaper:
    """A paper that names the product without evaluating it (``PaperMention``): shown as
    "mentioned in", never evidence."""

    publication_id: int
    title: str
    year: int | None
    role: str  # used-as-tool | listed | cited | reference-standard | unresolved
    sentence: str
    url: str


@dataclass
class ProductDetail:
    id: int
    name: str
    company: str
    modality: str
    subspecialty: str
    description: str
    source_url: str
    registrations: list[dict[str, Any]] = field(default_factory=list)
    papers: list[LinkedPaper] = field(default_factory=list)
    mentioned_in: list[MentioningPaper] = field(default_factory=list)
    """Kept apart from ``papers``: no evidence figure counts them."""
    news: list[dict[str, Any]] = field(default_factory=list)
    ownership: list[dict[str, Any]] = field(default_factory=list)
    kind: str = "software"
    product_type: str = ""
    family: str = ""
    findings: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    composed: bool = False
    taxonomy: dict[str, dict[str, Any]] = field(default_factory=dict)
    """field -> {"rule", "source"}: why each value (``tracker.products.classify``)."""


def _papers(session: Session, product_id: int) -> list[LinkedPaper]:
    """The product's effectively linked papers (hand-made links included, rejected ones
    left out) with their effective grades."""
    found = evidence_set(session, product_ids=[product_id])
    pub_ids = [lk.publication_id for lk in found.links]
    if not pub_ids:
        return []
    info = {pid: rest for pid, *rest in session.execute(
        select(Publication.id, Publication.title, Publication.year, Publication.pmid,
               Publication.doi, Publication.source_url).where(Publication.id.in_(pub_ids)))}  # type: ignore[union-attr]
    papers = []
    for link in found.links:
        title, year, pmid, doi, url = info[link.publication_id]
        paper = found.papers[link.publication_id]
        features: dict[str, Any] = {**paper.features, "sample_size": paper.sample_size}
        papers.append(LinkedPaper(link.publication_id, title, year, paper.level, features,
                                  link.evidence or "", link.score, link.method, link.state,
                                  paper_url(pmid, doi, url)))
    papers.sort(key=lambda p: (-(p.year or 0), p.title))
    return papers


def _mentioned_in(session: Session, product_id: int) -> list[MentioningPaper]:
    """Papers that name the product without evaluating it, newest first."""
    query = (select(PaperMention.publication_id, Publication.title, Publication.year,
                    PaperMention.role, PaperMention.evidence, Publication.pmid, Publication.doi,
                    Publication.source_url)
             .join(Publication, Publication.id == PaperMention.publication_id)
             .where(PaperMention.product_id == product_id))
    out = [MentioningPaper(pub_id, title, year, role, sentence or "", paper_url(pmid, doi, url))
           for pub_id, title, year, role, sentence, pmid, doi, url in session.execute(query)]
    out.sort(key=lambda m: (-(m.year or 0), m.title, m.publication_id, m.role))
    return out


def product_detail(session: Session, *, product_id: int, news_limit: int = 20,
                   min_confidence: float | None = None) -> ProductDetail | None:
    product = session.get(Product, product_id)
    if product is None:
        return None
    company = session.get(Company, product.company_id)
    company_name = company.name if company else "?"
    detail = ProductDetail(product.id or 0, product.display_name or product.name, company_name,
                           (product.modality or "").replace(";", ", "), product.subspecialty or "",
                           product.description or "", product.source_url, kind=product.kind,
                           product_type=product.product_type or "", family=product.family or "",
                           findings=list(product.findings or []), composed=bool(product.composed),
                           taxonomy=dict(product.taxonomy or {}))
    from tracker.views.platforms import platforms_for_product

    detail.platforms = [p.platform for p in platforms_for_product(session, product_id)]
    for reg in session.execute(select(Registration).where(Registration.product_id == product_id)
                               .order_by(*decision_order())).scalars():
        detail.registrations.append({
            "regulator": reg.regulator, "kind": reg.kind + (" (composed)" if reg.composed else ""),
            "number": reg.number, "composed": bool(reg.composed),
            "decision_date": reg.decision_date, "device_name": reg.device_name,
            "ce_class": reg.ce_class or reg.device_class or "", "url": reg.source_url})
    detail.papers = _papers(session, product_id)
    detail.mentioned_in = _mentioned_in(session, product_id)
    names = [n for n in {product.name, company_name} if n and len(n) >= 3]
    if names:
        clauses = [NewsItem.title.icontains(n, autoescape=True) for n in names]  # type: ignore[attr-defined]
        clauses += [NewsItem.summary.icontains(n, autoescape=True) for n in names]  # type: ignore[union-attr]
        for item in session.execute(select(NewsItem).where(or_(*clauses))
                                    .order_by(col(NewsItem.published).desc().nulls_last(),
                                              code_point_order(col(NewsItem.url)))
                                    .limit(news_limit)).scalars():
            when = item.published.date() if isinstance(item.published, datetime) else None
            detail.news.append({"date": when, "title": item.title,
                                "publisher": item.publisher or "", "url": item.url})
    ownership = load_ownership(session, min_confidence=min_confidence)
    for edge in ownership.history(product.company_id):
        detail.ownership.append({"since": edge.since, "owner": ownership.names.get(edge.parent, "?"),
                                 "event_id": edge.event_id, "url": edge.source_url})
    if product.company_id in ownership.closures:
        when, eid = ownership.closures[product.company_id]
        detail.ownership.append({"since": when, "owner": "(closed)", "event_id": eid, "url": ""})
    return detail


