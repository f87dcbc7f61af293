"""``tracker eval grading``: grade a labelled set and compare with its gold labels.

If any gold paper was in the active model's training set, the model's own levels would be
training-set figures; the levels are then out-of-fold predictions instead (the classifier
refitted with the model's hyperparameters on the other folds of the gold set), and the
result carries a ``note`` saying so. Study features come from rules, which are not fitted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.contract import PaperRecord, read_papers
from tracker.grading.classifier import active_model
from tracker.grading.grader import grade_papers, grading_embedder
from tracker.grading.metrics import grading_figures
from tracker.grading.training import Example, design, oof_levels
from tracker.nlp.relevance import PRODUCT_EVALUATION, Relevance

if TYPE_CHECKING:
    from tracker.config import Settings


def evaluate_gold(examples: list[Example], *, settings: Settings,
                  vendors_for: Callable[[PaperRecord], list[str]] | None = None,
                  folds: int = 5,
                  relevance_for: Callable[[PaperRecord], Relevance] | None = None
                  ) -> dict[str, Any]:
    model = active_model(settings.data_dir)
    papers = [e.paper for e in examples]
    embedder = grading_embedder(settings, model)
    embeddings = embedder.embed([p.text for p in papers]) if embedder is not None else None
    grades = grade_papers(papers, model=model, vendors_for=vendors_for,
                          review_threshold=settings.review_threshold, embeddings=embeddings,
                          relevance_for=relevance_for)
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
            if not grade.method.startswith("rules+"):
                continue  # gated out, or a review/editorial decided by type or title
            if grade.relevance == PRODUCT_EVALUATION or level == "6":
                grade.level, grade.confidence = level, model.calibrated(float(p))
        note = (f"OUT-OF-FOLD figures: {len(overlap)} of {len(papers)} gold papers were in the "
                f"training set of model {model.version}, so each level comes from a model "
                f"refitted without that paper's fold ({folds}-fold stratified CV on this gold "
                "set, same hyperparameters); study features come from unfitted rules")
    figures = grading_figures([e.level for e in examples], [g.level for g in grades],
                              [e.features for e in examples],
                              [asdict(g) for g in grades])
    rules = grade_papers(papers, model=None, vendors_for=vendors_for,
                         review_threshold=settings.review_threshold, relevance_for=relevance_for)
    rules_fig = grading_figures([e.level for e in examples], [g.level for g in rules])
    figures["rules_only"] = {"accuracy": rules_fig["accuracy"], "macro_f1": rules_fig["macro_f1"],
                             "bucket_accuracy": rules_fig["bucket_accuracy"]}
    figures["note"] = note
    figures.update(gate_figures(examples, grades))
    figures["needs_review"] = sum(g.needs_review for g in grades)
    right = [g.confidence for g, e in zip(grades, examples, strict=True) if g.level == e.level]
    wrong = [g.confidence for g, e in zip(grades, examples, strict=True) if g.level != e.level]
    figures["mean_confidence"] = {"right": round(sum(right) / len(right), 3) if right else None,
                                  "wrong": round(sum(wrong) / len(wrong), 3) if wrong else None}
    return figures


def gate_figures(examples: list[Example], grades: list[Any]) -> dict[str, Any]:
    """The share of non-evaluations (gold level null) left without a level, and of
    evaluations that kept one; relevance accuracy where the gold set labels it."""
    non = [g for e, g in zip(examples, grades, strict=True) if e.level is None]
    evals = [g for e, g in zip(examples, grades, strict=True) if e.level is not None]
    out: dict[str, Any] = {
        "non_evaluations": len(non),
        "non_evaluations_ungraded": round(sum(g.level is None for g in non) / len(non), 4)
        if non else None,
        "evaluations_graded": round(sum(g.level is not None for g in evals) / len(evals), 4)
        if evals else None,
    }
    labelled = [(e.relevance, g.relevance) for e, g in zip(examples, grades, strict=True)
                if e.relevance]
    if labelled:
        out["relevance_accuracy"] = round(sum(a == b for a, b in labelled) / len(labelled), 4)
        out["relevance_labelled"] = len(labelled)
    return out


def read_negatives(path: Path) -> list[PaperRecord]:
    """Papers of a negatives file: papers.jsonl, or PubMedQA's ``ori_pqal.json`` (PMID ->
    QUESTION, CONTEXTS, MESHES, YEAR)."""
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return [PaperRecord(id=f"PMID:{pmid}", title=str(item.get("QUESTION", "")),
                            abstract=" ".join(item.get("CONTEXTS", [])),
                            mesh=list(item.get("MESHES", [])), year=_year(item.get("YEAR")))
                for pmid, item in data.items() if isinstance(item, dict)]
    items, _ = read_papers(path)
    return items


def _year(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def ungraded_share(papers: list[PaperRecord], *, settings: Settings,
                   vendors_for: Callable[[PaperRecord], list[str]] | None = None,
                   relevance_for: Callable[[PaperRecord], Relevance] | None = None
                   ) -> dict[str, Any]:
    """How many of ``papers`` (none a product evaluation) get no level, by relevance."""
    model = active_model(settings.data_dir)
    grades = grade_papers(papers, model=model, vendors_for=vendors_for,
                          review_threshold=settings.review_threshold,
                          embedder=grading_embedder(settings, model),
                          relevance_for=relevance_for)
    by_relevance: dict[str, int] = {}
    for g in grades:
        by_relevance[g.relevance or "none"] = by_relevance.get(g.relevance or "none", 0) + 1
    ungraded = sum(g.level is None for g in grades)
    return {"papers": len(papers), "ungraded": ungraded,
            "ungraded_share": round(ungraded / len(papers), 4) if papers else None,
            "relevance": by_relevance}
