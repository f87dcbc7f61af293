"""Figures of a grading run against gold labels: accuracy, macro-F1, confusion matrix,
three-bucket accuracy and per-feature accuracy where the gold set labels the feature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracker.evidence.vocabulary import CLASSES, bucket_of, to_class

FEATURES = ("prospective", "multicentre", "multinational", "reader_study", "rct",
            "vendor_independent")


def _bucket(level: str | None) -> str:
    return bucket_of(level) or "none"


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    labels = sorted(set(gold) | set(pred))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label and p != label)
        denom = 2 * tp + fp + fn
        scores.append(2 * tp / denom if denom else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def confusion(gold: Sequence[str], pred: Sequence[str]) -> dict[str, dict[str, int]]:
    """``matrix[gold][predicted]`` over the classes that occur."""
    labels = [c for c in CLASSES if c in set(gold) | set(pred)]
    matrix = {g: dict.fromkeys(labels, 0) for g in labels}
    for g, p in zip(gold, pred, strict=True):
        matrix[g][p] += 1
    return matrix


def grading_figures(gold_levels: Sequence[str | None], pred_levels: Sequence[str | None],
                    gold_features: Sequence[dict[str, Any]] | None = None,
                    pred_features: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    gold = [to_class(g) for g in gold_levels]
    pred = [to_class(p) for p in pred_levels]
    n = len(gold)
    acc = sum(g == p for g, p in zip(gold, pred, strict=True)) / n if n else 0.0
    bucket_acc = (sum(_bucket(g) == _bucket(p) for g, p in zip(gold_levels, pred_levels,
                                                                 strict=True)) / n if n else 0.0)
    figures: dict[str, Any] = {
        "papers": n, "accuracy": round(acc, 4), "macro_f1": round(macro_f1(gold, pred), 4),
        "bucket_accuracy": round(bucket_acc, 4), "confusion": confusion(gold, pred),
        "features": {},
    }
    if gold_features and pred_features:
        for name in FEATURES:
            pairs = [(g.get(name), p.get(name)) for g, p in
                     zip(gold_features, pred_features, strict=True)
                     if isinstance(g, dict) and g.get(name) is not None]
            if pairs:
                right = sum(1 for g, p in pairs if g == p)
                figures["features"][name] = {"labelled": len(pairs),
                                             "accuracy": round(right / len(pairs), 4),
                                             "unanswered": sum(1 for _, p in pairs if p is None)}
        sizes = [(g.get("sample_size"), p.get("sample_size")) for g, p in
                 zip(gold_features, pred_features, strict=True)
                 if isinstance(g, dict) and g.get("sample_size") is not None]
        if sizes:
            figures["features"]["sample_size"] = {
                "labelled": len(sizes),
                "accuracy": round(sum(1 for g, p in sizes if p == g) / len(sizes), 4),
                "unanswered": sum(1 for _, p in sizes if p is None)}
    if "vendor_independent" in figures["features"]:
        figures["vendor_independence_accuracy"] = figures["features"]["vendor_independent"][
            "accuracy"]
    return figures


def format_figures(figures: dict[str, Any]) -> str:
    lines = [f"papers            {figures['papers']}",
             f"accuracy          {figures['accuracy']:.3f}",
             f"macro-F1          {figures['macro_f1']:.3f}",
             f"bucket accuracy   {figures['bucket_accuracy']:.3f}  "
             "(technical 1t-2, clinical 3-5, societal 6, none)"]
    if "vendor_independence_accuracy" in figures:
        lines.append(f"vendor-indep. acc {figures['vendor_independence_accuracy']:.3f}")
    if figures.get("non_evaluations_ungraded") is not None:
        lines.append(f"non-evaluations ungraded {figures['non_evaluations_ungraded']:.3f}  "
                     f"(of {figures['non_evaluations']} with gold level null)")
    if figures.get("evaluations_graded") is not None:
        lines.append(f"evaluations graded       {figures['evaluations_graded']:.3f}")
    if "relevance_accuracy" in figures:
        lines.append(f"relevance accuracy       {figures['relevance_accuracy']:.3f}  "
                     f"(of {figures['relevance_labelled']} labelled)")
    for name, neg in figures.get("negatives", {}).items():
        lines.append(f"negatives {name}: {neg['ungraded_share']:.3f} ungraded of "
                     f"{neg['papers']} ({neg['relevance']})")
    if figures.get("note"):
        lines.append(f"note: {figures['note']}")
    matrix = figures["confusion"]
    labels = list(matrix)
    lines.append("confusion (rows gold, columns predicted)")
    lines.append("      " + "".join(f"{lab:>6}" for lab in labels))
    for g in labels:
        lines.append(f"{g:>6}" + "".join(f"{matrix[g][p]:>6}" for p in labels))
    if figures.get("features"):
        lines.append("features (where labelled)")
        for name, f in figures["features"].items():
            lines.append(f"  {name:<20} {f['accuracy']:.3f}  of {f['labelled']} "
                         f"({f['unanswered']} unanswered)")
    return "\n".join(lines)
