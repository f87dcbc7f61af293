"""``grade_new``: the grading step of ``tracker process``.

A paper is (re)graded when it has no automatic grade, when its text changed after it was
graded (``Publication.updated_at`` later than the grade), or when the active model or rules
changed (``EvidenceGrade.model_version``). Only ``EvidenceGrade`` rows are written; overrides
are never read for writing, changed or deleted, and they win in every view
(``tracker.evidence``). Embeddings are cached in ``EmbeddingCache`` by text hash and model.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from tracker.db.models import (
    Company,
    CompanyAlias,
    EmbeddingCache,
    EvidenceGrade,
    Product,
    Publication,
)
from tracker.grading.classifier import GradingModel, active_model
from tracker.grading.grader import RULES_VERSION, Grade, grade_papers
from tracker.grading.paper import PaperText, paper_from_row

log = logging.getLogger(__name__)
BATCH = 256


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _stale(session: Session, version: str) -> list[int]:
    query = select(Publication.id, Publication.updated_at, EvidenceGrade.model_version,
                   EvidenceGrade.created_at).outerjoin(
        EvidenceGrade, EvidenceGrade.publication_id == Publication.id)  # type: ignore[arg-type]
    rows = session.exec(query).all()
    todo: list[int] = []
    for pub_id, updated, grade_version, graded_at in rows:
        if pub_id is None:
            continue
        if grade_version is None or grade_version != version:
            todo.append(pub_id)
            continue
        up, at = _aware(updated), _aware(graded_at)
        if up is not None and at is not None and up > at:
            todo.append(pub_id)
    return todo


def _vendors(session: Session, publication_ids: list[int]) -> dict[int, list[str]]:
    """Company names and aliases of the products each paper is (effectively) linked to."""
    from tracker.evidence.effective import effective_links

    names: dict[int, list[str]] = {}
    companies: dict[int, list[str]] = {}
    wanted = set(publication_ids)
    for link in effective_links(session):
        if link.publication_id not in wanted:
            continue
        product = session.get(Product, link.product_id)
        if product is None:
            continue
        if product.company_id not in companies:
            company = session.get(Company, product.company_id)
            aliases = session.exec(select(CompanyAlias.alias).where(
                CompanyAlias.company_id == product.company_id)).all()
            companies[product.company_id] = [company.name] if company else []
            companies[product.company_id] += list(aliases)
        names.setdefault(link.publication_id, []).extend(companies[product.company_id])
    return names


def cached_embeddings(session: Session, papers: list[PaperText], model: GradingModel,
                      device: str) -> Any:
    """Embeddings of the papers' text, from the cache where possible (then cached)."""
    import numpy as np

    from tracker.grading.embed import embed_texts

    texts = [p.text for p in papers]
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    found: dict[str, Any] = {}
    for row in session.exec(select(EmbeddingCache).where(
            EmbeddingCache.model == model.embedding_model,
            EmbeddingCache.content_hash.in_(keys))):  # type: ignore[attr-defined]
        if row.dim == model.embedding_dim:
            found[row.content_hash] = np.frombuffer(row.vector, dtype="float32")
    missing = [i for i, k in enumerate(keys) if k not in found]
    if missing:
        vectors = embed_texts([texts[i] for i in missing], model=model.embedding_model,
                              device=device)
        for i, vec in zip(missing, vectors, strict=True):
            if keys[i] in found:
                continue
            found[keys[i]] = vec
            session.add(EmbeddingCache(content_hash=keys[i], model=model.embedding_model,
                                       dim=int(vec.shape[0]), vector=vec.tobytes()))
    return np.vstack([found[k] for k in keys])


def _save(session: Session, pub_id: int, grade: Grade) -> bool:
    row = session.exec(select(EvidenceGrade).where(EvidenceGrade.publication_id == pub_id)).first()
    new = row is None
    row = row or EvidenceGrade(publication_id=pub_id)
    for name in ("level", "confidence", "prospective", "multicentre", "multinational",
                 "reader_study", "rct", "sample_size", "vendor_independent", "cues",
                 "needs_review", "model_version"):
        setattr(row, name, getattr(grade, name))
    row.created_at = datetime.now(UTC)
    session.add(row)
    return new


def _lookup(by_paper: dict[str, list[str]]) -> Callable[[PaperText], list[str]]:
    def vendors_for(paper: PaperText) -> list[str]:
        return by_paper.get(paper.id, [])

    return vendors_for


def grade_new(engine: Engine, settings: Any) -> dict[str, Any]:
    """Grade every paper that is new or changed; returns figures for the process report."""
    model = active_model(getattr(settings, "data_dir", None))
    version = model.version if model else RULES_VERSION
    threshold = float(getattr(settings, "review_threshold", 0.6))
    device = getattr(settings, "device", "auto")
    report: dict[str, Any] = {"graded": 0, "new": 0, "updated": 0, "needs_review": 0,
                              "model_version": version}
    with Session(engine, expire_on_commit=False) as session:
        todo = _stale(session, version)
        for start in range(0, len(todo), BATCH):
            ids = todo[start:start + BATCH]
            rows = [session.get(Publication, i) for i in ids]
            pubs = [r for r in rows if r is not None]
            papers = [paper_from_row(r) for r in pubs]
            vendors = _vendors(session, [r.id for r in pubs if r.id is not None])
            by_paper: dict[str, list[str]] = {p.id: vendors.get(int(p.id), []) for p in papers}
            embeddings = (cached_embeddings(session, papers, model, device)
                          if model is not None and model.embedding_dim else None)
            grades = grade_papers(papers, model=model, review_threshold=threshold,
                                  vendors_for=_lookup(by_paper), device=device,
                                  embeddings=embeddings)
            for row, grade in zip(pubs, grades, strict=True):
                new = _save(session, int(row.id or 0), grade)
                report["new" if new else "updated"] += 1
                report["needs_review"] += grade.needs_review
                report["graded"] += 1
            session.commit()
    log.info("grading: %s", report)
    return report
