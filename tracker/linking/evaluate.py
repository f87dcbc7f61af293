"""Precision, recall and F1 of the linker over paper-product pairs on a labelled set.

The gold files are paper files (docs/interfaces.md) whose lines carry ``gold_links`` (product
ids the paper evaluates). Papers without a ``gold_links`` field are skipped as unlabelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.contract import PaperRecord, read_jsonl, read_products
from tracker.linking.files import link_results, make_linker

if TYPE_CHECKING:
    from tracker.config import Settings


class LinkingGold(PaperRecord):
    """A papers.jsonl line with the ids of the products it evaluates (``None``: unlabelled)."""

    gold_links: list[str] | None = None
    gold_mentions: dict[str, str] | None = None  # product id -> role (roles.py)
    gold_relevance: str | None = None


def evaluate_linking(*, gold: Sequence[Path], products: Sequence[Path], settings: Settings,
                     embed: bool = True) -> dict[str, Any]:
    catalog, problems = read_products(products)
    labelled: list[tuple[PaperRecord, set[str]]] = []
    seen: dict[str, str] = {}  # a paper in two gold files counts once (the first)
    for path in gold:
        items, bad = read_jsonl(path, LinkingGold, unique=seen)
        problems += bad
        labelled += [(p, set(p.gold_links)) for p in items if p.gold_links is not None]
    known = {p.id for p in catalog}
    papers = [p for p, _ in labelled]
    linker = make_linker(catalog, settings, embed=embed)
    results = list(link_results(linker, papers))
    links = [link for r in results for link in r.links]
    predicted = {(link.paper, link.product) for link in links}
    expected = {(p.id, g) for p, gs in labelled for g in gs if g in known}
    unknown = sorted({g for _, gs in labelled for g in gs if g not in known})
    tp = len(predicted & expected)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(expected) if expected else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    by_pair = {(link.paper, link.product): link for link in links}
    return {
        "papers": len(papers), "products": len(catalog), "gold_pairs": len(expected),
        "predicted_pairs": len(predicted), "true_positives": tp,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "false_positives": [{"paper_id": p, "product_id": q, "score": by_pair[(p, q)].score,
                             "method": by_pair[(p, q)].method,
                             "evidence": by_pair[(p, q)].evidence}
                            for p, q in sorted(predicted - expected)],
        "false_negatives": [{"paper_id": p, "product_id": q} for p, q in sorted(expected - predicted)],
        "unknown_gold_products": unknown, "problems": problems,
        **_role_figures(labelled, results),
    }


def _role_figures(labelled: list[tuple[PaperRecord, set[str]]], results: list[Any]
                  ) -> dict[str, Any]:
    """Role accuracy over the (paper, product) pairs a gold set gives a role, and relevance
    accuracy where it labels relevance."""
    predicted: dict[tuple[str, str], str] = {}
    relevance: dict[str, str | None] = {}
    for r in results:
        for m in r.mentions:
            predicted[(r.paper.id, m.product)] = m.role
        for link in r.links:
            predicted[(r.paper.id, link.product)] = link.role
        relevance[r.paper.id] = r.relevance.label if r.relevance else None
    evidence = {"evaluated", "compared"}
    pairs = [(role, predicted.get((p.id, key), "not found")) for p, _ in labelled
             for key, role in (getattr(p, "gold_mentions", None) or {}).items()]
    out: dict[str, Any] = {}
    if pairs:
        out["roles"] = {
            "labelled": len(pairs),
            "accuracy": round(sum(g == q for g, q in pairs) / len(pairs), 4),
            "evidence_vs_not": round(sum((g in evidence) == (q in evidence)
                                         for g, q in pairs) / len(pairs), 4)}
    rel = [(getattr(p, "gold_relevance", None), relevance.get(p.id)) for p, _ in labelled
           if getattr(p, "gold_relevance", None)]
    if rel:
        out["relevance_accuracy"] = round(sum(g == q for g, q in rel) / len(rel), 4)
        out["relevance_labelled"] = len(rel)
    return out
