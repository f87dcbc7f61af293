"""faiss indexes keyed by database ids, saved beside a metadata file.

Exact inner-product search (``IndexFlatIP`` on normalised vectors, i.e. cosine) up to
``APPROX_MIN`` vectors; past that an HNSW graph, which benchmarks/linking.py shows to be
faster from that size on while keeping recall (a graph cannot delete: removing a paper
rebuilds it). Ids are the database ids (``IndexIDMap2``), so
adding a paper twice replaces it. Searches run on the GPU when faiss has one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tracker.config import Settings

APPROX_MIN = 50_000
"""Vectors from which an HNSW index replaces exact search. benchmarks/linking.py (2 CPU
cores, 384-d clustered vectors, 200 queries, k=10): at 10k both take ~1 ms/query; at 50k
exact takes 9.3 ms and HNSW 0.85 ms with recall@10 1.000; at 200k 25.9 ms vs 0.29 ms,
recall 0.991. Below 50k exact search is as fast and needs no graph build."""

HNSW_M = 32
HNSW_EF_SEARCH = 128


@dataclass
class IndexMeta:
    model: str
    dim: int
    count: int
    kind: str  # flat | hnsw


class VectorIndex:
    def __init__(self, dim: int, *, model: str, kind: str = "flat") -> None:
        import faiss

        self.dim, self.model, self.kind = dim, model, kind
        inner: Any
        if kind == "hnsw":
            inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efSearch = HNSW_EF_SEARCH
        else:
            inner = faiss.IndexFlatIP(dim)
        self.index = faiss.IndexIDMap2(inner)
        self._gpu: Any = None

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        """Add or replace vectors under their ids."""
        if not ids:
            return
        id_array = np.asarray(ids, dtype=np.int64)
        if self.count:
            self.remove(ids)
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), id_array)
        self._gpu = None
        if self.kind == "flat" and self.count >= APPROX_MIN:
            self._rebuild("hnsw")

    def remove(self, ids: list[int]) -> None:
        import faiss

        if self.kind == "hnsw":  # graphs cannot delete: rebuild without those ids
            keep = self.ids()
            keep = keep[~np.isin(keep, np.asarray(ids, dtype=np.int64))]
            vectors = self.vectors(keep)
            fresh = VectorIndex(self.dim, model=self.model, kind="hnsw")
            if len(keep):
                fresh.index.add_with_ids(vectors, keep)
            self.index = fresh.index
        else:
            self.index.remove_ids(faiss.IDSelectorArray(np.asarray(ids, dtype=np.int64)))
        self._gpu = None

    def ids(self) -> np.ndarray:
        import faiss

        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self.index.reconstruct(int(i)) for i in ids]).astype(np.float32)

    def _rebuild(self, kind: str) -> None:
        ids = self.ids()
        vectors = self.vectors(ids)
        fresh = VectorIndex(self.dim, model=self.model, kind=kind)
        fresh.index.add_with_ids(vectors, ids)
        self.index, self.kind = fresh.index, kind

    def _searcher(self) -> Any:
        import faiss

        if self.kind == "flat" and getattr(faiss, "get_num_gpus", lambda: 0)() > 0:
            if self._gpu is None:
                try:
                    self._gpu = faiss.index_cpu_to_all_gpus(self.index)
                except (RuntimeError, AttributeError):  # a build whose GPU cloner lacks IDMap2
                    self._gpu = self.index
            return self._gpu
        return self.index

    def search(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """The ``k`` nearest ids with their cosine similarity, per query row."""
        if self.count == 0 or len(queries) == 0:
            return [[] for _ in range(len(queries))]
        k = min(k, self.count)
        scores, ids = self._searcher().search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return [[(int(i), float(s)) for i, s in zip(row_i, row_s, strict=True) if i >= 0]
                for row_i, row_s in zip(ids, scores, strict=True)]

    def save(self, path: Path) -> None:
        """Write ``path`` and ``path.json`` atomically (temp file, then rename)."""
        import faiss

        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        os.replace(tmp, path)
        meta = IndexMeta(self.model, self.dim, self.count, self.kind)
        meta_tmp = path.with_name(path.name + ".json.tmp")
        meta_tmp.write_text(json.dumps(meta.__dict__, indent=2))
        os.replace(meta_tmp, meta_path(path))

    @classmethod
    def load(cls, path: Path) -> VectorIndex | None:
        """The saved index, or ``None`` when it is missing or unreadable."""
        import faiss

        meta_file = meta_path(path)
        if not path.is_file() or not meta_file.is_file():
            return None
        try:
            meta = IndexMeta(**json.loads(meta_file.read_text()))
            index = faiss.read_index(str(path))
        except (OSError, ValueError, TypeError, RuntimeError):
            return None
        out = cls.__new__(cls)
        out.dim, out.model, out.kind, out._gpu = meta.dim, meta.model, meta.kind, None
        out.index = index  # type: ignore[assignment]
        return out


def meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def index_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "index"


def search_papers(engine: Any, settings: Settings, query: str, k: int = 20) -> list[tuple[int, float]]:
    """Semantic search over the stored papers: ``(publication_id, cosine)``, best first.

    Uses the papers index that ``tracker process`` maintains (papers that passed the
    radiology-AI filter or name a product); empty when no index exists yet."""
    from tracker.embeddings import Embedder

    index = VectorIndex.load(index_dir(settings) / "papers.faiss")
    if index is None or index.count == 0 or not query.strip():
        return []
    embedder = Embedder.from_settings(settings, engine=engine)
    if index.model != embedder.model_name:
        return []
    return index.search(embedder.embed([query.strip()]), k)[0]
