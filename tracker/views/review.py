# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""The review queue: automatic links and grades below the review threshold that no person
has decided yet, most valuable first, and the writes that record a decision.

Who is in the queue
    An automatic link scoring below ``threshold`` (the ``review_threshold`` setting) or less
    than ``LINK_REVIEW_BAND`` above the link threshold, and a candidate the linker left
    unresolved (a family or vendor name it could not resolve to one member, or a near miss
    under the link threshold: ``PaperMention`` rows with role ``unresolved``), whose
    (paper, product) pair no person decided, and an automatic grade whose confidence is below
    ``threshold`` (or that the grader flagged) and whose level no person set. Papers whose
    relevance is ``off-topic`` never enter: the grade's ``relevance`` decides, and the link
    state's when the grade has none (old rows have neither, and stay in).

Order: expected value of a decision, highest first::

    uncertainty u = 1 - |x - t| / w         x: the link's score or the grade's confidence
                                             t: the decision threshold (below)
                                             w: t when x < t, else 1 - t (u is 1 at the
                                                threshold and 0 at the far end of the scale)
    weight      g = 1 + EVIDENCE_WEIGHT / (1 + n)
                                             n: the product's evidence papers other than this
                                                paper (tracker.evidence: effectively linked,
                                                not retracted, with a level); for a grade, the
                                                fewest over the products the paper is linked
                                                to; a grade of a paper linked to no product has
                                                g = 1
    value       v = u * g

So a call close to its threshold comes first, and between equally uncertain calls the one
whose product has least other evidence (a decision there changes that product's evidence
most: with EVIDENCE_WEIGHT 1, no other paper doubles the value, one gives x1.5, three
x1.25). ``t`` is the link threshold the linker applies (``link_threshold``: the one fitted by
``tracker train linking`` when there is one) for links, and ``threshold`` (the review
threshold) for grades. Ties go to the lower score, then the paper and product ids.

Everything is read at each call (decisions included), so a decided item leaves and the
ranking of the rest follows the evidence the decision changed.

Decisions are written through tracker.evidence.overrides (the one write API): Override rows,
the latest per key wins, automatic rows are never changed. ``mark_not_relevant`` records
"not relevant" for whole papers (level none and every automatic link rejected) in one
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import Session as ModelSession

from tracker.db.models import (
    EvidenceGrade,
    LinkState,
    Override,
    PaperMention,
    PaperProductLink,
    Product,
    Publication,
)
from tracker.evidence.effective import EvidenceSet, evidence_set
from tracker.evidence.overrides import load_decisions
from tracker.linking.roles import UNRESOLVED
from tracker.nlp.relevance import OFF_TOPIC

LINK_REVIEW_BAND = 0.15
"""Automatic links scoring less than this above the link threshold are uncertain accepts."""
EVIDENCE_WEIGHT = 1.0
"""How much a product with no other evidence paper raises a decision's value (see above)."""


@dataclass
class ReviewItem:
    kind: str  # "link" | "grade"
    publication_id: int
    product_id: int | None
    title: str
    subject: str  # the product (link) or the level (grade)
    confidence: float
    evidence: str  # the supporting sentence (link) or the cues (grade)
    value: float = 0.0
    """Expected value of deciding it (module docstring): ``uncertainty x weight``."""
    uncertainty: float = 0.0
    """How close ``confidence`` is to the decision threshold (1 at the threshold)."""
    other_evidence: int | None = None
    """Evidence papers of the product besides this paper (fewest over a grade's products);
    None for a grade of a paper linked to no product."""
    threshold: float = 0.0
    """The decision threshold the uncertainty is measured against."""


def uncertainty(x: float, threshold: float) -> float:
    """1 at the threshold, falling linearly to 0 at 0 (below it) or 1 (above it)."""
    width = threshold if x < threshold else 1.0 - threshold
    if width <= 0:
        return 1.0 if x == threshold else 0.0
    return max(0.0, 1.0 - abs(x - threshold) / width)


def evidence_weight(other_evidence: int | None) -> float:
    """``1 + EVIDENCE_WEIGHT / (1 + n)``; 1 when no product is concerned."""
    return 1.0 if other_evidence is None else 1.0 + EVIDENCE_WEIGHT / (1 + other_evidence)


def _other_evidence(evidence: EvidenceSet, product_id: int, publication_id: int) -> int:
    return sum(1 for p in evidence.product(product_id).evidence
               if p.publication_id != publication_id)


def _relevance_filter(query: Select[Any], publication_id: Any) -> Select[Any]:
    """Keep rows whose paper is not off-topic (the grade's relevance, else the link state's;
    the query must join ``EvidenceGrade``)."""
    relevance = func.coalesce(EvidenceGrade.relevance, LinkState.relevance, "")
    return query.outerjoin(LinkState, LinkState.publication_id == publication_id).where(
        relevance != OFF_TOPIC)


def review_queue(session: Session, *, threshold: float, limit: int = 200,
                 link_threshold: float | None = None) -> list[ReviewItem]:
    """Undecided, on-topic links below ``threshold`` and undecided, on-topic grades below it
    (or flagged), ranked by expected value (module docstring); at most ``limit`` of each.

    ``link_threshold`` is the linker's threshold (links' uncertainty is measured against it);
    by default ``threshold``."""
    decisions = load_decisions(session)
    link_t = threshold if link_threshold is None else link_threshold
    link = PaperProductLink
    link_rows = list(session.execute(_relevance_filter(
        select(link.publication_id, link.product_id, link.score, link.evidence)
        .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == link.publication_id)
        .where(link.score < max(threshold, link_t + LINK_REVIEW_BAND)),
        link.publication_id)).all())
    mention = PaperMention
    link_rows += session.execute(_relevance_filter(
        select(mention.publication_id, mention.product_id, mention.score, mention.evidence)
        .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == mention.publication_id)
        .where(mention.role == UNRESOLVED), mention.publication_id)).all()
    link_rows = [r for r in link_rows if decisions.link(r[0], r[1]) is None]
    grade = EvidenceGrade
    decided_levels = decisions.papers_decided("level")
    grade_rows = session.execute(_relevance_filter(
        select(grade.publication_id, grade.level, grade.confidence, grade.cues)
        .where(or_(grade.confidence < threshold, grade.needs_review)),
        grade.publication_id)).all()
    grade_rows = [r for r in grade_rows if r[0] not in decided_levels]
    if not link_rows and not grade_rows:
        return []
    evidence = evidence_set(session, decisions=decisions)
    by_paper = evidence.index_by_paper()
    links: list[ReviewItem] = []
    for pub, prod, score, sentence in link_rows:
        others = _other_evidence(evidence, prod, pub)
        u = uncertainty(score, link_t)
        links.append(ReviewItem("link", pub, prod, "", "", score, sentence or "",
                                value=u * evidence_weight(others), uncertainty=u,
                                other_evidence=others, threshold=link_t))
    grades: list[ReviewItem] = []
    for pub, level, confidence, cues in grade_rows:
        products = by_paper.get(pub, set())
        fewest = min((_other_evidence(evidence, prod, pub) for prod in products), default=None)
        u = uncertainty(confidence, threshold)
        grades.append(ReviewItem("grade", pub, None, "", level or "none", confidence,
                                 ", ".join(map(str, cues or [])),
                                 value=u * evidence_weight(fewest), uncertainty=u,
                                 other_evidence=fewest, threshold=threshold))
    items = _ranked(links)[:limit] + _ranked(grades)[:limit]
    items = _ranked(items)
    titles = _titles(session, [i.publication_id for i in items])
    names = _product_names(session, [i.product_id for i in items if i.product_id is not None])
    for item in items:
        item.title = titles.get(item.publication_id, "?")
        if item.kind == "link":
            item.subject = names.get(item.product_id, "?")  # type: ignore[arg-type]
        item.value, item.uncertainty = round(item.value, 4), round(item.uncertainty, 4)
    return items


def _ranked(items: list[ReviewItem]) -> list[ReviewItem]:
    return sorted(items, key=lambda i: (-i.value, i.confidence, i.kind, i.publication_id,
                                        i.product_id or 0))


def _chunks(ids: Iterable[int], size: int = 500) -> Iterator[list[int]]:
    unique = sorted(set(ids))
    for start in range(0, len(unique), size):
        yield unique[start:start + size]


def _titles(session: Session, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks(ids):
        out.update(session.execute(select(Publication.id, Publication.title)
                                   .where(Publication.id.in_(chunk))).all())  # type: ignore[union-attr]
    return out


def _product_names(session: Session, ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    for chunk in _chunks(ids):
        out.update(session.execute(select(Product.id, Product.name)
                                   .where(Product.id.in_(chunk))).all())  # type: ignore[union-attr]
    return out


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


@dataclass
class NotRelevant:
    """What ``mark_not_relevant`` wrote: per paper, the products whose links it rejected."""

    papers: dict[int, list[int]]
    overrides: list[Override]

    @property
    def links_rejected(self) -> int:
        return sum(len(products) for products in self.papers.values())


@contextmanager
def one_transaction(session: Session) -> Iterator[Session]:
    """A session on the same database whose commits (the overrides API commits each write)
    are savepoints inside one outer transaction: everything written in the block is committed
    together at its end, or nothing when it raises.

    SQLite's Python driver opens a transaction only before a data change, so a savepoint
    would start (and its release commit) one of its own; the outer transaction is begun
    explicitly there (``BEGIN IMMEDIATE``, which also takes the write lock up front). The
    given session must hold no uncommitted write (on SQLite it would hold the lock)."""
    engine = session.get_bind().engine
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        inner = ModelSession(bind=connection, join_transaction_mode="create_savepoint",
                             expire_on_commit=False)
        try:
            yield inner
        except BaseException:
            inner.close()
            connection.rollback()
            raise
        inner.close()
        connection.commit()


def mark_not_relevant(session: Session, publication_ids: Iterable[int], *, author: str,
                      reason: str) -> NotRelevant:
    """Record that papers are not relevant: level none (not evidence) and a rejection of every
    automatic link of each paper, all with ``author`` and ``reason``, through the overrides
    API and in one transaction (a bad paper id or a blank author writes nothing)."""
    from tracker.evidence.overrides import override_grade, override_link

    if not reason or not reason.strip():
        raise ValueError("say why the papers are not relevant (the reason is kept with each "
                         "decision)")
    ids = list(dict.fromkeys(publication_ids))
    written: list[Override] = []
    rejected: dict[int, list[int]] = {}
    with one_transaction(session) as s:
        for pub in ids:
            written.append(override_grade(s, publication_id=pub, field_name="level",
                                          value=None, author=author, reason=reason))
            products = list(s.execute(
                select(PaperProductLink.product_id)
                .where(PaperProductLink.publication_id == pub)
                .order_by(PaperProductLink.product_id)).scalars())
            for prod in products:
                written.append(override_link(s, publication_id=pub, product_id=prod,
                                             accept=False, author=author, reason=reason))
            rejected[pub] = products
    return NotRelevant(rejected, written)

