# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""One paper: bibliographic record, its sources, its grade (override applied, with the
automatic value kept beside it) and the products it is linked to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import (
    EvidenceGrade,
    PaperProductLink,
    Product,
    Publication,
    PublicationSource,
)
from tracker.views.levels import FEATURES
from tracker.views.overrides import load_decisions
from tracker.views.product_detail import paper_url


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


def _authors(authors: Any) -> str:
    names = [a.get("name", "") if isinstance(a, dict) else str(a) for a in (authors or [])]
    return ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")


def paper_detail(session: Session, *, publication_id: int) -> PaperDetail | None:
    pub = session.get(Publication, publication_id)
    if pub is None:
        return None
    decisions = load_decisions(session, publication_ids=[publication_id])
    flags = [name for name, on in (("preprint", pub.is_preprint), ("retracted", pub.is_retracted)) if on]
    detail = PaperDetail(pub.id or 0, pub.title, _authors(pub.authors), pub.journal or "",
                         pub.year, paper_url(pub.pmid, pub.doi, pub.source_url),
                         pub.abstract or "", pub.conflicts or "", flags)
    for source, ext, url in session.execute(
            select(PublicationSource.source, PublicationSource.external_id, PublicationSource.source_url)
            .where(PublicationSource.publication_id == publication_id)):
        detail.sources.append({"source": source, "id": ext, "url": url})
    grade = session.execute(select(EvidenceGrade).where(
        EvidenceGrade.publication_id == publication_id)).scalar_one_or_none()
    auto: dict[str, Any] = {"level": grade.level if grade else None}
    auto.update({f: getattr(grade, f) if grade else None for f in (*FEATURES, "sample_size")})
    for name, value in auto.items():
        decided, chosen = decisions.grade(publication_id, name)
        detail.grade[name] = {"value": chosen if decided else value, "auto": value,
                              "overridden": decided}
    if grade:
        detail.grade["confidence"] = {"value": grade.confidence, "auto": grade.confidence,
                                      "overridden": False}
        detail.grade["cues"] = {"value": ", ".join(map(str, grade.cues or [])), "auto": None,
                                "overridden": False}
    for prod_id, name, score, method, evidence in session.execute(
            select(PaperProductLink.product_id, Product.name, PaperProductLink.score,
                   PaperProductLink.method, PaperProductLink.evidence)
            .join(Product, Product.id == PaperProductLink.product_id)
            .where(PaperProductLink.publication_id == publication_id)):
        detail.links.append({"product_id": prod_id, "product": name, "score": score,
                             "method": method, "sentence": evidence,
                             "decision": decisions.link(publication_id, prod_id)})
    return detail
