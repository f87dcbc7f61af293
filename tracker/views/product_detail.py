# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""Everything the tracker holds on one product: registrations, linked papers with their
grade, news naming the product or its company, and the company's ownership history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from tracker.db.models import (
    Company,
    EvidenceGrade,
    NewsItem,
    PaperProductLink,
    Product,
    Publication,
    Registration,
)
from tracker.views.levels import FEATURES
from tracker.views.overrides import load_decisions
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
    decided: str  # "", "confirmed" or "hand link"
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
    news: list[dict[str, Any]] = field(default_factory=list)
    ownership: list[dict[str, Any]] = field(default_factory=list)


def paper_url(pmid: str | None, doi: str | None, fallback: str = "") -> str:
    if pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    if doi:
        return f"https://doi.org/{doi}"
    return fallback


def _papers(session: Session, product_id: int) -> list[LinkedPaper]:
    decisions = load_decisions(session)
    links = {pub: (score, method, evidence) for pub, score, method, evidence in session.execute(
        select(PaperProductLink.publication_id, PaperProductLink.score, PaperProductLink.method,
               PaperProductLink.evidence).where(PaperProductLink.product_id == product_id))}
    hand = {pub for pub, prod in decisions.added_links() if prod == product_id}
    pub_ids = [p for p in set(links) | hand if decisions.link(p, product_id) is not False]
    if not pub_ids:
        return []
    query = (select(Publication.id, Publication.title, Publication.year, Publication.pmid,
                    Publication.doi, Publication.source_url, EvidenceGrade.level,
                    *[getattr(EvidenceGrade, f) for f in FEATURES], EvidenceGrade.sample_size)
             .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id)
             .where(Publication.id.in_(pub_ids)))  # type: ignore[union-attr]
    papers = []
    for pid, title, year, pmid, doi, url, level, *rest in session.execute(query):
        features = dict(zip((*FEATURES, "sample_size"), rest, strict=True))
        decided, value = decisions.grade(pid, "level")
        level = value if decided else level
        for name in FEATURES:
            decided, value = decisions.grade(pid, name)
            if decided:
                features[name] = value
        score, method, sentence = links.get(pid, (None, "override", ""))
        state = "hand link" if pid not in links else (
            "confirmed" if decisions.link(pid, product_id) else "")
        papers.append(LinkedPaper(pid, title, year, level, features, sentence or "", score,
                                  method, state, paper_url(pmid, doi, url or "")))
    papers.sort(key=lambda p: (-(p.year or 0), p.title))
    return papers


def product_detail(session: Session, *, product_id: int, news_limit: int = 20) -> ProductDetail | None:
    product = session.get(Product, product_id)
    if product is None:
        return None
    company = session.get(Company, product.company_id)
    company_name = company.name if company else "?"
    detail = ProductDetail(product.id or 0, product.name, company_name, product.modality or "",
                           product.subspecialty or "", product.description or "",
                           product.source_url)
    for reg in session.execute(select(Registration).where(Registration.product_id == product_id)
                               .order_by(Registration.decision_date)).scalars():
        detail.registrations.append({
            "regulator": reg.regulator, "kind": reg.kind, "number": reg.number,
            "decision_date": reg.decision_date, "device_name": reg.device_name,
            "ce_class": reg.ce_class or reg.device_class or "", "url": reg.source_url})
    detail.papers = _papers(session, product_id)
    names = [n for n in {product.name, company_name} if n and len(n) >= 3]
    if names:
        clauses = [NewsItem.title.contains(n, autoescape=True) for n in names]  # type: ignore[attr-defined]
        clauses += [NewsItem.summary.contains(n, autoescape=True) for n in names]  # type: ignore[union-attr]
        for item in session.execute(select(NewsItem).where(or_(*clauses))
                                    .order_by(NewsItem.published.desc())  # type: ignore[union-attr]
                                    .limit(news_limit)).scalars():
            when = item.published.date() if isinstance(item.published, datetime) else None
            detail.news.append({"date": when, "title": item.title,
                                "publisher": item.publisher or "", "url": item.url})
    ownership = load_ownership(session)
    for edge in ownership.history(product.company_id):
        detail.ownership.append({"since": edge.since, "owner": ownership.names.get(edge.parent, "?"),
                                 "event_id": edge.event_id, "url": edge.source_url})
    if product.company_id in ownership.closures:
        when, eid = ownership.closures[product.company_id]
        detail.ownership.append({"since": when, "owner": "(closed)", "event_id": eid, "url": ""})
    return detail


