# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated,union-attr,attr-defined"
"""Effective links and grades: the automatic rows with a person's decisions applied, and the
one rule for what counts as evidence.

Links: automatic links minus rejected pairs plus pairs a person accepted (hand-made links).
Grades: the automatic grade with each overridden field replaced (the level, a feature or the
sample size); a paper a person graded without an automatic grade has a grade too.

Evidence rule (docs/domain.md, "What counts as evidence"):

- an **evidence paper** of a product is effectively linked to it, is not retracted and has an
  effective level (a review, an editorial or a protocol has none);
- it is **peer-reviewed evidence** when it is also not a preprint;
- gap lists and the reference figures count peer-reviewed evidence; the level counts and the
  highest level of a product count every evidence paper (preprints are flagged, not hidden).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import EvidenceGrade, PaperProductLink, Publication
from tracker.evidence.overrides import Decisions, load_decisions
from tracker.evidence.vocabulary import FEATURES, GRADE_FIELDS, TECHNICAL, highest_level


@dataclass
class EffectiveGrade:
    """A paper's grade with overrides applied; ``overridden`` maps field -> (who, why)."""

    publication_id: int
    level: str | None = None
    confidence: float | None = None
    prospective: bool | None = None
    multicentre: bool | None = None
    multinational: bool | None = None
    reader_study: bool | None = None
    rct: bool | None = None
    vendor_independent: bool | None = None
    sample_size: int | None = None
    cues: list[str] = field(default_factory=list)
    needs_review: bool = False
    model_version: str = ""
    graded: bool = False  # an automatic grade exists
    overridden: dict[str, tuple[str, str]] = field(default_factory=dict)
    auto: dict[str, Any] = field(default_factory=dict)  # the automatic value of each overridden field

    @property
    def origin(self) -> str:
        return "override" if self.overridden else "auto"

    def features(self) -> dict[str, bool | None]:
        return {name: getattr(self, name) for name in FEATURES}


@dataclass
class EffectiveLink:
    publication_id: int
    product_id: int
    score: float | None
    method: str
    evidence: str = ""
    origin: str = "auto"  # auto | override
    model_version: str = ""  # the linker version, or who decided
    decision: bool | None = None  # a person's decision on this pair, if any

    @property
    def state(self) -> str:
        """``hand link``, ``confirmed``, ``rejected`` or empty (automatic, undecided)."""
        if self.decision is False:
            return "rejected"
        if self.origin == "override" and self.method == "review":
            return "hand link"
        return "confirmed" if self.decision else ""


@dataclass
class EvidencePaper:
    """One effectively linked paper as evidence: effective level and features, and flags."""

    publication_id: int
    level: str | None
    preprint: bool
    retracted: bool
    features: dict[str, bool | None] = field(default_factory=dict)
    sample_size: int | None = None
    overridden: bool = False  # a person set its level, a feature or its sample size

    @property
    def is_evidence(self) -> bool:
        return self.level is not None and not self.retracted

    @property
    def is_peer_reviewed(self) -> bool:
        return self.is_evidence and not self.preprint


@dataclass
class ProductEvidence:
    """A product's effectively linked papers and its evidence under the rule above."""

    product_id: int
    papers: list[int] = field(default_factory=list)  # every linked paper, evidence or not
    evidence: list[EvidencePaper] = field(default_factory=list)  # evidence papers only

    @property
    def counts(self) -> Counter[str]:
        """Evidence papers per level (preprints included)."""
        return Counter(p.level for p in self.evidence if p.level)

    @property
    def evidence_papers(self) -> int:
        return len(self.evidence)

    @property
    def peer_reviewed_papers(self) -> list[EvidencePaper]:
        return [p for p in self.evidence if p.is_peer_reviewed]

    @property
    def peer_reviewed(self) -> int:
        return len(self.peer_reviewed_papers)

    @property
    def highest(self) -> str | None:
        """Highest level over every evidence paper."""
        return highest_level(p.level for p in self.evidence)

    @property
    def highest_peer_reviewed(self) -> str | None:
        return highest_level(p.level for p in self.peer_reviewed_papers)

    @property
    def only_technical(self) -> bool:
        """Peer-reviewed evidence exists and all of it is at levels 1t-2."""
        levels = {p.level for p in self.peer_reviewed_papers}
        return bool(levels) and levels <= TECHNICAL

    def has_feature(self, name: str) -> bool:
        """A peer-reviewed evidence paper is coded ``name`` = true."""
        return any(p.features.get(name) is True for p in self.peer_reviewed_papers)


@dataclass
class EvidenceSet:
    """Effective links, and the evidence of every product, indexed both ways."""

    products: dict[int, ProductEvidence] = field(default_factory=dict)
    papers: dict[int, EvidencePaper] = field(default_factory=dict)
    links: list[EffectiveLink] = field(default_factory=list)
    rejected: list[EffectiveLink] = field(default_factory=list)

    def index_by_paper(self) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for lk in self.links:
            out.setdefault(lk.publication_id, set()).add(lk.product_id)
        return out

    def product(self, product_id: int) -> ProductEvidence:
        return self.products.get(product_id) or ProductEvidence(product_id)


_GRADE_COLS = (EvidenceGrade.level, *[getattr(EvidenceGrade, f) for f in FEATURES],
               EvidenceGrade.sample_size)
_LINK_COLS = (PaperProductLink.publication_id, PaperProductLink.product_id,
              PaperProductLink.score, PaperProductLink.method, PaperProductLink.evidence,
              PaperProductLink.model_version)


def _paper(row: Any, decisions: Decisions) -> EvidencePaper:
    pub_id, preprint, retracted, level, *rest = row
    features = dict(zip(FEATURES, rest[:len(FEATURES)], strict=True))
    paper = EvidencePaper(pub_id, level, bool(preprint), bool(retracted), features, rest[-1])
    for name, decision in decisions.grade_fields(pub_id).items():
        paper.overridden = True
        if name == "level":
            paper.level = decision.value
        elif name == "sample_size":
            paper.sample_size = decision.value
        else:
            paper.features[name] = decision.value
    return paper


def evidence_set(session: Session, *, product_ids: list[int] | None = None,
                 publication_ids: list[int] | None = None,
                 decisions: Decisions | None = None) -> EvidenceSet:
    """Effective links with their papers' evidence, for every product (or some products or
    papers). One query reads links x paper flags x grade; decisions are applied in Python."""
    decisions = decisions if decisions is not None else load_decisions(
        session, publication_ids=publication_ids)
    query = (select(*_LINK_COLS, Publication.is_preprint, Publication.is_retracted, *_GRADE_COLS)
             .join(Publication, Publication.id == PaperProductLink.publication_id)
             .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == PaperProductLink.publication_id))
    if product_ids is not None:
        query = query.where(PaperProductLink.product_id.in_(product_ids))
    if publication_ids is not None:
        query = query.where(PaperProductLink.publication_id.in_(publication_ids))
    # in pair order, so every list built below (a product's papers, the rejected links) is
    # the same on every engine
    query = query.order_by(PaperProductLink.publication_id, PaperProductLink.product_id)
    out = EvidenceSet()
    seen: set[tuple[int, int]] = set()

    def add(link: EffectiveLink, paper_row: Any) -> None:
        paper = out.papers.get(link.publication_id)
        if paper is None:
            paper = out.papers[link.publication_id] = _paper(paper_row, decisions)
        out.links.append(link)
        summary = out.products.setdefault(link.product_id, ProductEvidence(link.product_id))
        summary.papers.append(link.publication_id)
        if paper.is_evidence:
            summary.evidence.append(paper)

    for pub, prod, score, method, sentence, version, *paper_row in session.execute(query):
        seen.add((pub, prod))
        link = EffectiveLink(pub, prod, score, method, sentence or "", model_version=version or "")
        found = decisions.link_decision(pub, prod)
        if found is not None:
            link.decision = decisions.link(pub, prod)
            if link.decision is False:
                out.rejected.append(link)
                continue
            link.origin, link.model_version = "override", f"review by {found.author}"
        add(link, (pub, *paper_row))
    wanted_products = set(product_ids) if product_ids is not None else None
    wanted_papers = set(publication_ids) if publication_ids is not None else None
    hand = [(pub, prod) for pub, prod in sorted(decisions.accepted_links()) if (pub, prod) not in seen
            and (wanted_products is None or prod in wanted_products)
            and (wanted_papers is None or pub in wanted_papers)]
    if hand:
        pub_ids = sorted({pub for pub, _ in hand})
        rows = {row[0]: row for row in session.execute(
            select(Publication.id, Publication.is_preprint, Publication.is_retracted, *_GRADE_COLS)
            .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id)
            .where(Publication.id.in_(pub_ids)))}
        for pub, prod in hand:
            if pub not in rows:
                continue
            found = decisions.link_decision(pub, prod)
            author = found.author if found else "?"
            reason = found.reason if found else ""
            link = EffectiveLink(pub, prod, None, "review", f"accepted by {author}: {reason}",
                                 origin="override", model_version=f"review by {author}",
                                 decision=True)
            add(link, rows[pub])
    out.links.sort(key=lambda lk: (lk.publication_id, lk.product_id))
    return out


def effective_links(session: Session, *, publication_id: int | None = None,
                    product_id: int | None = None) -> list[EffectiveLink]:
    """Automatic links minus rejected pairs plus pairs a person accepted."""
    found = evidence_set(session,
                         product_ids=None if product_id is None else [product_id],
                         publication_ids=None if publication_id is None else [publication_id])
    return found.links


_GRADE_COLUMNS = ("publication_id", "level", "confidence", *FEATURES, "sample_size",
                  "cues", "needs_review", "model_version")


def effective_grades(session: Session, publication_ids: list[int] | None = None,
                     *, decisions: Decisions | None = None) -> dict[int, EffectiveGrade]:
    """Effective grades of some papers (all graded or overridden ones by default)."""
    decisions = decisions if decisions is not None else load_decisions(
        session, publication_ids=publication_ids)
    # a column query (no ORM identity map): about 5x faster on 100k grades
    query = select(*[getattr(EvidenceGrade, name) for name in _GRADE_COLUMNS])
    if publication_ids is not None:
        query = query.where(EvidenceGrade.publication_id.in_(publication_ids))
    query = query.order_by(EvidenceGrade.publication_id)
    out: dict[int, EffectiveGrade] = {}
    for row in session.execute(query):
        values = dict(zip(_GRADE_COLUMNS, row, strict=True))
        values["cues"] = list(values["cues"] or [])
        out[values["publication_id"]] = EffectiveGrade(**values, graded=True)
    wanted = set(publication_ids) if publication_ids is not None else None
    for pub in decisions.graded_publications():
        if wanted is not None and pub not in wanted:
            continue
        grade = out.setdefault(pub, EffectiveGrade(publication_id=pub))
        for name, decision in decisions.grade_fields(pub).items():
            if name not in GRADE_FIELDS:
                continue
            grade.auto[name] = getattr(grade, name)
            setattr(grade, name, decision.value)
            grade.overridden[name] = (decision.author, decision.reason)
        if "level" in grade.overridden:
            grade.confidence = None  # a person's level has no model confidence
        grade.needs_review = False
    return out


def effective_grade(session: Session, publication_id: int) -> EffectiveGrade | None:
    """One paper's grade, overrides first; ``None`` when neither grade nor override exists."""
    return effective_grades(session, [publication_id]).get(publication_id)
