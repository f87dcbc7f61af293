"""Do the torch and onnx-int8 embedding backends give the same links and level calls on the
development sets? Prints the differences and the measured figures under each backend.

Run: python scripts/compare_backends.py [--json]

For each backend, in a data folder of its own (so no cached vector crosses over), on
``tests/data/dev/products_*.jsonl`` and ``papers_*.jsonl``:

- linking as ``tracker link-file`` does it (each papers file against its set's catalogue),
  and precision/recall as ``tracker eval linking`` computes them on the ``gold_links`` of
  each set (sets ab, c, d, e as in the README) and over all sets together;
- grading as ``tracker eval grading`` does it on all labelled papers with all catalogues
  (as tests/test_grading_eval.py). The shipped model was trained on these papers, so those
  figures are out-of-fold: the classifier refitted without each fold, on that backend's
  vectors. Also the level each paper gets from the shipped model itself applied to that
  backend's vectors, as a store run or ``classify-file`` records it.

It lists links found by one backend only and papers whose level differs, and exits 1 when
a figure is lower under onnx-int8 than under torch.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.config import Settings, get_settings  # noqa: E402

DEV = ROOT / "tests" / "data" / "dev"
BACKENDS = ("torch", "onnx-int8")
SETS = {"ab": (["papers_a.jsonl", "papers_b.jsonl"], ["products_a.jsonl", "products_b.jsonl"]),
        "c": (["papers_c.jsonl"], ["products_c.jsonl"]),
        "d": (["papers_d.jsonl"], ["products_d.jsonl"]),
        "e": (["papers_e.jsonl"], ["products_e.jsonl"])}
"""Each part of the development set is labelled against its own catalogue (as in
tests/test_linking_files.py and the README's figures)."""
FIGURES = [*((f"linking {name}", figure) for name in SETS for figure in ("precision", "recall")),
           ("linking all", "precision"), ("linking all", "recall"), ("linking all", "f1"),
           ("grading", "accuracy"), ("grading", "macro_f1"), ("grading", "bucket_accuracy"),
           ("shipped", "accuracy"), ("shipped", "macro_f1")]
LABELS = {"grading": "grading (eval, out-of-fold)", "shipped": "grading (shipped model)"}


def run_backend(backend: str, folder: Path) -> dict[str, Any]:
    settings = get_settings(data_dir=folder / "data", embedding_backend=backend, device="cpu")
    started = time.perf_counter()
    out: dict[str, Any] = {"backend": backend, "links": link_files(settings)}
    out.update(linking_figures(settings))
    out["grading"], out["levels"], (out["shipped_levels"], out["shipped"]) = grading_figures(
        settings)
    out["seconds"] = round(time.perf_counter() - started, 1)
    return out


def link_files(settings: Settings) -> dict[str, float]:
    """``tracker link-file`` on each papers file against its set's catalogue:
    ``paper -> product`` with its score."""
    from tracker.linking.files import link_file

    out: dict[str, float] = {}
    for papers, products in SETS.values():
        for name in papers:
            run = link_file(products=[DEV / p for p in products], papers=DEV / name, out=None,
                            settings=settings)
            out.update({f"{link.paper} -> {link.product}": link.score for link in run.links})
    return out


def linking_figures(settings: Settings) -> dict[str, dict[str, Any]]:
    """``tracker eval linking`` on each development set, and over all sets together."""
    from tracker.linking.evaluate import evaluate_linking

    out: dict[str, dict[str, Any]] = {}
    for name, (papers, products) in SETS.items():
        result = evaluate_linking(gold=[DEV / p for p in papers],
                                  products=[DEV / p for p in products], settings=settings)
        out[f"linking {name}"] = {k: result[k] for k in (
            "papers", "gold_pairs", "predicted_pairs", "true_positives", "precision", "recall",
            "f1")}
    tp, predicted, gold = (sum(f[k] for f in out.values())
                           for k in ("true_positives", "predicted_pairs", "gold_pairs"))
    precision, recall = tp / predicted, tp / gold
    out["linking all"] = {"papers": sum(f["papers"] for f in out.values()), "gold_pairs": gold,
                          "precision": round(precision, 4), "recall": round(recall, 4),
                          "f1": round(2 * precision * recall / (precision + recall), 4)}
    return out


def grading_figures(settings: Settings) -> tuple[dict[str, Any], dict[str, str | None],
                                                 tuple[dict[str, str | None], dict[str, Any]]]:
    """``tracker eval grading`` figures and its per-paper levels; the shipped model's levels
    and figures on the same papers."""
    import tracker.grading.evaluation as evaluation
    from tracker.contract import read_products
    from tracker.grading.classifier import active_model
    from tracker.grading.grader import grade_papers, grading_embedder
    from tracker.grading.metrics import grading_figures as figures_of
    from tracker.grading.training import read_labelled
    from tracker.linking.files import paper_contexts
    from tracker.linking.linker import Linker
    from tracker.nlp.relevance import classify_relevance

    examples, problems = read_labelled(sorted(DEV.glob("papers_*.jsonl")))
    catalog, bad = read_products(sorted(DEV.glob("products_*.jsonl")))  # as tests/test_grading_eval.py
    if problems or bad:
        raise SystemExit(f"development set problems: {problems + bad}")
    papers = [e.paper for e in examples]
    contexts = paper_contexts(papers, Linker(catalog, embedder=None))

    def relevance_for(paper: Any) -> Any:
        found = contexts.get(paper.id)
        return found.relevance if found else classify_relevance(paper)

    def vendors_for(paper: Any) -> list[str]:
        return contexts[paper.id].vendors if paper.id in contexts else []

    # read the per-paper levels evaluate_gold scores: the call that passes the grades
    with mock.patch.object(evaluation, "grading_figures", wraps=evaluation.grading_figures) as spy:
        figures = evaluation.evaluate_gold(examples, settings=settings, vendors_for=vendors_for,
                                           relevance_for=relevance_for)
    graded = [call.args[3] for call in spy.call_args_list if len(call.args) == 4]
    levels: dict[str, str | None] = {g["paper_id"]: g["level"] for g in graded[0]}
    model = active_model(settings.data_dir)
    grades = grade_papers(papers, model=model, vendors_for=vendors_for,
                          relevance_for=relevance_for, review_threshold=settings.review_threshold,
                          embedder=grading_embedder(settings, model))
    shipped = figures_of([e.level for e in examples], [g.level for g in grades])
    kept = {k: figures[k] for k in ("papers", "accuracy", "macro_f1", "bucket_accuracy", "note")}
    return kept, levels, ({g.paper_id: g.level for g in grades},
                          {k: shipped[k] for k in ("accuracy", "macro_f1", "bucket_accuracy")})


def report(torch: dict[str, Any], onnx: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The printed lines, and the figures that are lower under onnx-int8."""
    width = 44
    lines = [f"development sets ({DEV.relative_to(ROOT)}): {torch['grading']['papers']} labelled "
             f"papers, {torch['linking all']['gold_pairs']} gold links; each backend in a data "
             "folder of its own", "",
             f"{'figure':{width}s} {'torch':>10s} {'onnx-int8':>10s}"]
    lower = []
    for part, name in FIGURES:
        a, b = torch[part][name], onnx[part][name]
        lines.append(f"{LABELS.get(part, part) + ' ' + name:{width}s} {a:10.4f} {b:10.4f}"
                     + ("   LOWER" if b < a else ""))
        if b < a:
            lower.append(f"{part} {name} {a:.4f} -> {b:.4f}")
    lines.append(f"{'links written by link-file':{width}s} {len(torch['links']):10d} "
                 f"{len(onnx['links']):10d}")
    lines.append(f"{'seconds for this check (busy machine)':{width}s} {torch['seconds']:10.1f} "
                 f"{onnx['seconds']:10.1f}")
    only_t = sorted(set(torch["links"]) - set(onnx["links"]))
    only_o = sorted(set(onnx["links"]) - set(torch["links"]))
    shared = set(torch["links"]) & set(onnx["links"])
    drift = max((abs(torch["links"][k] - onnx["links"][k]) for k in shared), default=0.0)
    lines += ["", f"links only in torch: {len(only_t)}",
              *(f"  {k} ({torch['links'][k]})" for k in only_t),
              f"links only in onnx-int8: {len(only_o)}",
              *(f"  {k} ({onnx['links'][k]})" for k in only_o),
              f"largest score change on a link both made: {drift:.4f}"]
    for title, key in (("level calls that differ (eval grading, out-of-fold)", "levels"),
                       ("level calls that differ (shipped model)", "shipped_levels")):
        differ = sorted(p for p in torch[key] if torch[key][p] != onnx[key].get(p))
        lines.append(f"{title}: {len(differ)} of {len(torch[key])}")
        lines += [f"  {p}: torch {torch[key][p]}, onnx-int8 {onnx[key].get(p)}" for p in differ]
    lines += ["", f"eval grading: {torch['grading']['note']}",
              "shipped model: the packaged model's own calls, as a store run records them; it "
              "was trained on these papers (torch vectors), so its figures are training-set "
              "figures"]
    lines.append("verdict: " + ("onnx-int8 LOWERS " + "; ".join(lower) if lower
                                else "no measured figure is lower under onnx-int8"))
    return lines, lower


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compare-backends-") as tmp:
        runs = [run_backend(backend, Path(tmp) / backend) for backend in BACKENDS]
    lines, lower = report(*runs)
    if args.json:
        print(json.dumps({"runs": runs, "lower": lower}, indent=2))
    else:
        print("\n".join(lines))
    raise SystemExit(1 if lower else 0)


if __name__ == "__main__":
    main()
