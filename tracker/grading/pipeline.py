"""``grade_new``: the grading step of ``tracker process``.

A paper is (re)graded when it has no automatic grade, when its text changed after it was
graded (``Publication.updated_at`` later than the grade), or when the active model or rules
changed (``EvidenceGrade.model_version``). Only ``EvidenceGrade`` rows are written; overrides
are never read for writing, changed or deleted, and they win in every view
(``tracker.evidence``). Embeddings are cached in ``EmbeddingCache`` by text hash and model.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tracker.contract import PaperRecord, each_alone, paper_from_row
from tracker.db.models import (
    Company,
    CompanyAlias,
    EvidenceGrade,
    LinkState,
    PaperMention,
    Product,
    Publication,
)
from tracker.grading.classifier import active_model
from tracker.grading.grader import Grade, grade_papers, grading_embedder, grading_version

if TYPE_CHECKING:
    from tracker.config import Settings
    from tracker.nlp.relevance import Relevance

log = logging.getLogger(__name__)
BATCH = 256


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _stale(session: Session, version: str) -> list[int]:
    """Papers without a grade of ``version``, changed since graded, or linked since graded
    (their relevance and vendors may have changed)."""
    query = (select(Publication.id, Publication.updated_at, EvidenceGrade.model_version,  # type: ignore[call-overload]
                    EvidenceGrade.created_at, LinkState.linked_at)
             .outerjoin(EvidenceGrade, EvidenceGrade.publication_id == Publication.id)  # type: ignore[arg-type]
             .outerjoin(LinkState, LinkState.publication_id == Publication.id)  # type: ignore[arg-type]
             .order_by(col(Publication.id)))  # batches in id order on every engine
    rows = session.exec(query).all()
    todo: list[int] = []
    for pub_id, updated, grade_version, graded_at, linked_at in rows:
        if pub_id is None:
            continue
        if grade_version is None or grade_version != version:
            todo.append(pub_id)
            continue
        at = _aware(graded_at)
        if at is not None and any(t is not None and t > at
                                  for t in (_aware(updated), _aware(linked_at))):
            todo.append(pub_id)
    return todo


def _vendors(session: Session, publication_ids: list[int]) -> dict[int, list[str]]:
    """Company names and aliases of the products each paper is (effectively) linked to:
    the papers' effective links in one read, their products and companies in one query
    each."""
    from tracker.evidence.effective import evidence_set

    by_paper = evidence_set(session, publication_ids=publication_ids).index_by_paper()
    product_ids = sorted({pid for pids in by_paper.values() for pid in pids})
    if not product_ids:
        return {}
    company_of = dict(session.exec(select(Product.id, Product.company_id)
                                   .where(col(Product.id).in_(product_ids))).all())
    company_ids = sorted(set(company_of.values()))
    names: dict[int, list[str]] = {cid: [] for cid in company_ids}
    for cid, name in session.exec(select(Company.id, Company.name)
                                  .where(col(Company.id).in_(company_ids))).all():
        names[cid or 0] = [name]
    for cid, alias in session.exec(select(CompanyAlias.company_id, CompanyAlias.alias)
                                   .where(col(CompanyAlias.company_id).in_(company_ids))
                                   .order_by(col(CompanyAlias.id))).all():
        names[cid].append(alias)
    out: dict[int, list[str]] = {}
    for pub_id, pids in by_paper.items():
        for pid in sorted(pids):
            if pid in company_of:
                out.setdefault(pub_id, []).extend(names.get(company_of[pid], []))
    return out


def _save(session: Session, row: EvidenceGrade | None, pub_id: int, grade: Grade) -> bool:
    """Write one grade; returns whether it is new. When a regrade changes an existing
    grade's level, the old level goes to ``previous_level`` and the time to
    ``level_changed_at`` (the digest's "level changes"); an unchanged level keeps both."""
    new = row is None
    now = datetime.now(UTC)
    if row is not None and row.level != grade.level:
        row.previous_level, row.level_changed_at = row.level, now
    row = row or EvidenceGrade(publication_id=pub_id)
    for name in ("level", "confidence", "prospective", "multicentre", "multinational",
                 "reader_study", "rct", "sample_size", "vendor_independent", "cues",
                 "needs_review", "model_version", "relevance", "relevance_reason"):
        setattr(row, name, getattr(grade, name))
    row.created_at = now
    session.add(row)
    return new


def _relevance_lookup(session: Session, papers: list[PaperRecord],
                      vendors: dict[int, list[str]]) -> Callable[[PaperRecord], Relevance]:
    """Each paper's relevance: a product evaluation when it has an effective link (a
    person's links count); else the linker's verdict kept on its link state, unless that
    verdict rested on an automatic link a person rejected; else the text decides."""
    from tracker.nlp.relevance import LINKED, PRODUCT_EVALUATION, Relevance, classify_relevance

    ids = [p.db_id for p in papers if p.db_id is not None]
    states = {pid: (label, reason) for pid, label, reason in session.exec(
        select(LinkState.publication_id, LinkState.relevance, LinkState.relevance_reason)
        .where(col(LinkState.publication_id).in_(ids))).all()}
    roles: dict[int, str] = {}
    for pid, role in session.exec(select(PaperMention.publication_id, PaperMention.role)
                                  .where(col(PaperMention.publication_id).in_(ids))
                                  .order_by(col(PaperMention.id))).all():
        if role != "unresolved" or pid not in roles:
            roles[pid] = role
    out: dict[str, Relevance] = {}
    for paper in papers:
        pid = paper.db_id or 0
        label, reason = states.get(pid, (None, ""))
        if vendors.get(pid):
            out[paper.id] = classify_relevance(paper, evaluated=True)
        elif label and not (label == PRODUCT_EVALUATION and reason == LINKED):
            out[paper.id] = Relevance(label, reason)
        else:
            mention_role = roles.get(pid)
            out[paper.id] = classify_relevance(
                paper, evaluated=False if pid in states else None, named=pid in roles,
                mentioned_as=mention_role if mention_role not in (None, "unresolved") else None)

    def relevance_for(paper: PaperRecord) -> Relevance:
        return out[paper.id]

    return relevance_for


def _lookup(by_paper: dict[str, list[str]]) -> Callable[[PaperRecord], list[str]]:
    def vendors_for(paper: PaperRecord) -> list[str]:
        return by_paper.get(paper.id, [])

    return vendors_for


def _grade_each(papers: list[PaperRecord], report: dict[str, Any], **options: Any
                ) -> list[tuple[PaperRecord, Grade]]:
    """Each paper with its grade (``grade_papers`` with ``options``); a paper the grader
    fails on is logged, counted in ``failed`` and left ungraded (tried again next run), and
    costs no other paper its grade."""
    graded, failed = each_alone(papers, lambda batch: grade_papers(batch, **options),
                                lambda paper: f"paper {paper.id}")
    for problem in failed:
        log.warning("grading: %s (skipped)", problem)
    report["failed"] += len(failed)
    return graded


def grade_new(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Grade every paper that is new or changed; returns figures for the process report."""
    model = active_model(settings.data_dir)
    embedder = grading_embedder(settings, model, engine=engine)
    version = grading_version(model, embedder)
    report: dict[str, Any] = {"graded": 0, "new": 0, "updated": 0, "needs_review": 0,
                              "failed": 0, "model_version": version}
    with Session(engine, expire_on_commit=False) as session:
        todo = _stale(session, version)
        for start in range(0, len(todo), BATCH):
            ids = todo[start:start + BATCH]
            pubs = session.exec(select(Publication).where(col(Publication.id).in_(ids))
                                .order_by(col(Publication.id))).all()
            papers = [paper_from_row(r) for r in pubs]
            vendors = _vendors(session, [r.id for r in pubs if r.id is not None])
            by_paper = {p.id: vendors.get(p.db_id or 0, []) for p in papers}
            existing = {g.publication_id: g for g in session.exec(
                select(EvidenceGrade).where(col(EvidenceGrade.publication_id).in_(ids)))}
            graded = _grade_each(papers, report, model=model, embedder=embedder,
                                 review_threshold=settings.review_threshold,
                                 vendors_for=_lookup(by_paper),
                                 relevance_for=_relevance_lookup(session, papers, vendors))
            for paper, grade in graded:
                pub_id = int(paper.db_id or 0)
                new = _save(session, existing.get(pub_id), pub_id, grade)
                report["new" if new else "updated"] += 1
                report["needs_review"] += grade.needs_review
                report["graded"] += 1
            session.commit()
    log.info("grading: %s", report)
    return report
