"""Precision, recall and F1 of the linker over paper-product pairs on a labelled set.

The gold files are paper files (docs/interfaces.md) whose lines carry ``gold_links`` (product
ids the paper evaluates). Papers without a ``gold_links`` field are skipped as unlabelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.contract import PaperRecord, read_jsonl, read_products
from tracker.linking.files import link_papers, make_linker

if TYPE_CHECKING:
    from tracker.config import Settings


class LinkingGold(PaperRecord):
    """A papers.jsonl line with the ids of the products it evaluates (``None``: unlabelled)."""

    gold_links: list[str] | None = None


def evaluate_linking(*, gold: Sequence[Path], products: Sequence[Path], settings: Settings,
                     embed: bool = True) -> dict[str, Any]:
    catalog, problems = read_products(products)
    labelled: list[tuple[PaperRecord, set[str]]] = []
    for path in gold:
        items, bad = read_jsonl(path, LinkingGold)
        problems += bad
        labelled += [(p, set(p.gold_links)) for p in items if p.gold_links is not None]
    known = {p.id for p in catalog}
    papers = [p for p, _ in labelled]
    links = link_papers(make_linker(catalog, settings, embed=embed), papers)
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
    }
