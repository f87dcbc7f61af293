# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""The review queue: automatic links and grades below the review threshold that no person
has decided yet, and the writes that record a decision as an Override row.

Decisions are written through tracker.evidence.overrides: Override rows, the latest per key
wins, automatic rows are never changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlmodel import Session

from tracker.db.models import EvidenceGrade, Override, PaperProductLink, Product, Publication
from tracker.evidence.overrides import load_decisions


@dataclass
class ReviewItem:
    kind: str  # "link" | "grade"
    publication_id: int
    product_id: int | None
    title: str
    subject: str  # the product (link) or the level (grade)
    confidence: float
    evidence: str  # the supporting sentence (link) or the cues (grade)


def _decided(session: Session) -> tuple[set[tuple[int, int | None]], set[int]]:
    """(paper, product) pairs whose link a person decided; papers whose level a person set."""
    decisions = load_decisions(session)
    links = {(k[1], k[2]) for k in decisions.latest if k[0] == "link" and k[3] == "link"}
    return links, decisions.papers_decided("level")


def review_queue(session: Session, *, threshold: float, limit: int = 200) -> list[ReviewItem]:
    """Undecided links below ``threshold`` then undecided grades below it (or flagged),
    least confident first; at most ``limit`` of each. The candidates are picked from the
    link and grade tables first; titles are joined for the chosen rows only."""
    decided_links, decided_grades = _decided(session)
    items: list[ReviewItem] = []
    link = PaperProductLink
    candidates = session.execute(
        select(link.publication_id, link.product_id, link.score, link.evidence)
        .where(link.score < threshold).order_by(link.score, link.id)
        .limit(limit + len(decided_links))).all()
    chosen = [c for c in candidates if (c[0], c[1]) not in decided_links][:limit]
    titles = _titles(session, [c[0] for c in chosen])
    names = dict(session.execute(select(Product.id, Product.name).where(  # type: ignore[arg-type]
        Product.id.in_({c[1] for c in chosen}))).all()) if chosen else {}  # type: ignore[union-attr]
    for pub, prod, score, evidence in chosen:
        items.append(ReviewItem("link", pub, prod, titles.get(pub, "?"), names.get(prod, "?"),
                                score, evidence or ""))
    grade = EvidenceGrade
    low = (select(grade.publication_id, grade.level, grade.confidence, grade.cues)
           .where(or_(grade.confidence < threshold, grade.needs_review)))
    if decided_grades:
        low = low.where(grade.publication_id.not_in(decided_grades))  # type: ignore[attr-defined]
    rows = session.execute(low.order_by(grade.confidence, grade.id).limit(limit)).all()
    titles = _titles(session, [r[0] for r in rows])
    for pub, level, confidence, cues in rows:
        items.append(ReviewItem("grade", pub, None, titles.get(pub, "?"), level or "none",
                                confidence, ", ".join(map(str, cues or []))))
    return items


def _titles(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Publication.id, Publication.title)  # type: ignore[arg-type]
                                .where(Publication.id.in_(ids))).all())  # type: ignore[union-attr]


def decide(session: Session, *, item: ReviewItem, accept: bool = True, level: str | None = None,
           author: str, reason: str = "") -> Override:
    """Record a person's decision on a queue item (through tracker.evidence.overrides) and commit it.

    A link: ``accept`` True confirms it, False rejects it. A grade: ``accept`` confirms the
    automatic level; otherwise ``level`` (a level or None for "not evidence") replaces it.
    """
    from tracker.evidence.overrides import confirm_grade, override_grade, override_link

    if item.kind == "link":
        assert item.product_id is not None
        return override_link(session, publication_id=item.publication_id,
                             product_id=item.product_id, accept=accept, author=author,
                             reason=reason or ("confirmed in review" if accept else "rejected in review"))
    if accept:
        return confirm_grade(session, publication_id=item.publication_id, author=author,
                             reason=reason or "confirmed in review")
    return override_grade(session, publication_id=item.publication_id, field_name="level",
                          value=level, author=author, reason=reason or "level changed in review")
