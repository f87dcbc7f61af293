# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""One paper: bibliographic record, its sources, its grade (override applied, with the
automatic value kept beside it), the products it is linked to (effective links, hand-made
ones included; rejected ones shown as rejected) and the products it mentions without
evaluating them (``PaperMention``: role and sentence; not evidence)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.collation import code_point_order
from tracker.db.models import Company, PaperMention, Product, Publication, PublicationSource
from tracker.evidence.effective import effective_grade, evidence_set
from tracker.evidence.vocabulary import GRADE_FIELDS
from tracker.store.refs import paper_url


@dataclass
class PaperDetail:
    id: int
    title: str
    authors: str
    journal: str
    year: int | None
    url: str
    abstract: str
    conflicts: str
    flags: list[str]
    sources: list[dict[str, str]] = field(default_factory=list)
    grade: dict[str, Any] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    """Products the paper names without evaluating them: ``product_id``, ``product``,
    ``company``, ``role``, ``sentence``. Not evidence."""


def _authors(authors: Any) -> str:
    names = [a.get("name", "") if isinstance(a, dict) else str(a) for a in (authors or [])]
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def paper_detail(session: Session, *, publication_id: int) -> PaperDetail | None:
    pub = session.get(Publication, publication_id)
    if pub is None:
        return None
    flags = [name for name, on in (("preprint", pub.is_preprint), ("retracted", pub.is_retracted),
                                   ("composed for the recorded snapshot", pub.composed)) if on]
    detail = PaperDetail(pub.id or 0, pub.title, _authors(pub.authors), pub.journal or "",
                         pub.year, paper_url(pub.pmid, pub.doi, pub.source_url),
                         pub.abstract or "", pub.conflicts or "", flags)
    for source, ext, url in session.execute(
            select(PublicationSource.source, PublicationSource.external_id, PublicationSource.source_url)
            .where(PublicationSource.publication_id == publication_id)
            .order_by(code_point_order(PublicationSource.source),
                      code_point_order(PublicationSource.external_id))):
        detail.sources.append({"source": source, "id": ext, "url": url})
    grade = effective_grade(session, publication_id)
    for name in GRADE_FIELDS:
        value = getattr(grade, name) if grade else None
        overridden = grade is not None and name in grade.overridden
        detail.grade[name] = {"value": value,
                              "auto": grade.auto.get(name) if overridden else value,  # type: ignore[union-attr]
                              "overridden": overridden}
    if grade is not None and grade.graded:
        detail.grade["confidence"] = {"value": grade.confidence, "auto": grade.confidence,
                                      "overridden": False}
        detail.grade["cues"] = {"value": ", ".join(map(str, grade.cues or [])), "auto": None,
                                "overridden": False}
    found = evidence_set(session, publication_ids=[publication_id])
    names = dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(  # type: ignore[union-attr]
        [lk.product_id for lk in (*found.links, *found.rejected)]))).all())
    for link in sorted((*found.links, *found.rejected), key=lambda lk: lk.product_id):
        detail.links.append({"product_id": link.product_id, "product": names.get(link.product_id, "?"),
                             "score": link.score, "method": link.method, "sentence": link.evidence,
                             "decision": link.decision, "state": link.state})
    detail.mentions = _mentions(session, publication_id)
    return detail


def _mentions(session: Session, publication_id: int) -> list[dict[str, Any]]:
    query = (select(PaperMention.product_id, Product.name, Company.name, PaperMention.role,
                    PaperMention.evidence)
             .join(Product, Product.id == PaperMention.product_id)
             .outerjoin(Company, Company.id == Product.company_id)
             .where(PaperMention.publication_id == publication_id))
    rows = [{"product_id": product_id, "product": name, "company": company or "", "role": role,
             "sentence": sentence or ""}
            for product_id, name, company, role, sentence in session.execute(query)]
    rows.sort(key=lambda r: (r["product"].casefold(), r["product_id"], r["role"]))
    return rows
