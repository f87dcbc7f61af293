"""``tracker eval grading``: grade a labelled set and compare with its gold labels.

If any gold paper was in the active model's training set, the model's own levels would be
training-set figures; the levels are then out-of-fold predictions instead (the classifier
refitted with the model's hyperparameters on the other folds of the gold set), and the
result carries a ``note`` saying so. Study features come from rules, which are not fitted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from tracker.contract import PaperRecord
from tracker.grading.classifier import active_model
from tracker.grading.grader import grade_papers, grading_embedder
from tracker.grading.metrics import grading_figures
from tracker.grading.training import Example, design, oof_levels

if TYPE_CHECKING:
    from tracker.config import Settings


def evaluate_gold(examples: list[Example], *, settings: Settings,
                  vendors_for: Callable[[PaperRecord], list[str]] | None = None,
                  folds: int = 5) -> dict[str, Any]:
    model = active_model(settings.data_dir)
    papers = [e.paper for e in examples]
    embedder = grading_embedder(settings, model)
    embeddings = embedder.embed([p.text for p in papers]) if embedder is not None else None
    grades = grade_papers(papers, model=model, vendors_for=vendors_for,
                          review_threshold=settings.review_threshold, embeddings=embeddings)
    note = "levels from the rules only (no model file)" if model is None else (
        f"levels from model {model.version}; none of the gold papers were in its training set")
    trained = set((model.params or {}).get("training_ids", [])) if model else set()
    overlap = trained & {p.id for p in papers}
    if model is not None and overlap:
        emb, rows = design(papers, model_name=model.embedding_model, embeddings=embeddings)
        X = model.design_matrix(emb, rows)
        params = {**model.params, "folds": folds}
        levels, top = oof_levels(examples, X, params, rows)
        for grade, level, p in zip(grades, levels, top, strict=True):
            if grade.method != "rules":  # not a review/editorial decided by type or title
                grade.level, grade.confidence = level, model.calibrated(float(p))
        note = (f"OUT-OF-FOLD figures: {len(overlap)} of {len(papers)} gold papers were in the "
                f"training set of model {model.version}, so each level comes from a model "
                f"refitted without that paper's fold ({folds}-fold stratified CV on this gold "
                "set, same hyperparameters); study features come from unfitted rules")
    figures = grading_figures([e.level for e in examples], [g.level for g in grades],
                              [e.features for e in examples],
                              [asdict(g) for g in grades])
    rules = grade_papers(papers, model=None, vendors_for=vendors_for,
                         review_threshold=settings.review_threshold)
    rules_fig = grading_figures([e.level for e in examples], [g.level for g in rules])
    figures["rules_only"] = {"accuracy": rules_fig["accuracy"], "macro_f1": rules_fig["macro_f1"],
                             "bucket_accuracy": rules_fig["bucket_accuracy"]}
    figures["note"] = note
    figures["needs_review"] = sum(g.needs_review for g in grades)
    right = [g.confidence for g, e in zip(grades, examples, strict=True) if g.level == e.level]
    wrong = [g.confidence for g, e in zip(grades, examples, strict=True) if g.level != e.level]
    figures["mean_confidence"] = {"right": round(sum(right) / len(right), 3) if right else None,
                                  "wrong": round(sum(wrong) / len(wrong), 3) if wrong else None}
    return figures
