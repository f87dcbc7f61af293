"""``link_new``: link every stored paper not yet linked by this linker and product set.

A paper is (re)linked when it has no ``LinkState``, when its content changed, or when the
linker version, the embedding model or the product catalogue changed (``model_version``).
Its automatic ``PaperProductLink`` and ``PaperMention`` rows are replaced (a pair linked again
keeps its first ``created_at``, so a relink is not a new link), and its relevance
(``tracker.nlp.relevance``) is kept on the ``LinkState``; ``Override`` rows (people's
decisions) are never touched. Papers that name a product or pass the radiology-AI filter
are embedded (through the cache) and kept in the papers index for semantic search; the
rest are never embedded. A second run on an unchanged store reads the states, finds
nothing to do and returns without loading the model.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import col, delete, select

from tracker.contract import PaperRecord, ProductRecord, each_alone, paper_from_row
from tracker.db.engine import session
from tracker.db.models import LinkState, PaperMention, PaperProductLink, Publication
from tracker.linking.catalog import catalog_fingerprint, catalog_from_store
from tracker.linking.linker import LINKER_VERSION, Linker, PaperResult
from tracker.records import utcnow

if TYPE_CHECKING:
    from tracker.config import Settings

log = logging.getLogger(__name__)
BATCH = 256


def model_version(catalog: list[ProductRecord], settings: Settings) -> str:
    from tracker.embeddings import embedding_key  # the model, with its backend unless torch

    return f"linker{LINKER_VERSION}:{embedding_key(settings)}:{catalog_fingerprint(catalog)}"


def pending_publications(engine: Engine, version: str) -> tuple[list[int], int]:
    """Ids of papers to (re)link, and how many papers the store holds."""
    with session(engine) as s:
        rows = s.exec(select(Publication.id, Publication.content_hash, LinkState.model_version,
                             LinkState.content_hash)
                      .join(LinkState, col(LinkState.publication_id) == col(Publication.id),
                            isouter=True)
                      .order_by(col(Publication.id))).all()  # batches (and so embeddings) in id order
    todo = [pid for pid, digest, state_version, state_digest in rows
            if state_version != version or state_digest != digest]
    return [int(p) for p in todo if p is not None], len(rows)


def link_new(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Link what is new; returns figures for the process/nightly report."""
    started = time.perf_counter()
    with session(engine) as s:
        catalog = catalog_from_store(s)
    version = model_version(catalog, settings)
    todo, total = pending_publications(engine, version)
    figures: dict[str, Any] = {"papers": total, "linked_now": len(todo), "links": 0,
                               "papers_with_links": 0, "embedded": 0, "cache_hits": 0,
                               "indexed": 0, "failed": 0, "model_version": version}
    if not todo:
        figures["seconds"] = round(time.perf_counter() - started, 3)
        return figures
    from tracker.embeddings import Embedder
    from tracker.linking.index import VectorIndex, index_dir

    embedder = Embedder.from_settings(settings, engine=engine)
    linker = Linker(catalog, embedder=embedder)
    index_path = index_dir(settings) / "papers.faiss"
    index = VectorIndex.load(index_path)
    if index is not None and index.model != embedder.model_name:
        index = None  # another model's vectors cannot be searched with this one's queries
    for start in range(0, len(todo), BATCH):
        ids = todo[start:start + BATCH]
        with session(engine) as s:
            rows = s.exec(select(Publication).where(col(Publication.id).in_(ids))
                          .order_by(col(Publication.id))).all()
        digests = {row.id: row.content_hash for row in rows}
        results = _link_each(linker, [paper_from_row(row) for row in rows], figures)
        _store(engine, results, digests, version)
        index = _update_index(index, results, embedder)
        figures["links"] += sum(len(r.links) for r in results)
        figures["papers_with_links"] += sum(1 for r in results if r.links)
    if index is not None:
        index.save(index_path)
        figures["indexed"] = index.count
    if catalog:
        _save_products_index(catalog, embedder, index_dir(settings) / "products.faiss")
    figures["embedded"] = embedder.stats.encoded
    figures["cache_hits"] = embedder.stats.cache_hits
    figures["seconds"] = round(time.perf_counter() - started, 3)
    return figures


def _link_each(linker: Linker, papers: list[PaperRecord], figures: dict[str, Any]
               ) -> list[PaperResult]:
    """The linker's results; a paper the linker fails on is logged, counted in ``failed``
    and left unlinked (tried again next run), and costs no other paper its links."""
    done, failed = each_alone(papers, lambda batch: linker.link(batch, embed_relevant=True),
                              lambda paper: f"paper {paper.id}")
    for problem in failed:
        log.warning("linking: %s (skipped)", problem)
    figures["failed"] += len(failed)
    return [result for _, result in done]


def _store(engine: Engine, results: list[PaperResult], digests: dict[Any, str], version: str) -> None:
    ids = [r.paper.db_id for r in results if r.paper.db_id is not None]
    with session(engine) as s:
        # a pair that stays linked keeps when it was first linked (the digest's "new links")
        first_linked = {(pub, prod): at for pub, prod, at in s.exec(
            select(PaperProductLink.publication_id, PaperProductLink.product_id,  # type: ignore[call-overload]
                   PaperProductLink.created_at)
            .where(col(PaperProductLink.publication_id).in_(ids))).all()}
        s.exec(delete(PaperProductLink).where(col(PaperProductLink.publication_id).in_(ids)))  # type: ignore[call-overload]
        s.exec(delete(PaperMention).where(col(PaperMention.publication_id).in_(ids)))  # type: ignore[call-overload]
        for result in results:
            pid = result.paper.db_id
            if pid is None:
                continue
            for link in result.links:
                s.add(PaperProductLink(publication_id=pid, product_id=int(link.product),
                                       score=link.score, method=link.method,
                                       evidence=link.evidence[:2000], model_version=version,
                                       created_at=first_linked.get((pid, int(link.product))) or utcnow()))
            for mention in result.mentions:
                s.add(PaperMention(publication_id=pid, product_id=int(mention.product),
                                   role=mention.role, score=mention.score,
                                   evidence=mention.evidence[:2000],
                                   model_version=version))
            state = s.get(LinkState, pid) or LinkState(publication_id=pid, model_version=version)
            state.model_version, state.content_hash = version, digests.get(pid, "")
            state.links, state.relevant, state.linked_at = len(result.links), result.relevant, utcnow()
            if result.relevance is not None:
                state.relevance = result.relevance.label
                state.relevance_reason = result.relevance.reason
            s.add(state)
        s.commit()


def _update_index(index: Any, results: list[PaperResult], embedder: Any) -> Any:
    from tracker.linking.index import VectorIndex

    keep = [(r.paper.db_id, r.vector) for r in results
            if r.vector is not None and r.paper.db_id is not None]
    gone = [r.paper.db_id for r in results if r.vector is None and r.paper.db_id is not None]
    if keep and index is None:
        index = VectorIndex(len(keep[0][1]), model=embedder.model_name)
    if index is None:
        return None
    if gone and index.count:
        index.remove([int(g) for g in gone if g is not None])
    if keep:
        import numpy as np

        index.add([int(pid) for pid, _ in keep if pid is not None],
                  np.stack([vector for _, vector in keep]))
    return index


def _save_products_index(catalog: list[ProductRecord], embedder: Any, path: Any) -> None:
    from tracker.linking.index import VectorIndex

    vectors = embedder.embed([p.text for p in catalog])
    index = VectorIndex(vectors.shape[1], model=embedder.model_name)
    index.add([p.db_id for p in catalog if p.db_id is not None], vectors)
    index.save(path)
