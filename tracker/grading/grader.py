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
from tracker.grading.rules import RuleCall, level_cues, rule_features, rule_level
from tracker.grading.vendor import vendor_independence

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.embeddings import Embedder

RULES_VERSION = "rules-2"  # bump when a rule changes: stores re-grade

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


def grade_papers(papers: Sequence[PaperRecord], *, review_threshold: float,
                 model: GradingModel | None = None,
                 vendors_for: Callable[[PaperRecord], list[str]] | None = None,
                 embedder: Embedder | None = None,
                 embeddings: Any = None) -> list[Grade]:
    """One grade per paper, in order; a grade whose confidence is under ``review_threshold``
    needs review. ``vendors_for`` gives the companies of the products a
    paper evaluates (for vendor independence); ``embeddings`` may be passed precomputed,
    else ``embedder`` (``grading_embedder``; default: the model's, uncached) makes them."""
    analysed = [analyse(p) for p in papers]
    calls = [rule_level(p, pc) for p, pc in zip(papers, analysed, strict=True)]
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
        _apply_model(papers, calls, rows, grades, model, embedder=embedder, embeddings=embeddings)
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
    does not state them; reviews, editorials and the like keep ``None``. A level-3 call
    implies a reader study."""
    if grade.level == "3" and not grade.reader_study:
        grade.reader_study = True
        grade.why["reader_study"] = "level 3 (readers with and without the AI)"
    non_primary = call.non_primary_type or call.non_primary_title or call.reason == "review cues"
    if grade.level is None and non_primary:
        return
    for name in DESIGN_FEATURES:
        if getattr(grade, name) is None:
            setattr(grade, name, False)
            grade.why[name] = "not stated in the abstract (default for a study)"


def _apply_model(papers: Sequence[PaperRecord], calls: list[RuleCall], rows: list[list[float]],
                 grades: list[Grade], model: GradingModel, *, embedder: Embedder | None,
                 embeddings: Any) -> None:
    import numpy as np

    if model.embedding_dim and embeddings is None:
        from tracker.embeddings import Embedder

        embedder = embedder or Embedder(model.embedding_model)
        embeddings = embedder.embed([p.text for p in papers])
    probs = model.predict_proba(model.design_matrix(embeddings, rows))
    for grade, call, row in zip(grades, calls, probs, strict=True):
        if call.non_primary_type or call.non_primary_title:
            # a review, editorial or guideline by publication type or title: not evidence,
            # whatever the text resembles (the classifier is not asked)
            grade.model_version = model.version
            continue
        best = int(np.argmax(row))
        level = from_class(model.classes[best])
        grade.level = level
        grade.confidence = model.calibrated(float(row[best]))
        grade.method = "rules+embedding-lr"
        grade.model_version = model.version
        if level != call.level:
            grade.why["level"] = (f"classifier ({model.classes[best]}, p={row[best]:.2f}); "
                                  f"rules said {call.level or 'none'}: {call.reason}")
        else:
            grade.why["level"] = f"classifier agrees with rules: {call.reason}"
