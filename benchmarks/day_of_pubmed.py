"""A day of PubMed through the batch commands, the way a user runs them: prints figures,
asserts nothing.

Input: PubMedQA's 1,000 real abstracts (tests/data/corpora/pubmedqa/ori_pqal.json) in four
distinct copies (each copy's titles carry a prefix, so no text is a cache hit of another),
4,000 papers in all: about one day of new PubMed records, almost all of them off-topic for
radiology AI, as a day's are. Catalogue: the packaged FDA AI product list (the default of
``tracker classify-file``), written out as products.jsonl for ``tracker link-file``.

Each run is ``tracker link-file`` then ``tracker classify-file`` as subprocesses in a fresh
data directory (an empty embedding cache), timed from outside. With onnxruntime installed the
same runs again with ``TRACKER_EMBEDDING_BACKEND=onnx-int8`` (the model exported once before
the timed run, as a first use would).

    python benchmarks/day_of_pubmed.py [--copies 4] [--backend torch|onnx-int8|both]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBMEDQA = ROOT / "tests" / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"
GOAL_SECONDS = 120.0


def write_inputs(folder: Path, copies: int) -> tuple[Path, Path, int]:
    """papers.jsonl (PubMedQA in ``copies`` distinct copies) and products.jsonl (the packaged
    FDA AI list); returns their paths and the number of papers."""
    sys.path.insert(0, str(ROOT))
    from tracker.linking.catalog import builtin_catalog

    data = json.loads(PUBMEDQA.read_text("utf-8"))
    papers = folder / "papers.jsonl"
    n = 0
    with papers.open("w", encoding="utf-8") as out:
        for copy in range(copies):
            for pmid, item in data.items():
                prefix = f"[copy {copy}] " if copy else ""
                out.write(json.dumps({
                    "id": f"PMID:{pmid}" + (f"-{copy}" if copy else ""),
                    "title": prefix + item["QUESTION"],
                    "abstract": " ".join(item["CONTEXTS"]),
                    "year": int(item.get("YEAR") or 2020),
                    "mesh": item.get("MESHES", []),
                }) + "\n")
                n += 1
    products = folder / "products.jsonl"
    with products.open("w", encoding="utf-8") as out:
        for product in builtin_catalog():
            out.write(product.model_dump_json(exclude={"db_id"}) + "\n")
    return papers, products, n


def tracker_command(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from tracker.cli import main; main()", *args],
                   env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def day(folder: Path, papers: Path, products: Path, backend: str) -> dict[str, float]:
    """link-file then classify-file on a fresh data directory with ``backend``."""
    data_dir = folder / f"data-{backend}"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRACKER_DATA_DIR": str(data_dir),
           "TRACKER_EMBEDDING_BACKEND": backend, "PYTHONPATH": str(ROOT)}
    if backend != "torch":  # the one-off export happens at first use, not in the timed run
        warm = folder / f"warm-{backend}.jsonl"
        warm.write_text(json.dumps({"id": "warm-up", "title": "Deep learning detection of "
                                    "pneumothorax on chest radiographs"}) + "\n", "utf-8")
        tracker_command(["classify-file", "--papers", str(warm), "--out",
                         str(folder / "warm-out.jsonl")], env)
    link = tracker_command(["link-file", "--products", str(products), "--papers", str(papers),
                            "--out", str(folder / f"links-{backend}.jsonl")], env)
    classify = tracker_command(["classify-file", "--products", str(products), "--papers",
                                str(papers), "--out", str(folder / f"grades-{backend}.jsonl")],
                               env)
    return {"link": link, "classify": classify, "total": link + classify}


def backends(choice: str) -> list[str]:
    if choice != "both":
        return [choice]
    return ["torch"] + (["onnx-int8"] if importlib.util.find_spec("onnxruntime") else [])


def figures(copies: int = 4, choice: str = "both") -> list[tuple[str, str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="bench-day-"))
    papers, products, n = write_inputs(folder, copies)
    rows: list[tuple[str, str, str]] = []
    for backend in backends(choice):
        t = day(folder, papers, products, backend)
        verdict = "meets" if t["total"] < GOAL_SECONDS else "misses"
        rows.append((f"day of PubMed, {n} abstracts ({backend})",
                     f"{t['total']:.0f} s, {n / t['total']:.0f} papers/s",
                     f"link-file {t['link']:.0f} s + classify-file {t['classify']:.0f} s; "
                     f"{verdict} the {GOAL_SECONDS:.0f} s goal"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=4, help="copies of PubMedQA's 1,000")
    parser.add_argument("--backend", choices=["torch", "onnx-int8", "both"], default="both")
    args = parser.parse_args()
    for name, value, note in figures(args.copies, args.backend):
        print(f"{name:<44} {value:<22} {note}")


if __name__ == "__main__":
    main()
