"""faiss indexes keyed by database ids, saved beside a metadata file, and the paper index
for semantic search (the saved one, or one built from the store alone: ``paper_index``).

Exact inner-product search (``IndexFlatIP`` on normalised vectors, i.e. cosine) up to
``APPROX_MIN`` vectors; past that an HNSW graph, which benchmarks/linking.py shows to be
faster from that size on while keeping recall (a graph cannot delete: removing a paper
rebuilds it). Ids are the database ids (``IndexIDMap2``), so
adding a paper twice replaces it. Searches run on the GPU when faiss has one.
"""

from __future__ import annotations

import json
import logging
import os
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tracker.config import Settings

log = logging.getLogger(__name__)

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


STORE_EMBED_LIMIT = 2000
"""At most this many papers are embedded when the paper index is built from the store (the
rest of a store that ``tracker process`` never embedded is left out, and logged)."""

_STORE_INDEXES: weakref.WeakKeyDictionary[Any, dict[str, tuple[tuple[Any, ...], VectorIndex]]] = (
    weakref.WeakKeyDictionary())
"""Indexes built from a store, per engine and model, with the store state they were built on."""


def indexed_papers_query() -> Any:
    """The papers ``tracker process`` keeps in the paper index: those whose ``LinkState`` says
    they passed the radiology-AI filter (``relevant``; the linker embeds exactly these)."""
    from sqlmodel import col, select

    from tracker.db.models import LinkState, Publication

    return (select(Publication.id, Publication.title, Publication.abstract)  # type: ignore[call-overload]
            .join(LinkState, LinkState.publication_id == Publication.id)  # type: ignore[arg-type]
            .where(LinkState.relevant == True)  # type: ignore[arg-type]  # noqa: E712
            .order_by(col(Publication.id)))


def _store_state(engine: Any) -> tuple[Any, ...]:
    """How many papers are indexed and when the last was linked: a rebuilt index is needed
    when either moves."""
    from sqlalchemy import func
    from sqlmodel import select

    from tracker.db.engine import session
    from tracker.db.models import LinkState

    with session(engine) as s:
        row = s.exec(select(func.count(), func.max(LinkState.linked_at), func.max(LinkState.publication_id))  # type: ignore[call-overload]
                     .where(LinkState.relevant == True)).one()  # noqa: E712
    return tuple(row)


def build_store_index(engine: Any, embedder: Any, *, embed_limit: int = STORE_EMBED_LIMIT
                      ) -> VectorIndex | None:
    """The paper index built from the store alone: the indexed papers (``indexed_papers_query``)
    with their vectors from the store's embedding cache (the text the linker embeds, keyed by
    its hash and the model), embedding at most ``embed_limit`` papers the cache lacks (through
    the embedder, so they are cached for next time). ``None`` when the store has no indexed
    paper."""
    from tracker.contract import PaperRecord
    from tracker.db.engine import session
    from tracker.embeddings import SqlVectorCache, text_hash

    with session(engine) as s:
        rows = s.exec(indexed_papers_query()).all()
    if not rows:
        return None
    texts = {int(pid): PaperRecord.model_construct(title=title or "", abstract=abstract or "").text
             for pid, title, abstract in rows}
    texts = {pid: text for pid, text in texts.items() if text}
    hashes = {pid: text_hash(text) for pid, text in texts.items()}
    found = SqlVectorCache(engine).get_many(sorted(set(hashes.values())), embedder.model_name)
    missing = [pid for pid, digest in hashes.items() if digest not in found]
    embed_now, left_out = missing[:embed_limit], missing[embed_limit:]
    if embed_now:
        vectors = embedder.embed([texts[pid] for pid in embed_now])
        found.update({hashes[pid]: vector for pid, vector in zip(embed_now, vectors, strict=True)})
    log.info("paper index from the store: %d papers, %d vectors from the cache, %d embedded now, "
             "%d left out (over the limit of %d)", len(texts), len(texts) - len(missing),
             len(embed_now), len(left_out), embed_limit)
    ids = [pid for pid in texts if hashes[pid] in found]
    if not ids:
        return None
    matrix = np.stack([found[hashes[pid]] for pid in ids]).astype(np.float32)
    index = VectorIndex(int(matrix.shape[1]), model=embedder.model_name)
    index.add(ids, matrix)
    return index


def _file_index_fits(index: VectorIndex | None, engine: Any, model: str) -> bool:
    """The saved index is this model's and holds exactly the store's indexed papers (an index
    left by another store, or an older state of this one, does not)."""
    if index is None or index.count == 0 or index.model != model:
        return False
    from tracker.db.engine import session

    with session(engine) as s:
        wanted = {int(row[0]) for row in s.exec(indexed_papers_query()).all()}
    return set(index.ids().tolist()) == wanted


def paper_index(engine: Any, settings: Settings, embedder: Any) -> tuple[VectorIndex | None, str]:
    """The paper index for ``engine`` and where it came from (``file`` or ``store``): the one
    ``tracker process`` saved under ``DATA_DIR/index`` when it fits this store and model, else
    one built from the store (``build_store_index``), kept per process until the store's
    indexed papers change."""
    engine = getattr(engine, "engine", engine)  # a Connection: its Engine
    saved = VectorIndex.load(index_dir(settings) / "papers.faiss")
    if _file_index_fits(saved, engine, embedder.model_name):
        return saved, "file"
    state = _store_state(engine)
    per_model = _STORE_INDEXES.setdefault(engine, {})
    cached = per_model.get(embedder.model_name)
    if cached is not None and cached[0] == state:
        return cached[1], "store"
    built = build_store_index(engine, embedder)
    if built is not None:
        per_model[embedder.model_name] = (state, built)
    return built, "store"


def index_available(engine: Any, settings: Settings) -> str | None:
    """``None`` when a paper index can be had for ``engine`` without loading anything heavy
    (faiss and sentence-transformers installed, and a saved index or papers the linker
    indexed), else why not."""
    import importlib.util

    for module in ("faiss", "sentence_transformers"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed"
    engine = getattr(engine, "engine", engine)
    if _store_state(engine)[0]:
        return None
    return "no paper index yet (built by `tracker process`)"


def search_papers(engine: Any, settings: Settings, query: str, k: int = 20) -> list[tuple[int, float]]:
    """Semantic search over the stored papers: ``(publication_id, cosine)``, best first.

    Searches the papers ``tracker process`` indexes (those that passed the radiology-AI filter)
    through ``paper_index``: the saved index when it fits this store, else one built from the
    store's embedding cache, so any database URL works without the data folder. Empty when
    the store has no indexed paper. The query itself is embedded without the cache."""
    from tracker.embeddings import Embedder

    if not query.strip():
        return []
    embedder = Embedder.from_settings(settings, engine=getattr(engine, "engine", engine))
    index, _ = paper_index(engine, settings, embedder)
    if index is None or index.count == 0:
        return []
    return index.search(embedder.encode([query.strip()]), k)[0]
