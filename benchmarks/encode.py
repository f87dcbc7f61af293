"""Encode benchmark: the int8 ONNX backend against raw torch ``encode``, and our embedding
pipeline against raw ``encode``, from one run on the same texts. Prints figures, asserts
nothing.

Run: python benchmarks/encode.py [--limit N]

Texts: PubMedQA's 1,000 real abstracts (question and contexts, as benchmarks/linking.py
reads them; ``--limit`` takes the first N). Measured, on the CPU:

- raw torch: ``SentenceTransformer.encode`` (batch 64, the tracker's batch size, normalised);
- ONNX int8: ``OnnxEncoder.encode`` of the same model (its export is made before timing and
  its time is reported apart: it happens once per model);
- our pipeline: ``Embedder.embed`` with the torch backend and a fresh file cache (hashing,
  cache look-ups and writes included), against raw torch ``encode``.

The three are timed in turn on each chunk of 100 texts and summed, so a busy machine slows
all three alike; the cosine of the ONNX vectors to torch's is reported with them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.config import get_settings  # noqa: E402
from tracker.contract import PaperRecord  # noqa: E402
from tracker.embeddings import Embedder, FileVectorCache, cpu_threads, load_model  # noqa: E402

PUBMEDQA = ROOT / "tests" / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"
CHUNK = 100
BATCH = 64

Row = tuple[str, str, str]


def texts(limit: int | None = None) -> list[str]:
    data = json.loads(PUBMEDQA.read_text("utf-8"))
    papers = [PaperRecord(id=f"PMID:{k}", title=v["QUESTION"], abstract=" ".join(v["CONTEXTS"]))
              for k, v in data.items()]
    return [p.text for p in papers][:limit]


def measure(limit: int | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-encode-") as folder:
        return _measure(texts(limit), Path(folder))


def _measure(items: list[str], tmp: Path) -> dict[str, float]:
    settings = get_settings(data_dir=tmp / "data", device="cpu")
    torch_model = load_model(settings.embedding_model, "cpu")
    started = time.perf_counter()
    onnx = Embedder.from_settings(settings.model_copy(update={"embedding_backend": "onnx-int8"}))
    onnx_model = onnx.model
    export_seconds = time.perf_counter() - started
    pipeline = Embedder(settings.embedding_model, device="cpu",
                        cache=FileVectorCache(tmp / "cache"), batch_size=BATCH)
    warm = items[:8]  # first calls pay one-off costs (allocations, kernels)
    torch_model.encode(warm, batch_size=BATCH)
    onnx_model.encode(warm, batch_size=BATCH)
    seconds = {"torch": 0.0, "onnx": 0.0, "pipeline": 0.0}
    torch_vectors, onnx_vectors = [], []
    for start in range(0, len(items), CHUNK):
        chunk = items[start:start + CHUNK]
        t0 = time.perf_counter()
        torch_vectors.append(torch_model.encode(chunk, batch_size=BATCH, convert_to_numpy=True,
                                                normalize_embeddings=True))
        t1 = time.perf_counter()
        onnx_vectors.append(onnx_model.encode(chunk, batch_size=BATCH, normalize_embeddings=True))
        t2 = time.perf_counter()
        pipeline.embed(chunk)
        t3 = time.perf_counter()
        seconds["torch"] += t1 - t0
        seconds["onnx"] += t2 - t1
        seconds["pipeline"] += t3 - t2
    cosine = (np.vstack(torch_vectors) * np.vstack(onnx_vectors)).sum(axis=1)
    n = len(items)
    return {"texts": n, "threads": cpu_threads(), "export_seconds": export_seconds,
            "torch_rate": n / seconds["torch"], "onnx_rate": n / seconds["onnx"],
            "onnx_vs_torch": seconds["torch"] / seconds["onnx"],
            "pipeline_vs_raw": seconds["pipeline"] / seconds["torch"],
            "cosine_mean": float(cosine.mean()), "cosine_min": float(cosine.min())}


def figures(limit: int | None = None) -> list[Row]:
    """(name, value, note) rows for ``make bench`` (benchmarks/summary.py)."""
    m = measure(limit)
    texts_note = f"{m['texts']} PubMedQA abstracts, {m['threads']} threads, CPU"
    return [
        ("encode: torch raw", f"{m['torch_rate']:.1f} texts/s",
         f"SentenceTransformer.encode, batch {BATCH}; {texts_note}"),
        ("encode: onnx-int8", f"{m['onnx_rate']:.1f} texts/s",
         "OnnxEncoder.encode, same texts, timed in turn with torch"),
        ("encode: onnx-int8 vs torch", f"{m['onnx_vs_torch']:.2f}x",
         "speed ratio in the same run (higher: ONNX faster)"),
        ("encode: onnx-int8 cosine to torch", f"{m['cosine_mean']:.4f}",
         f"mean over the texts (min {m['cosine_min']:.4f})"),
        ("encode: onnx-int8 export", f"{m['export_seconds']:.0f} s",
         "once per model, at first use, into DATA_DIR/models/onnx"),
        ("encode: pipeline vs raw encode", f"{m['pipeline_vs_raw']:.2f}",
         "Embedder.embed (torch, fresh cache) time / raw encode time"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="encode the first N texts only")
    args = parser.parse_args()
    rows = figures(args.limit)
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<{value_width}}  {note}")


if __name__ == "__main__":
    main()
