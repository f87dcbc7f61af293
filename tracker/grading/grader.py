"""Grade papers: rules, features, vendor independence and (when a model is there) the
classifier, giving one ``Grade`` per paper with its confidence and cues."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from tracker.contract import PaperRecord
from tracker.evidence.vocabulary import bucket_of, from_class
from tracker.grading.analysis import analyse
from tracker.grading.classifier import GradingModel
from tracker.grading.features import study_features
from tracker.grading.rules import RuleCall, highest_level, level_cues, rule_features, rule_level
from tracker.grading.vendor import KNOWN_VENDORS, vendor_independence
from tracker.nlp.relevance import (
    AI_IMAGING,
    LINKED,
    OFF_TOPIC,
    PRODUCT_EVALUATION,
    Relevance,
    classify_relevance,
    economic_evaluation,
)

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.embeddings import Embedder

RULES_VERSION = "rules-5"  # bump when a rule changes: stores re-grade


def grading_version(model: GradingModel | None, embedder: Embedder | None = None) -> str:
    """The version a stored grade carries: the rules', with the model's when one is used,
    and the embedding backend when it is not torch (a change of any re-grades the store)."""
    version = f"{model.version}+{RULES_VERSION}" if model is not None else RULES_VERSION
    backend = embedder.backend if embedder is not None and model is not None else "torch"
    return version if backend == "torch" else f"{version}@{backend}"

RULE_CONFIDENCE = {"publication type": 0.95, "title says": 0.85, "review cues": 0.7,
                   "cues of level": 0.65, "no level cue": 0.4}
"""Confidence of a rules-only call (no model file): by what decided it."""


@dataclass
class Grade:
    paper_id: str
    level: str | None
    confidence: float
    prospective: bool | None = None
    multicentre: bool | None = None
    multinational: bool | None = None
    vendor_independent: bool | None = None
    reader_study: bool | None = None
    rct: bool | None = None
    sample_size: int | None = None
    cues: list[str] = field(default_factory=list)
    needs_review: bool = False
    method: str = "rules"
    model_version: str = RULES_VERSION
    why: dict[str, str] = field(default_factory=dict)
    relevance: str | None = None  # product-evaluation | ai-imaging | off-topic
    relevance_reason: str = ""

    @property
    def bucket(self) -> str | None:
        return bucket_of(self.level)

    def to_json(self) -> dict[str, Any]:
        """The ``classify-file`` line of docs/interfaces.md (plus bucket, sample size, review)."""
        data = asdict(self)
        data["bucket"] = self.bucket
        data["confidence"] = round(self.confidence, 3)
        return data


def _rule_confidence(call: RuleCall) -> float:
    for prefix, value in RULE_CONFIDENCE.items():
        if call.reason.startswith(prefix):
            return value
    return 0.5


def grading_embedder(settings: Settings, model: GradingModel | None, *,
                     engine: Any = None) -> Embedder | None:
    """The embedder for ``model``'s embedding model (its cache: the store's table with an
    ``engine``, else ``DATA_DIR/embeddings``); ``None`` when the model reads no embeddings."""
    if model is None or not model.embedding_dim:
        return None
    from tracker.embeddings import Embedder

    return Embedder.from_settings(settings, engine=engine, model=model.embedding_model)


GATE_CONFIDENCE = {"publication type": 0.95, "title says": 0.9, "develops its own": 0.85,
                   "no AI cue": 0.95, "but no imaging cue": 0.85}
"""Confidence that a paper gated out of grading (off-topic or not evaluating a product) has
no level, by the gate's reason; other reasons get ``UNSURE_GATE`` and go to review."""
UNSURE_GATE = 0.55


def grade_papers(papers: Sequence[PaperRecord], *, review_threshold: float,
                 model: GradingModel | None = None,
                 vendors_for: Callable[[PaperRecord], list[str]] | None = None,
                 embedder: Embedder | None = None,
                 embeddings: Any = None,
                 relevance_for: Callable[[PaperRecord], Relevance] | None = None) -> list[Grade]:
    """One grade per paper, in order; a grade whose confidence is under ``review_threshold``
    needs review. ``vendors_for`` gives the companies of the products a
    paper evaluates (for vendor independence); ``embeddings`` may be passed precomputed,
    else ``embedder`` (``grading_embedder``; default: the model's, uncached) makes them.

    ``relevance_for`` gives each paper's relevance (the linker's, with a catalogue); without
    it the gate reads the text and the vendors. Only product evaluations (and health-economic
    evaluations of AI) are graded; the others get no level and no study features, and are
    never embedded."""
    relevances = [relevance_for(p) if relevance_for else classify_relevance(
        p, named=bool(vendors_for and vendors_for(p)), vendors=KNOWN_VENDORS) for p in papers]
    graded = [i for i, r in enumerate(relevances) if _graded(papers[i], r)]
    if embeddings is not None and len(graded) != len(papers):
        embeddings = embeddings[graded]
    out: list[Grade | None] = [None] * len(papers)
    graded_set = set(graded)
    for i, (paper, rel) in enumerate(zip(papers, relevances, strict=True)):
        if i not in graded_set:
            out[i] = _gated(paper, rel, review_threshold, grading_version(model, embedder))
    inner = _grade([papers[i] for i in graded], review_threshold=review_threshold, model=model,
                   vendors_for=vendors_for, embedder=embedder, embeddings=embeddings,
                   linked=[relevances[i].reason == LINKED for i in graded])
    for i, grade in zip(graded, inner, strict=True):
        rel = relevances[i]
        grade.relevance, grade.relevance_reason = rel.label, rel.reason
        grade.why["relevance"] = rel.reason
        if rel.label == AI_IMAGING and grade.level != "6":
            grade.why["level"] = ("AI in imaging without a product evaluated: only a "
                                  f"health-economic evaluation is graded (said {grade.level})")
            grade.level, grade.cues = None, []
            _clear_features(grade)
            grade.needs_review = True
        out[i] = grade
    return [g for g in out if g is not None]


def _graded(paper: PaperRecord, relevance: Relevance) -> bool:
    if relevance.label == PRODUCT_EVALUATION:
        return True
    return (relevance.label == AI_IMAGING and "not a primary study" not in relevance.reason
            and economic_evaluation(paper) is not None)


def _clear_features(grade: Grade) -> None:
    for name in (*DESIGN_FEATURES, "sample_size", "vendor_independent"):
        setattr(grade, name, None)
        grade.why.pop(name, None)


def _gated(paper: PaperRecord, relevance: Relevance, review_threshold: float,
           version: str) -> Grade:
    """The grade of a paper the relevance gate keeps out: no level, no features."""
    confidence = next((value for key, value in GATE_CONFIDENCE.items()
                       if key in relevance.reason), UNSURE_GATE)
    return Grade(paper_id=paper.id, level=None, confidence=confidence, method="relevance gate",
                 model_version=version, relevance=relevance.label,
                 relevance_reason=relevance.reason,
                 cues=[f"relevance: {relevance.label}"],
                 why={"level": f"{relevance.label}: {relevance.reason}",
                      "relevance": relevance.reason},
                 needs_review=relevance.label != OFF_TOPIC and confidence < review_threshold)


def _grade(papers: Sequence[PaperRecord], *, review_threshold: float,
           model: GradingModel | None, vendors_for: Callable[[PaperRecord], list[str]] | None,
           embedder: Embedder | None, embeddings: Any, linked: list[bool]) -> list[Grade]:
    analysed = [analyse(p) for p in papers]
    calls = [rule_level(p, pc) for p, pc in zip(papers, analysed, strict=True)]
    # a paper the linker says evaluates a catalogue product is an evaluation even when it
    # reads like a new algorithm (a vendor's own paper): only its type or title can say no
    calls = [highest_level(pc, call.scores) if link and call.level is None
             and not (call.non_primary_type or call.non_primary_title) else call
             for pc, call, link in zip(analysed, calls, linked, strict=True)]
    grades: list[Grade] = []
    for paper, pc, call in zip(papers, analysed, calls, strict=True):
        feats = study_features(paper, pc)
        vendors = vendors_for(paper) if vendors_for else []
        independent, why_vendor = vendor_independence(paper, vendors=vendors)
        why = dict(feats.why, level=call.reason, vendor_independent=why_vendor)
        grades.append(Grade(
            paper_id=paper.id, level=call.level, confidence=_rule_confidence(call),
            prospective=feats.prospective, multicentre=feats.multicentre,
            multinational=feats.multinational, vendor_independent=independent,
            reader_study=feats.reader_study, rct=feats.rct, sample_size=feats.sample_size,
            cues=list(call.cues), why=why))
    if model is not None and papers:
        rows = [rule_features(p, c, pc) for p, c, pc in zip(papers, calls, analysed, strict=True)]
        _apply_model(papers, calls, rows, grades, model, embedder=embedder, embeddings=embeddings,
                     linked=linked)
        for grade, pc, call in zip(grades, analysed, calls, strict=True):
            if grade.level != call.level:
                grade.cues = level_cues(pc, grade.level)
    for grade, call in zip(grades, calls, strict=True):
        fill_defaults(grade, call)
        grade.needs_review = grade.confidence < review_threshold
    return grades


DESIGN_FEATURES = ("prospective", "multicentre", "multinational", "reader_study", "rct")


def fill_defaults(grade: Grade, call: RuleCall) -> None:
    """Design features a study's abstract would state are ``False`` when a study's abstract
    does not state them; papers without a level (reviews, new algorithms) keep ``None``. A level-3 call
    implies a reader study."""
    if grade.level == "3" and not grade.reader_study:
        grade.reader_study = True
        grade.why["reader_study"] = "level 3 (readers with and without the AI)"
    if grade.level is None:
        return  # not an evaluation: nothing is "not stated", the features do not apply
    for name in DESIGN_FEATURES:
        if getattr(grade, name) is None:
            setattr(grade, name, False)
            grade.why[name] = "not stated in the abstract (default for a study)"


def _apply_model(papers: Sequence[PaperRecord], calls: list[RuleCall], rows: list[list[float]],
                 grades: list[Grade], model: GradingModel, *, embedder: Embedder | None,
                 embeddings: Any, linked: list[bool]) -> None:
    import numpy as np

    if model.embedding_dim and embeddings is None:
        from tracker.embeddings import Embedder

        embedder = embedder or Embedder(model.embedding_model)
        embeddings = embedder.embed([p.text for p in papers])
    probs = model.predict_proba(model.design_matrix(embeddings, rows))
    for grade, call, row, link in zip(grades, calls, probs, linked, strict=True):
        if call.non_primary_type or call.non_primary_title:
            # a review, editorial or guideline by publication type or title: not evidence,
            # whatever the text resembles (the classifier is not asked)
            grade.model_version = grading_version(model, embedder)
            continue
        best = int(np.argmax(row))
        if link and from_class(model.classes[best]) is None:
            # linked to a product it evaluates: the most likely level, not "none"
            best = max((i for i, c in enumerate(model.classes) if from_class(c) is not None),
                       key=lambda i: row[i])
        level = from_class(model.classes[best])
        grade.level = level
        grade.confidence = model.calibrated(float(row[best]))
        grade.method = "rules+embedding-lr"
        grade.model_version = grading_version(model, embedder)
        if level != call.level:
            grade.why["level"] = (f"classifier ({model.classes[best]}, p={row[best]:.2f}); "
                                  f"rules said {call.level or 'none'}: {call.reason}")
        else:
            grade.why["level"] = f"classifier agrees with rules: {call.reason}"
