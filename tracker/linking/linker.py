"""The decision: which candidate products a paper evaluates.

Each candidate (see ``candidates.py``) gets a score from documented parts; a link needs
``score >= LINK_THRESHOLD``. The parts, and why:

=====================  =======  ===========================================================
part                   value    reason
=====================  =======  ===========================================================
base: own name         0.55     a strong name or alias of the product ("Lunit INSIGHT CXR")
base: weak name        0.45     a short or everyday name confirmed by its company or a sign
base: family           0.40     "Lunit INSIGHT", "BriefCase": the topic picked the member
base: company only     0.35     "a commercial algorithm (Aidoc)": the topic picked it
in the title           +0.25    titles name what a paper is about
in the aim             +0.10    the purpose or objective sentence names it (family or company
                                names only: own names already count enough)
evaluated              +0.15    a mention sentence reports the study (not background)
named again            +0.05    each further sentence naming it (at most +0.10)
company named too      +0.05    for a product name: the vendor appears in text or affiliations
commercial cue         +0.10    family/company mention in a sentence saying "commercial", "FDA"
used as a brand        +0.10    a company name used as the product's name: "Caption AI guidance
                                software", "the Aidoc algorithm", "Lunit's software"
topic fits             +0.10    the product's findings appear in the paper, modality agrees
modality conflict      -0.25    a chest X-ray product in a mammography paper
similarity             ±0.10    0.4 x (cosine(paper, product) - 0.35), clipped
only cited             -0.35    every sentence naming it cites ("such as", "previously")
only in background     -0.15    named only in the background, never where the study is told
review / editorial     -0.50    reviews are not evidence for a product (docs/domain.md)
own algorithm          -0.30    the paper develops its own model and names the product only
                                as a comparator outside the title (not when the product's
                                company is among the authors: then the model is the product)
=====================  =======  ===========================================================

A candidate whose every sentence gives it another role (used to select patients, the
reference standard, listed on a platform or by survey respondents, only cited: see
``roles.py``) is not linked whatever its score: it is kept as a mention. So is a family or
vendor name the paper does not resolve to one member, and any candidate scoring at least
``NEAR_MISS`` but under the threshold (``unresolved``: these go to review).

Before anything is embedded, each paper passes the relevance gate
(``tracker.nlp.relevance``): off-topic papers are neither embedded nor linked.

Embedding-only candidates (no mention at all) are considered only when ``embedding_only_min``
is set, and link only above that cosine with a fitting topic: precision comes first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tracker.contract import PaperRecord, ProductRecord
from tracker.linking.candidates import Analysis, Candidate, CandidateFinder, Sighting
from tracker.linking.roles import (
    AI_EVALUATED,
    CITED,
    EVIDENCE_ROLES,
    LISTED,
    MEASURED_WITH,
    METRIC,
    SURVEY_PAPER,
    UNRESOLVED,
    USED_AS_TOOL,
    candidate_role,
    sighting_role,
)
from tracker.linking.topics import agreement
from tracker.nlp.relevance import Relevance, ai_cue, classify_relevance

LINKER_VERSION = "2"
LINK_THRESHOLD = 0.6
NEAR_MISS = 0.4
BASE = {"product": 0.55, "weak": 0.45, "family": 0.40, "company": 0.35}
TITLE_BONUS = 0.25
AIM_BONUS = 0.10
EVALUATED_BONUS = 0.15
REPEAT_BONUS, REPEAT_MAX = 0.05, 0.10
COMPANY_BONUS = 0.05
COMMERCIAL_BONUS = 0.10
BRAND_USE_BONUS = 0.10
_BRAND_USE = re.compile(r"^(?:'s)?\s*(?:[\w-]+\s){0,2}?(?:AI|software|algorithms?|tools?|"
                        r"platform|application|system|solution)\b", re.IGNORECASE)
TOPIC_BONUS = 0.10
MODALITY_PENALTY = 0.25
SIMILARITY_WEIGHT, SIMILARITY_PIVOT, SIMILARITY_CAP = 0.4, 0.35, 0.10
CITED_PENALTY = 0.35
BACKGROUND_PENALTY = 0.15
REVIEW_PENALTY = 0.50
DEVELOPMENT_PENALTY = 0.30


@dataclass
class Link:
    paper: str
    product: str
    score: float
    method: str
    evidence: str
    features: dict[str, Any] = field(default_factory=dict)
    role: str = "evaluated"  # see roles.py: evaluated | compared for links


@dataclass
class PaperResult:
    paper: PaperRecord
    links: list[Link]
    rejected: list[Link]
    vector: np.ndarray | None = None
    relevant: bool = False
    relevance: Relevance | None = None
    mentions: list[Link] = field(default_factory=list)  # named, not evaluated (roles.py)


class Linker:
    def __init__(self, products: Sequence[ProductRecord], *, embedder: Any = None,
                 threshold: float = LINK_THRESHOLD, embedding_only_min: float | None = None) -> None:
        self.products = {p.id: p for p in products}
        self.order = [p.id for p in products]
        self.finder = CandidateFinder(products)
        self.embedder = embedder
        self.threshold = threshold
        self.embedding_only_min = embedding_only_min
        self._product_vectors: np.ndarray | None = None

    @property
    def product_vectors(self) -> np.ndarray:
        if self._product_vectors is None:
            texts = [self.products[k].text for k in self.order]
            self._product_vectors = self.embedder.embed(texts)
        return self._product_vectors

    def link(self, papers: Sequence[PaperRecord], *, embed_relevant: bool = False) -> list[PaperResult]:
        """Decide links for a batch. Papers with a candidate are embedded (for similarity);
        papers without one are embedded only with ``embed_relevant`` (for the search index)
        or for embedding-only candidates, and only when they pass the radiology-AI filter."""
        analyses = self.finder.analyse(papers)
        gate = [classify_relevance(a.paper, named=bool(a.candidates)) for a in analyses]
        relevant = [g.relevant for g in gate]
        wanted = [i for i, a in enumerate(analyses)
                  if self.embedder is not None and relevant[i] and (
                      (a.candidates and not a.review)
                      or embed_relevant or self.embedding_only_min is not None)]
        vectors: dict[int, np.ndarray] = {}
        if wanted:
            matrix = self.embedder.embed([analyses[i].paper.text for i in wanted])
            vectors = dict(zip(wanted, matrix, strict=True))
        results = []
        for i, analysis in enumerate(analyses):
            vector = vectors.get(i)
            if vector is not None:
                self._similarities(analysis, vector)
            if relevant[i]:
                links, rejected, mentions = self._decide(analysis, vector)
            else:
                links, rejected, mentions = [], [], []
            roles = [m.role for m in mentions if m.role != UNRESOLVED]
            relevance = classify_relevance(
                analysis.paper, evaluated=bool(links), named=bool(analysis.candidates),
                mentioned_as=roles[0] if roles else None,
                vendor_named=next(iter(analysis.text_companies), None)) if relevant[i] else gate[i]
            results.append(PaperResult(analysis.paper, links, rejected, vector, relevant[i],
                                       relevance, mentions))
        return results

    def _similarities(self, analysis: Analysis, vector: np.ndarray) -> None:
        if not analysis.candidates:
            return
        sims = self.product_vectors @ vector
        position = {k: i for i, k in enumerate(self.order)}
        for key, cand in analysis.candidates.items():
            cand.similarity = float(sims[position[key]])

    def _decide(self, analysis: Analysis, vector: np.ndarray | None
                ) -> tuple[list[Link], list[Link], list[Link]]:
        """Links (evaluated or compared), rejected candidates, and mentions with their role
        (other roles, unresolved family or vendor names, near misses)."""
        links: list[Link] = []
        rejected: list[Link] = []
        mentions: list[Link] = []
        scored = [(cand, self._score(analysis, cand)) for cand in analysis.candidates.values()]
        passing = [link for cand, link in scored if link.score >= self.threshold
                   and not (cand.unresolved and cand.via != "product")]
        head_to_head = len({link.product for link in passing}) > 1
        per_sentence: dict[tuple[str, str], int] = {}
        for cand in analysis.candidates.values():
            for key in {(s.field, s.sentence) for s in cand.sightings}:
                per_sentence[key] = per_sentence.get(key, 0) + 1
        for cand, link in scored:
            link.role = candidate_role(
                [(s.sentence, s.mention.text, s.evaluative, s.citing, s.section,
                  per_sentence.get((s.field, s.sentence), 1)) for s in cand.sightings],
                head_to_head=head_to_head)
            if link.role in EVIDENCE_ROLES:
                vendor_paper = self.products[cand.product].company_key in analysis.side_companies
                link.role = _paper_role(analysis, cand, vendor_paper) or link.role
            if link.role not in EVIDENCE_ROLES:
                mentions.append(link)
            elif cand.unresolved and cand.via != "product":
                link.role = UNRESOLVED
                mentions.append(link)
            elif link.score >= self.threshold:
                links.append(link)
            else:
                rejected.append(link)
                if link.score >= NEAR_MISS and not analysis.review:
                    mentions.append(Link(link.paper, link.product, link.score, link.method,
                                         link.evidence, link.features, UNRESOLVED))
        if not analysis.candidates and vector is not None and self.embedding_only_min is not None:
            links += self._embedding_only(analysis, vector)
        links.sort(key=lambda link: -link.score)
        return links, rejected, mentions

    def _score(self, analysis: Analysis, cand: Candidate) -> Link:
        sightings = cand.sightings
        if cand.via == "product":
            base = BASE["product"] if cand.strong else BASE["weak"]
        else:
            base = BASE[cand.via]
        parts: dict[str, float] = {"base": base}
        if any(s.section == "title" for s in sightings):
            parts["title"] = TITLE_BONUS
        if cand.via != "product" and "title" not in parts and any(
                s.section == "purpose" and s.evaluative for s in sightings):
            parts["aim"] = AIM_BONUS
        if any(s.evaluative for s in sightings):
            parts["evaluated"] = EVALUATED_BONUS
        n_sentences = len({(s.field, s.sentence) for s in sightings})
        if n_sentences > 1:
            parts["repeated"] = min(REPEAT_MAX, REPEAT_BONUS * (n_sentences - 1))
        if cand.via == "product" and cand.company_named:
            parts["company"] = COMPANY_BONUS
        if cand.via != "product" and any(s.commercial for s in sightings):
            parts["commercial"] = COMMERCIAL_BONUS
        if cand.via == "company" and any(_brand_use(s) for s in sightings):
            parts["brand_use"] = BRAND_USE_BONUS
        if cand.topic_fit > 0 and cand.modality >= 0:
            parts["topic"] = TOPIC_BONUS
        if cand.modality < 0:
            parts["modality_conflict"] = -MODALITY_PENALTY
        if cand.similarity is not None:
            parts["similarity"] = float(np.clip(
                SIMILARITY_WEIGHT * (cand.similarity - SIMILARITY_PIVOT), -SIMILARITY_CAP,
                SIMILARITY_CAP))
        if all(s.citing and s.section != "title" for s in sightings):
            parts["only_cited"] = -CITED_PENALTY
        elif all(s.section == "background" for s in sightings):
            parts["only_background"] = -BACKGROUND_PENALTY
        if analysis.review:
            parts["review"] = -REVIEW_PENALTY
        vendor_paper = self.products[cand.product].company_key in analysis.side_companies
        if analysis.development and "title" not in parts and not vendor_paper:
            parts["own_algorithm"] = -DEVELOPMENT_PENALTY
        score = round(max(0.0, min(1.0, sum(parts.values()))), 3)
        method = {"product": "mention", "family": "family+topic",
                  "company": "company+topic"}[cand.via]
        if parts.get("similarity", 0.0) > 0:
            method += "+embedding"
        return Link(analysis.paper.id, cand.product, score, method, _evidence(sightings),
                    {"parts": parts, "similarity": cand.similarity})

    def _embedding_only(self, analysis: Analysis, vector: np.ndarray) -> list[Link]:
        sims = self.product_vectors @ vector
        out = []
        for i in np.argsort(-sims)[:3]:
            key = self.order[int(i)]
            fit = agreement(self.finder.topics[key], analysis.topics)
            if sims[i] >= (self.embedding_only_min or 1.0) and fit.fits and not analysis.review:
                out.append(Link(analysis.paper.id, key, round(float(sims[i]), 3), "embedding",
                                analysis.paper.title, {"similarity": float(sims[i])}))
        return out


SURVEY_ABSTRACT = re.compile(
    r"\b(respondents?|freedom of information|we surveyed|(an?|online|national|web-based|"
    r"electronic) (survey|questionnaire) (was |were )?(sent|distributed|administered|"
    r"e-?mailed))\b", re.IGNORECASE)
"""An abstract that reports a survey (a quality-of-life questionnaire is not one)."""
BARE_AI = re.compile(r"\bAI\b")


def _paper_role(analysis: Analysis, cand: Candidate, vendor_paper: bool) -> str | None:
    """A non-evidence role the kind of paper gives a product its title does not name: every
    product a review names is cited, every product a survey names is listed; a product that
    only measures something in a study about something else ("analysed with X" in a paper
    with no AI in its title or aim and no word of evaluating a tool) is a tool."""
    if any(s.section == "title" for s in cand.sightings):
        return None
    paper = analysis.paper
    if analysis.review:
        return CITED
    if analysis.development and not vendor_paper:
        # a paper that builds its own model names a product as its tool, its reference
        # or its comparator, not as what it evaluates (unless the vendor wrote it)
        roles = [sighting_role(s.sentence, s.mention.text, evaluative=s.evaluative,
                               citing=s.citing) for s in cand.sightings]
        return next((r for r in roles if r is not None), CITED)
    if SURVEY_PAPER.search(paper.title) or SURVEY_ABSTRACT.search(paper.abstract):
        return LISTED
    if (ai_cue(paper.title) is None and not BARE_AI.search(paper.title)
            and not any(s.section == "purpose" for s in cand.sightings)
            and not any(METRIC.search(s.sentence) for s in cand.sightings)
            and all(MEASURED_WITH.search(_before(s)) for s in cand.sightings)
            and not any(AI_EVALUATED.search(s.sentence) for s in cand.sightings)
            and not AI_EVALUATED.search(paper.title)):
        return USED_AS_TOOL
    return None


def _before(s: Sighting) -> str:
    at = s.sentence.find(s.mention.text)
    return s.sentence[:at] if at >= 0 else ""


def _brand_use(s: Sighting) -> bool:
    """The company name is used as the product's name ("Caption AI guidance software")."""
    at = s.sentence.find(s.mention.text)
    return at >= 0 and bool(_BRAND_USE.match(s.sentence[at + len(s.mention.text):]))


def _evidence(sightings: list[Sighting]) -> str:
    """The sentence that best supports the link: an evaluative abstract sentence first."""
    ranked = sorted(sightings, key=lambda s: (not s.evaluative, s.citing, s.field == "title"))
    return ranked[0].sentence if ranked else ""
