"""GPU benchmark (issue 18): encode rate and GPU memory per batch size, faiss on the GPU.

Run it through ``benchmarks/gpu.sh``, which picks a Python whose torch sees CUDA and sets up
faiss first. It prints figures and asserts none; it exits 1 when a step failed or the faiss
GPU top-k differs from the CPU one (the table says which). Steps (docs/gpu.md):

1. the machine (torch, CUDA, CPU count; ``gpu.sh`` prints ``nvidia-smi`` before);
2. faiss on the GPU: ``IndexFlatIP`` moved with ``StandardGpuResources`` and
   ``index_cpu_to_gpu``, its top-k checked against the CPU index on random unit vectors;
3. the packaged model encodes N abstracts (100,000; ``--quick``: 10,000) at each batch size:
   abstracts/s and peak ``torch.cuda.max_memory_allocated``; then once through the project's
   ``tracker.embeddings.Embedder`` (no cache) at its configured batch size (pipeline vs raw);
4. flat inner-product search of 10,000 queries (k=10) in the encoded vectors: faiss GPU,
   faiss CPU, and torch matmul + topk on the device (the same exact computation);
5. one table (name, value, note), also written as JSON to ``$OUT/gpu_bench.json`` when
   ``$OUT`` is set, else to ``benchmarks/results/gpu_bench.json``.

The abstracts are the 1,000 real PubMedQA abstracts (QUESTION + " " + CONTEXTS) repeated
with a ``[copy i]`` prefix, so every text is distinct. A time budget (``--budget-s``) caps
the encode runs: a run that would overrun its share encodes fewer abstracts and says so.

Where the packaged model package is not installed (a bare GPU machine with no network),
``python benchmarks/gpu_bench.py --pack`` (run here, with the project's .venv) writes
``build/gpu/``: the model's small files, a faiss-cpu wheel and, where they fit the device
tool's 64 MiB, the weights stored as float16 (upcast to float32 again before use). Without
the weights the model's architecture and tokenizer run with random weights: the same
speed, meaningless vectors; the output says which.

Hidden debug flags (no GPU needed): ``--device cpu --limit 200``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBMEDQA = ROOT / "tests" / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"
PACK = ROOT / "build" / "gpu"
FP16_WEIGHTS = "model.fp16.safetensors"
CARRY_LIMIT = 64 * 2**20
"""What the device tool carries in one call: the working tree plus carried paths."""

FULL_N, QUICK_N = 100_000, 10_000
FULL_BATCHES, QUICK_BATCHES = (64, 128, 256, 512, 1024), (64, 512)
QUERIES, K = 10_000, 10
CHECK_BASE, CHECK_QUERIES = 20_000, 1_000
DEFAULT_BUDGET_S = 400.0
"""Seconds for all encode runs together, so the full run fits a 10-minute call."""


@dataclass
class Table:
    rows: list[dict[str, str]] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)

    def add(self, name: str, value: object, note: str = "") -> None:
        self.rows.append({"name": name, "value": str(value), "note": note})
        print(f"  {name}: {value}" + (f"  ({note})" if note else ""), flush=True)

    def print(self) -> None:
        width = max(len(r["name"]) for r in self.rows)
        vwidth = max(len(r["value"]) for r in self.rows)
        print("\n== summary ==")
        for r in self.rows:
            print(f"{r['name']:<{width}}  {r['value']:>{vwidth}}  {r['note']}")


def section(table: Table, name: str, fn: Callable[[], Any]) -> Any:
    """Run one step; a failure becomes a table row, and the next steps still run."""
    print(f"\n== {name} ==", flush=True)
    try:
        return fn()
    except Exception as exc:  # a benchmark reports what broke and goes on
        traceback.print_exc()
        table.add(name, "failed", f"{type(exc).__name__}: {exc}"[:300])
        return None


def sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


# -- 1. the machine -------------------------------------------------------------------------

def machine(table: Table, device: str) -> None:
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    info: dict[str, Any] = {
        "python": platform.python_version(), "torch": torch.__version__,
        "torch_cuda": torch.version.cuda, "cuda_available": torch.cuda.is_available(),
        "cpu_count": os.cpu_count(), "cpu_usable": cores, "device": device,
    }
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        info |= {"gpu": props.name, "gpu_memory_mib": props.total_memory // 2**20}
    if shutil.which("nvidia-smi"):
        smi = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version",
                              "--format=csv,noheader"], capture_output=True, text=True)
        info["nvidia_smi"] = smi.stdout.strip()
    table.machine = info
    table.add("GPU", info.get("gpu", "none"), f"{info.get('gpu_memory_mib', 0):,} MiB; torch "
              f"{torch.__version__}, CUDA {torch.version.cuda}, "
              f"cuda.is_available()={torch.cuda.is_available()}")
    table.add("CPU cores", cores, f"os.cpu_count()={os.cpu_count()}; torch threads "
              f"{torch.get_num_threads()}")
    table.add("device", device, "what the encode and torch search steps run on")


# -- 2. faiss on the GPU --------------------------------------------------------------------

def unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    x = rng.standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def same_topk(ids_a: np.ndarray, scores_a: np.ndarray, ids_b: np.ndarray,
              scores_b: np.ndarray, tol: float = 1e-4) -> tuple[int, float, bool]:
    """Rows with identical ids, the largest score difference, and whether the two agree: ids
    equal, or differing only where scores tie within ``tol`` (the order of near-ties)."""
    identical = int((ids_a == ids_b).all(axis=1).sum())
    diff = float(np.abs(scores_a - scores_b).max()) if scores_a.size else 0.0
    return identical, diff, identical == len(ids_a) or diff < tol


def faiss_status(faiss: Any, device: str) -> tuple[int, str]:
    """GPUs faiss sees, and why it can't be used when none (with the shell's setup note)."""
    setup = os.environ.get("GPU_BENCH_FAISS_SETUP", "")
    if not device.startswith("cuda"):
        return 0, "device is cpu (debug run)"
    gpus = int(getattr(faiss, "get_num_gpus", lambda: 0)())
    if gpus == 0:
        why = ("faiss build without GPU support" if not hasattr(faiss, "StandardGpuResources")
               else "faiss.get_num_gpus() = 0")
        return 0, why + (f"; {setup}" if setup else "")
    return gpus, setup


def faiss_gpu_check(table: Table, faiss: Any, gpus: int, why: str) -> Any:
    """A ``StandardGpuResources`` when the GPU index answers as the CPU one, else ``None``."""
    table.add("faiss", faiss.__version__, f"get_num_gpus()={gpus}")
    if gpus == 0:
        table.add("faiss GPU", "unavailable", why)
        print(f"faiss GPU: unavailable ({why})")
        return None
    rng = np.random.default_rng(0)
    base, queries = unit_rows(rng, CHECK_BASE, 384), unit_rows(rng, CHECK_QUERIES, 384)
    cpu = faiss.IndexFlatIP(base.shape[1])
    cpu.add(base)
    res = faiss.StandardGpuResources()
    gpu = faiss.index_cpu_to_gpu(res, 0, cpu)
    cpu_scores, cpu_ids = cpu.search(queries, K)
    gpu_scores, gpu_ids = gpu.search(queries, K)
    identical, diff, ok = same_topk(cpu_ids, cpu_scores, gpu_ids, gpu_scores)
    table.add("faiss GPU top-k = CPU", "yes" if ok else "NO",
              f"IndexFlatIP via StandardGpuResources + index_cpu_to_gpu; {identical:,}/"
              f"{len(queries):,} rows identical, max score diff {diff:.1e}; {CHECK_BASE:,} random "
              f"unit vectors, k={K}")
    return res if ok else None


# -- 3. encoding ----------------------------------------------------------------------------

def abstracts(n: int) -> tuple[list[str], str]:
    data = json.loads(PUBMEDQA.read_text("utf-8"))
    base = [f"{v['QUESTION']} {' '.join(v['CONTEXTS'])}" for v in data.values()]
    texts = [f"[copy {i // len(base)}] {base[i % len(base)]}" for i in range(n)]
    source = "real PubMedQA abstracts (QUESTION + CONTEXTS, tests/data/corpora/pubmedqa)"
    if n <= len(base):
        return texts, f"the first {n:,} of the {len(base):,} {source}, '[copy 0] ' prefixed"
    return texts, (f"the {len(base):,} {source} repeated {-(-n // len(base))}x with a "
                   f"'[copy i] ' prefix: {n:,} distinct texts, not {n:,} different abstracts")


def model_dir(explicit: str | None) -> tuple[Path, str]:
    """The packaged model's folder, or the packed copy when the package is not installed."""
    if explicit:
        return Path(explicit), f"--model {explicit}"
    try:
        from tracker.embeddings import resolve_model

        return Path(resolve_model(None)), "packaged model (tracker.embeddings.resolve_model(None))"
    except ImportError as exc:
        if (PACK / "model").is_dir():
            return PACK / "model", f"packed copy in build/gpu/model ({exc})"
        raise RuntimeError(f"no model: {exc}; run `bash benchmarks/gpu.sh --pack` on a machine "
                           "with the project's .venv and carry build/gpu") from exc


def usable_model(folder: Path) -> tuple[str, str]:
    """A folder SentenceTransformer loads as float32: ``folder`` itself when it holds the
    weights, else a temporary copy with the float16-stored weights upcast, or random
    weights on the model's own architecture (speed only)."""
    if (folder / "model.safetensors").is_file():
        return str(folder), "packaged float32 weights"
    import torch

    out = Path(tempfile.mkdtemp(prefix="gpu-bench-model-"))
    shutil.copytree(folder, out, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(FP16_WEIGHTS))
    if (folder / FP16_WEIGHTS).is_file():
        from safetensors.torch import load_file, save_file

        tensors = {k: v.float().contiguous() for k, v in load_file(folder / FP16_WEIGHTS).items()}
        save_file(tensors, out / "model.safetensors", metadata={"format": "pt"})
        return str(out), ("packaged weights stored as float16 in the pack, upcast to float32: "
                          "vectors differ from the packaged model's by rounding, speed does not")
    from transformers import AutoConfig, AutoModel

    torch.manual_seed(0)
    AutoModel.from_config(AutoConfig.from_pretrained(folder)).save_pretrained(out)
    return str(out), ("RANDOM weights on the packaged model's architecture and tokenizer "
                      "(weights not carried): encode speed and memory hold, vectors are "
                      "meaningless")


def load(path: str, device: str) -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = SentenceTransformer(path, device=device)
    model.float()  # the project runs float32; a loader that picked another dtype is overruled
    return model


def peak_mib(device: str) -> float | None:
    if not device.startswith("cuda"):
        return None
    import torch

    return torch.cuda.max_memory_allocated() / 2**20


def reset_peak(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


@dataclass
class Budget:
    """Seconds left for the encode runs, shared out evenly among the runs still to come."""
    deadline: float
    runs_left: int
    rate: float  # abstracts/s, the latest measured

    def take(self, wanted: int) -> int:
        share = max(1.0, (self.deadline - time.perf_counter()) / max(1, self.runs_left))
        self.runs_left -= 1
        return max(min(wanted, 1_000), min(wanted, int(share * self.rate)))


def encode_sweep(table: Table, model: Any, texts: list[str], batches: tuple[int, ...],
                 device: str, budget: Budget, rates: dict[int, float]) -> np.ndarray | None:
    """Raw ``SentenceTransformer.encode`` at each batch size (abstracts/s into ``rates``);
    returns the first full run's vectors (or the largest run's) for the search step."""
    lengths = [len(ids) for ids in model.tokenizer(texts[:1000], verbose=False)["input_ids"]]
    limit = model.max_seq_length
    over = sum(n > limit for n in lengths) / len(lengths)
    table.add("tokens per abstract", f"{int(np.median(lengths))}",
              f"median of {len(lengths):,} distinct abstracts; {over:.0%} exceed "
              f"max_seq_length={limit} and are truncated")
    params = sum(p.numel() * p.element_size() for p in model.parameters()) / 2**20
    dtype = next(model.parameters()).dtype
    model.encode(texts[:64], batch_size=64, show_progress_bar=False)  # CUDA and cuBLAS start-up
    sync(device)
    warm = texts[:min(len(texts), 1024)]
    t0 = time.perf_counter()
    model.encode(warm, batch_size=64, show_progress_bar=False)
    sync(device)
    budget.rate = len(warm) / (time.perf_counter() - t0)
    print(f"  warm-up: {budget.rate:,.0f} abstracts/s on {len(warm):,} (batch 64); "
          f"weights {params:.0f} MiB {dtype}")
    kept: np.ndarray | None = None
    for bs in batches:
        n = budget.take(len(texts))
        reset_peak(device)
        sync(device)
        t0 = time.perf_counter()
        try:
            vectors = model.encode(texts[:n], batch_size=bs, convert_to_numpy=True,
                                   normalize_embeddings=True, show_progress_bar=False)
            sync(device)
        except Exception as exc:  # out of memory at one size: the other sizes still run
            table.add(f"encode batch {bs}", "failed", f"{type(exc).__name__}: {exc}"[:300])
            continue
        seconds = time.perf_counter() - t0
        budget.rate = rates[bs] = n / seconds
        peak = peak_mib(device)
        cut = "" if n == len(texts) else f" of {len(texts):,} (time budget)"
        table.add(f"encode batch {bs}", f"{budget.rate:,.0f} abstracts/s",
                  f"{n:,} abstracts{cut} in {seconds:.1f} s; peak GPU memory "
                  + (f"{peak:,.0f} MiB (incl. {params:.0f} MiB weights)" if peak is not None
                     else "n/a (cpu)"))
        if kept is None or len(vectors) > len(kept):
            kept = np.asarray(vectors, dtype=np.float32)
        del vectors
    return kept


def configured_batch() -> tuple[int, str]:
    try:
        from tracker.config import Settings

        return int(Settings().embedding_batch_size), "Settings().embedding_batch_size"
    except ImportError as exc:  # a bare GPU machine without pydantic-settings
        import inspect

        from tracker.embeddings import Embedder

        default = inspect.signature(Embedder).parameters["batch_size"].default
        return int(default), f"Embedder's default ({exc})"


def pipeline_run(table: Table, path: str, texts: list[str], device: str, budget: Budget,
                 raw: dict[int, float]) -> None:
    """``Embedder.embed`` with no cache (hashing, dedup and all) against raw ``encode``."""
    from tracker.embeddings import Embedder

    bs, source = configured_batch()
    embedder = Embedder(path, device=device, cache=None, batch_size=bs)
    embedder.model.float()
    embedder.encode(texts[:64])  # loaded and warm before the clock starts
    n = budget.take(len(texts))
    reset_peak(device)
    sync(device)
    t0 = time.perf_counter()
    embedder.embed(texts[:n])
    sync(device)
    seconds = time.perf_counter() - t0
    rate = n / seconds
    table.add("pipeline Embedder.embed", f"{rate:,.0f} abstracts/s",
              f"{n:,} abstracts in {seconds:.1f} s; batch {bs} ({source}), cache=None")
    if bs in raw:
        table.add("pipeline vs raw", f"{raw[bs] / rate:.2f}",
                  f"seconds per abstract, Embedder.embed / raw encode at batch {bs} "
                  "(1.00 = no overhead)")
    else:
        table.add("pipeline vs raw", "n/a", f"batch {bs} not in this run's batch sizes")


# -- 4. search rates ------------------------------------------------------------------------

def timed(fn: Callable[[], Any], device: str = "cpu") -> tuple[Any, float]:
    sync(device)
    t0 = time.perf_counter()
    out = fn()
    sync(device)
    return out, time.perf_counter() - t0


def torch_topk(base: Any, queries: np.ndarray, k: int, device: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k on the device, numpy in and out like faiss."""
    import torch

    scores, ids = [], []
    for i in range(0, len(queries), 2048):
        q = torch.from_numpy(queries[i:i + 2048]).to(device)
        s, j = torch.topk(q @ base.T, k, dim=1)
        scores.append(s.cpu().numpy())
        ids.append(j.cpu().numpy())
    return np.concatenate(scores), np.concatenate(ids).astype(np.int64)


def search_rates(table: Table, faiss: Any, res: Any, vectors: np.ndarray, source: str,
                 device: str) -> None:
    import torch

    nq = min(QUERIES, len(vectors))
    queries = np.ascontiguousarray(vectors[:nq])
    what = f"{len(vectors):,} vectors ({source}), {nq:,} queries, k={K}"
    cpu = faiss.IndexFlatIP(vectors.shape[1])
    cpu.add(vectors)
    cpu.search(queries[:100], K)
    (cpu_scores, cpu_ids), seconds = timed(lambda: cpu.search(queries, K))
    table.add("faiss CPU flat IP", f"{nq / seconds:,.0f} queries/s",
              f"{what}; {faiss.omp_get_max_threads()} threads, {seconds:.2f} s")
    if res is not None:
        gpu = faiss.index_cpu_to_gpu(res, 0, cpu)
        gpu.search(queries[:100], K)
        (gpu_scores, gpu_ids), seconds = timed(lambda: gpu.search(queries, K))
        identical, diff, ok = same_topk(cpu_ids, cpu_scores, gpu_ids, gpu_scores)
        table.add("faiss GPU flat IP", f"{nq / seconds:,.0f} queries/s",
                  f"{what}; {seconds:.3f} s incl. copies; top-k as CPU: "
                  f"{'yes' if ok else 'NO'} ({identical:,} rows identical)")
    else:
        table.add("faiss GPU flat IP", "unavailable", "see the faiss GPU row")
    base = torch.from_numpy(vectors).to(device)
    torch_topk(base, queries[:100], K, device)
    (t_scores, t_ids), seconds = timed(lambda: torch_topk(base, queries, K, device), device)
    identical, diff, ok = same_topk(cpu_ids, cpu_scores, t_ids, t_scores)
    table.add(f"torch matmul+topk ({device})", f"{nq / seconds:,.0f} queries/s",
              f"{what}; exact, the computation of a flat IP index, numpy in and out; "
              f"top-k as faiss CPU: {'yes' if ok else 'differs'} ({identical:,} rows identical, "
              f"max score diff {diff:.1e})")


def project_index(table: Table, vectors: np.ndarray, total: int) -> None:
    """Where the project's own ``VectorIndex`` searches, on a flat index it would build."""
    from tracker.linking.index import APPROX_MIN, VectorIndex

    m = min(len(vectors), CHECK_BASE)
    index = VectorIndex(vectors.shape[1], model="gpu-bench")
    index.add(list(range(m)), vectors[:m])
    searcher = index._searcher()
    where = "GPU" if searcher is not index.index else "CPU"
    hits = index.search(vectors[:100], K)
    top1 = sum(1 for i, row in enumerate(hits) if row and row[0][0] == i)
    table.add("project VectorIndex search", where,
              f"{index.kind} index of {m:,} vectors, searcher {type(searcher).__name__}; "
              f"{top1}/100 queries find themselves first; at {total:,} vectors the index is "
              + ("HNSW, CPU only" if total >= APPROX_MIN else "flat")
              + f" (APPROX_MIN={APPROX_MIN:,})")


# -- packing for a machine without network ---------------------------------------------------

def tree_bytes() -> int:
    """What the device tool sends besides carried paths: tracked and unignored files."""
    out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True).stdout
    return sum((ROOT / p).stat().st_size for p in out.decode().split("\0")
               if p and (ROOT / p).is_file())


def pack(prefer_weights: bool) -> int:
    """Write build/gpu/: the packaged model's small files, and, as far as the carry limit
    allows (in the order asked), a faiss-cpu wheel and the weights as float16."""
    import faiss
    from safetensors.torch import load_file, save_file

    from tracker.embeddings import resolve_model

    source = Path(resolve_model(None))
    shutil.rmtree(PACK, ignore_errors=True)
    (PACK / "wheels").mkdir(parents=True)
    shutil.copytree(source, PACK / "model", ignore=shutil.ignore_patterns(
        "model.safetensors", "*.onnx", "onnx", "openvino", "README.md", ".gitattributes"))
    tree = tree_bytes()
    room = CARRY_LIMIT - tree - 2**20 - sum(p.stat().st_size for p in PACK.rglob("*") if p.is_file())
    print(f"working tree {tree / 2**20:.1f} MiB; room left to carry {room / 2**20:.1f} MiB")

    def weights() -> Path:
        tensors = {k: v.half().contiguous() for k, v in
                   load_file(source / "model.safetensors").items()}
        save_file(tensors, PACK / "model" / FP16_WEIGHTS, metadata={"format": "pt"})
        return PACK / "model" / FP16_WEIGHTS

    def wheel() -> Path:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--only-binary=:all:", "--implementation", "cp", "--python-version",
                        "3.12", "--platform", "manylinux_2_28_x86_64", "--platform",
                        "manylinux_2_27_x86_64", "--platform", "manylinux_2_17_x86_64",
                        "-d", str(PACK / "wheels"), f"faiss-cpu=={faiss.__version__}"],
                       check=True)
        return next((PACK / "wheels").glob("faiss_cpu-*.whl"))

    steps = [("float16 weights", weights), ("faiss-cpu wheel", wheel)]
    for name, make in steps if prefer_weights else steps[::-1]:
        path = make()
        size = path.stat().st_size
        if size > room:
            path.unlink()
            print(f"  {name}: left out ({size / 2**20:.1f} MiB > {room / 2**20:.1f} MiB room)")
        else:
            room -= size
            print(f"  {name}: packed ({size / 2**20:.1f} MiB)")
    total = sum(p.stat().st_size for p in PACK.rglob("*") if p.is_file())
    print(f"build/gpu: {total / 2**20:.1f} MiB. On the GPU machine: bash benchmarks/gpu.sh "
          "[--quick], carrying build/gpu")
    return 0


# -- main ------------------------------------------------------------------------------------

def output_path() -> Path:
    out = os.environ.get("OUT")
    return Path(out) / "gpu_bench.json" if out else ROOT / "benchmarks" / "results" / "gpu_bench.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_N:,} abstracts, batch sizes {QUICK_BATCHES}")
    parser.add_argument("--budget-s", type=float,
                        help=f"seconds for all encode runs together (default {DEFAULT_BUDGET_S:.0f}, "
                        "less gpu.sh's setup time)")
    parser.add_argument("--pack", action="store_true", help="write build/gpu/ (see the doc)")
    parser.add_argument("--pack-weights", action="store_true",
                        help="as --pack, preferring the weights to the faiss wheel")
    parser.add_argument("--device", default="cuda", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--batch-sizes", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pack or args.pack_weights:
        return pack(prefer_weights=args.pack_weights)

    import torch

    device = args.device
    if device.startswith("cuda") and not torch.cuda.is_available():
        print("no CUDA GPU: nothing to measure (torch.cuda.is_available() is False)")
        return 0
    n = args.limit or (QUICK_N if args.quick else FULL_N)
    batches = (tuple(int(b) for b in args.batch_sizes.split(",")) if args.batch_sizes
               else QUICK_BATCHES if args.quick else FULL_BATCHES)
    table = Table()
    started = time.perf_counter()
    section(table, "machine", lambda: machine(table, device))

    faiss: Any = None
    res: Any = None

    def faiss_step() -> None:
        nonlocal faiss, res
        import faiss as faiss_module

        faiss = faiss_module
        gpus, why = faiss_status(faiss, device)
        res = faiss_gpu_check(table, faiss, gpus, why)

    section(table, "faiss", faiss_step)
    if faiss is None:
        print(f"faiss GPU: unavailable (faiss not importable; "
              f"{os.environ.get('GPU_BENCH_FAISS_SETUP', 'no setup note')})")

    texts, corpus_note = abstracts(n)
    table.add("abstracts", f"{n:,}", corpus_note)
    budget_s = args.budget_s
    if budget_s is None:  # gpu.sh's setup (a pip install, say) came out of the same 10 minutes
        budget_s = DEFAULT_BUDGET_S - float(os.environ.get("GPU_BENCH_SETUP_S", "0"))
    budget = Budget(time.perf_counter() + max(60.0, budget_s), len(batches) + 1, 1.0)
    vectors: np.ndarray | None = None
    raw: dict[int, float] = {}

    def encode_step() -> None:
        nonlocal vectors
        folder, found = model_dir(args.model)
        path, weights = usable_model(folder)
        table.add("model", f"{folder.parent.name}/{folder.name}", f"{found}; {weights}")
        model = load(path, device)
        vectors = encode_sweep(table, model, texts, batches, device, budget, raw)
        del model
        reset_peak(device)
        section(table, "pipeline", lambda: pipeline_run(table, path, texts, device, budget, raw))

    section(table, "encode", encode_step)

    if faiss is not None:
        if vectors is not None and len(vectors):
            base, source = vectors, "the encoded abstracts"
        else:
            base = unit_rows(np.random.default_rng(1), n, 384)
            source = "random unit vectors: the encode step gave none"
        section(table, "search", lambda: search_rates(table, faiss, res, base, source, device))
        section(table, "project index", lambda: project_index(table, base, n))
    table.add("total time", f"{time.perf_counter() - started:.0f} s",
              "this Python process, after gpu.sh's setup")

    table.print()
    path = output_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": table.machine, "rows": table.rows}, indent=2) + "\n")
    print(f"\nwritten: {path}")
    return 1 if any(r["value"] in {"failed", "NO"} for r in table.rows) else 0


if __name__ == "__main__":
    sys.exit(main())
