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

Two readers apply it. :func:`evidence_set` reads every effective link with its paper (the detail
views, the exports). :func:`evidence_summary` counts the same evidence per product and the
distinct peer-reviewed papers (the gaps screen, the reference figures): one SQL ``GROUP BY``
over the automatic rows of the papers no person decided anything on (``_IS_EVIDENCE`` and
``_IS_PEER_REVIEWED`` are the rule above as SQL), and :func:`evidence_set` for the few papers
a person did decide on, so the decisions are applied in one place only. Both end in the
same tallies (:class:`ProductSummary`, :class:`PaperTally`), which answer every question the
gap lists and the figures ask.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, bindparam, case, func, literal_column, select
from sqlalchemy.orm import Session

from tracker.db.models import EvidenceGrade, PaperProductLink, Product, Publication
from tracker.evidence.overrides import Decisions, load_decisions
from tracker.evidence.vocabulary import FEATURES, GRADE_FIELDS, LEVELS, TECHNICAL, highest_level


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
class ProductSummary:
    """A product's evidence as counts: what the gap lists, the heat map and the figures ask.

    ``evidence_levels`` and ``peer_levels`` count evidence papers (preprints included) and
    peer-reviewed evidence papers per level; ``features`` counts the peer-reviewed evidence
    papers coded true per feature; ``linked`` counts every effectively linked paper."""

    product_id: int
    linked: int = 0
    evidence_levels: Counter[str] = field(default_factory=Counter)
    peer_levels: Counter[str] = field(default_factory=Counter)
    features: Counter[str] = field(default_factory=Counter)

    def add(self, paper: EvidencePaper) -> None:
        """Count one effectively linked paper."""
        self.linked += 1
        if paper.level is None or paper.retracted:  # not evidence (EvidencePaper.is_evidence)
            return
        self.evidence_levels[paper.level] += 1
        if paper.preprint:
            return
        self.peer_levels[paper.level] += 1
        self.features.update(name for name, value in paper.features.items() if value is True)

    @property
    def counts(self) -> Counter[str]:
        """Evidence papers per level (preprints included)."""
        return Counter({level: n for level, n in self.evidence_levels.items() if level and n})

    @property
    def evidence_papers(self) -> int:
        return sum(self.evidence_levels.values())

    @property
    def peer_reviewed(self) -> int:
        return sum(self.peer_levels.values())

    @property
    def highest(self) -> str | None:
        """Highest level over every evidence paper."""
        return highest_level(level for level, n in self.evidence_levels.items() if n)

    @property
    def highest_peer_reviewed(self) -> str | None:
        return highest_level(level for level, n in self.peer_levels.items() if n)

    @property
    def only_technical(self) -> bool:
        """Peer-reviewed evidence exists and all of it is at levels 1t-2."""
        levels = {level for level, n in self.peer_levels.items() if n}
        return bool(levels) and levels <= TECHNICAL

    def has_feature(self, name: str) -> bool:
        """A peer-reviewed evidence paper is coded ``name`` = true."""
        return self.features[name] > 0


@dataclass
class ProductEvidence:
    """A product's effectively linked papers and its evidence under the rule above; the
    questions about it are answered by its :class:`ProductSummary` (one definition)."""

    product_id: int
    papers: list[int] = field(default_factory=list)  # every linked paper, evidence or not
    evidence: list[EvidencePaper] = field(default_factory=list)  # evidence papers only

    def summary(self) -> ProductSummary:
        """Its counts (what ``evidence_summary`` counts in SQL)."""
        out = ProductSummary(self.product_id)
        for paper in self.evidence:
            out.add(paper)
        out.linked = len(self.papers)  # add() saw the evidence papers only
        return out

    @property
    def counts(self) -> Counter[str]:
        """Evidence papers per level (preprints included)."""
        return self.summary().counts

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
        return self.summary().highest

    @property
    def highest_peer_reviewed(self) -> str | None:
        return self.summary().highest_peer_reviewed

    @property
    def only_technical(self) -> bool:
        """Peer-reviewed evidence exists and all of it is at levels 1t-2."""
        return self.summary().only_technical

    def has_feature(self, name: str) -> bool:
        """A peer-reviewed evidence paper is coded ``name`` = true."""
        return self.summary().has_feature(name)


@dataclass
class PaperTally:
    """Distinct papers as counts: per level, per feature coded true, per feature coded either
    way (``stated``), and how many a person graded (a level, a feature or a sample size)."""

    papers: int = 0
    levels: Counter[str] = field(default_factory=Counter)
    features: Counter[str] = field(default_factory=Counter)
    stated: Counter[str] = field(default_factory=Counter)
    overridden: int = 0

    def add(self, level: str | None, features: Mapping[str, bool | None], overridden: bool) -> None:
        self.papers += 1
        if level is not None:
            self.levels[level] += 1
        self.features.update(name for name, value in features.items() if value is True)
        self.stated.update(name for name, value in features.items() if value is not None)
        self.overridden += bool(overridden)


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


def _in(column: Any, ids: Iterable[int]) -> Any:
    """``column IN ids`` with the ids written into the statement: no engine's limit on bound
    parameters applies, however many papers a person decided on."""
    return column.in_(bindparam(None, sorted(ids), expanding=True, literal_execute=True))


def _decided_fields(decisions: Decisions) -> dict[int, list[str]]:
    """Paper -> the grade fields a person decided (one pass per field, not one per paper)."""
    out: dict[int, list[str]] = {}
    for name in GRADE_FIELDS:
        for pub in decisions.papers_decided(name):
            out.setdefault(pub, []).append(name)
    return out


def _paper(row: Any, decisions: Decisions, decided: Mapping[int, list[str]]) -> EvidencePaper:
    """One paper's evidence with its grade decisions applied (``decided``: ``_decided_fields``)."""
    pub_id, preprint, retracted, level, *rest = row
    features = dict(zip(FEATURES, rest[:len(FEATURES)], strict=True))
    paper = EvidencePaper(pub_id, level, bool(preprint), bool(retracted), features, rest[-1])
    for name in decided.get(pub_id, ()):
        value = decisions.grade(pub_id, name)[1]
        paper.overridden = True
        if name == "level":
            paper.level = value
        elif name == "sample_size":
            paper.sample_size = value
        else:
            paper.features[name] = value
    return paper


def evidence_set(session: Session, *, product_ids: list[int] | None = None,
                 publication_ids: list[int] | None = None,
                 decisions: Decisions | None = None) -> EvidenceSet:
    """Effective links with their papers' evidence, for every product (or some products or
    papers). One query reads links x paper flags x grade; decisions are applied in Python."""
    decisions = decisions if decisions is not None else load_decisions(
        session, publication_ids=publication_ids)
    decided = _decided_fields(decisions)
    query = (select(*_LINK_COLS, Publication.is_preprint, Publication.is_retracted, *_GRADE_COLS)
             .join(Publication, Publication.id == PaperProductLink.publication_id)
             .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == PaperProductLink.publication_id))
    if product_ids is not None:
        query = query.where(_in(PaperProductLink.product_id, product_ids))
    if publication_ids is not None:
        query = query.where(_in(PaperProductLink.publication_id, publication_ids))
    # in pair order, so every list built below (a product's papers, the rejected links) is
    # the same on every engine
    query = query.order_by(PaperProductLink.publication_id, PaperProductLink.product_id)
    out = EvidenceSet()
    seen: set[tuple[int, int]] = set()

    def add(link: EffectiveLink, paper_row: Any) -> None:
        paper = out.papers.get(link.publication_id)
        if paper is None:
            paper = out.papers[link.publication_id] = _paper(paper_row, decisions, decided)
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
            .where(_in(Publication.id, pub_ids)))}
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


# -- the same evidence as counts, in SQL -------------------------------------------------------

_IS_EVIDENCE = and_(EvidenceGrade.level.is_not(None), Publication.is_retracted.is_not(True))
"""``EvidencePaper.is_evidence`` of a paper no person decided on, as SQL (its automatic grade
joined to its publication)."""
_IS_PEER_REVIEWED = and_(_IS_EVIDENCE, Publication.is_preprint.is_not(True))
"""``EvidencePaper.is_peer_reviewed`` of a paper no person decided on, as SQL."""


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass
class EvidenceSummary:
    """The evidence of the counted products as counts (:func:`evidence_summary`)."""

    include_systems: bool
    products: dict[int, ProductSummary] = field(default_factory=dict)
    papers: PaperTally = field(default_factory=PaperTally)
    """The distinct peer-reviewed evidence papers linked to a counted product."""
    decided: frozenset[int] = frozenset()
    """The papers a person decided anything on (read with :func:`evidence_set`)."""

    @property
    def links(self) -> int:
        """Effective links to the counted products."""
        return sum(p.linked for p in self.products.values())

    def product(self, product_id: int) -> ProductSummary:
        return self.products.get(product_id) or ProductSummary(product_id)


def evidence_summary(session: Session, *, include_systems: bool = False,
                     decisions: Decisions | None = None) -> EvidenceSummary:
    """The evidence of every counted product (AI software, imaging systems too with
    ``include_systems``; ``tracker.store.universe``) and of the distinct peer-reviewed papers
    linked to them, as counts: the same numbers as :func:`evidence_set`, without reading
    every link and grade into Python.

    Papers nobody decided on are counted by two ``GROUP BY`` queries over their automatic
    rows (links x publication x grade); the papers a person decided on (any override) are
    read with :func:`evidence_set`, which applies the decisions, and added."""
    from tracker.store.universe import counted

    decisions = decisions if decisions is not None else load_decisions(session)
    decided = frozenset(key[1] for key in decisions.latest)
    out = EvidenceSummary(include_systems, decided=decided)
    in_scope = select(Product.id).where(counted(include_systems))
    untouched = ~_in(PaperProductLink.publication_id, decided)

    # ``product_id + 0``, not the column, in the filters and the grouping: SQLite then walks
    # the links in paper order (the pair's unique index) and reads publications and grades in
    # order, 2-3x faster than in product order through the product index; the same result
    # on every engine. One row per product (a column per level), not one per product and
    # level: a seventh of the rows to read into Python.
    product = (PaperProductLink.product_id + literal_column("0")).label("product")
    level = EvidenceGrade.level
    known = level.in_(LEVELS)
    links = (select(PaperProductLink).where(product.in_(in_scope), untouched)
             .join(Publication, Publication.id == PaperProductLink.publication_id)
             .outerjoin(EvidenceGrade,
                        EvidenceGrade.publication_id == PaperProductLink.publication_id))
    per_product = links.with_only_columns(
        product, func.count(),
        *[_count(and_(_IS_EVIDENCE, level == lv)) for lv in LEVELS],
        *[_count(and_(_IS_PEER_REVIEWED, level == lv)) for lv in LEVELS],
        *[_count(and_(_IS_PEER_REVIEWED, getattr(EvidenceGrade, name).is_(True)))
          for name in FEATURES],
        _count(and_(_IS_EVIDENCE, ~known)), maintain_column_froms=True).group_by(product)
    odd = False  # a level outside LEVELS (none is written; counted exactly if one is there)
    for product_id, linked, *counts in session.execute(per_product):
        summary = out.products[product_id] = ProductSummary(product_id, linked)
        on_level, peer_on_level = counts[:len(LEVELS)], counts[len(LEVELS):2 * len(LEVELS)]
        features, odd = counts[2 * len(LEVELS):-1], odd or bool(counts[-1])
        summary.evidence_levels.update({lv: n for lv, n in zip(LEVELS, on_level, strict=True) if n})
        summary.peer_levels.update({lv: n for lv, n in zip(LEVELS, peer_on_level, strict=True) if n})
        summary.features.update({name: n for name, n in zip(FEATURES, features, strict=True) if n})
    if odd:
        for product_id, lv, evidence, peer in session.execute(links.with_only_columns(
                product, level, _count(_IS_EVIDENCE), _count(_IS_PEER_REVIEWED),
                maintain_column_froms=True).where(_IS_EVIDENCE, ~known).group_by(product, level)):
            out.products[product_id].evidence_levels[lv] += evidence
            if peer:
                out.products[product_id].peer_levels[lv] += peer

    linked_papers = (select(PaperProductLink.publication_id)
                     .where(product.in_(in_scope), untouched))
    out.papers = _tally(session, Publication.id.in_(linked_papers))

    if decided:
        wanted = set(session.execute(in_scope).scalars())
        found = evidence_set(session, publication_ids=sorted(decided), decisions=decisions)
        counted_papers: dict[int, EvidencePaper] = {}
        for link in found.links:
            if link.product_id not in wanted:
                continue
            paper = found.papers[link.publication_id]
            out.products.setdefault(link.product_id, ProductSummary(link.product_id)).add(paper)
            if paper.is_peer_reviewed:
                counted_papers[paper.publication_id] = paper
        for paper in counted_papers.values():
            out.papers.add(paper.level, paper.features, paper.overridden)
    return out


def _tally(session: Session, papers: Any) -> PaperTally:
    """The peer-reviewed evidence papers among ``papers`` (a WHERE clause on Publication)
    that nobody decided on, counted by their automatic grades."""
    query = (select(EvidenceGrade.level, func.count(),
                    *[_count(getattr(EvidenceGrade, name).is_(True)) for name in FEATURES],
                    *[_count(getattr(EvidenceGrade, name).is_not(None)) for name in FEATURES])
             .select_from(Publication)
             .join(EvidenceGrade, EvidenceGrade.publication_id == Publication.id)
             .where(papers, _IS_PEER_REVIEWED)
             .group_by(EvidenceGrade.level))
    out = PaperTally()
    for level, n, *counts in session.execute(query):
        out.papers += n
        out.levels[level] += n
        for name, true, stated in zip(FEATURES, counts[:len(FEATURES)], counts[len(FEATURES):],
                                      strict=True):
            out.features[name] += true
            out.stated[name] += stated
    out.features, out.stated = +out.features, +out.stated  # drop the zero counts
    return out


def graded_papers_tally(session: Session, *, decisions: Decisions | None = None) -> PaperTally:
    """Every graded peer-reviewed evidence paper, linked or not (effective grades: overrides
    applied; a level, not retracted, not a preprint), as counts."""
    decisions = decisions if decisions is not None else load_decisions(session)
    decided = sorted({key[1] for key in decisions.latest})
    out = _tally(session, ~_in(Publication.id, decided))
    if decided:
        flags = {pid: (bool(preprint), bool(retracted)) for pid, preprint, retracted in session.execute(
            select(Publication.id, Publication.is_preprint, Publication.is_retracted)
            .where(_in(Publication.id, decided)))}
        for pid, grade in effective_grades(session, decided, decisions=decisions).items():
            paper = EvidencePaper(pid, grade.level, *flags.get(pid, (True, True)))
            if pid in flags and paper.is_peer_reviewed:
                out.add(grade.level, grade.features(), bool(grade.overridden))
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
        query = query.where(_in(EvidenceGrade.publication_id, publication_ids))
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
