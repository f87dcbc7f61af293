"""Rows of each export kind, built with a few bulk queries (fine for 100k papers).

Links, grades, evidence counts and gap flags come from the evidence core
(``tracker.evidence``: overrides applied, one evidence rule); owners come from
``tracker.market.ownership``. Mentions (products a paper names without evaluating them) are
read as stored: they are never evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.collation import code_point_order
from tracker.db.models import (
    Company,
    CompanyAlias,
    CompanyEvent,
    EvidenceGrade,
    PaperMention,
    Platform,
    PlatformProduct,
    Product,
    ProductAlias,
    Publication,
    PublicationSource,
    Registration,
)
from tracker.evidence.effective import EffectiveGrade, EvidenceSet, effective_grades, evidence_set
from tracker.evidence.gaps import GAPS, product_gaps
from tracker.evidence.overrides import load_decisions
from tracker.evidence.vocabulary import FEATURES, LEVELS, bucket_of
from tracker.market.ownership import owners_table as owners_today
from tracker.products.tasks import describe_matches, product_tasks
from tracker.store import refs
from tracker.store.events import date_order
from tracker.store.universe import counted, is_counted


@dataclass
class ExportEvidence:
    """The evidence core's view of the store, read once for every export kind."""

    evidence: EvidenceSet
    grades: dict[int, EffectiveGrade]


def load_evidence(session: Session) -> ExportEvidence:
    decisions = load_decisions(session)
    return ExportEvidence(evidence_set(session, decisions=decisions),
                          effective_grades(session, decisions=decisions))


def paper_url(pub: Publication) -> str:
    return refs.paper_url(pub.pmid, pub.doi, pub.source_url, pub.id)


def _companies(session: Session) -> dict[int, Company]:
    return {c.id: c for c in session.exec(select(Company))}  # type: ignore[misc]


def _products(session: Session) -> dict[int, Product]:
    return {p.id: p for p in session.exec(select(Product))}  # type: ignore[misc]


def registrations_rows(session: Session) -> Iterator[dict[str, Any]]:
    companies, products = _companies(session), _products(session)
    for reg in session.exec(select(Registration).order_by(code_point_order(col(Registration.regulator)),
                                                     code_point_order(col(Registration.number)))):
        company = companies.get(reg.company_id or -1)
        product = products.get(reg.product_id or -1)
        yield {
            "regulator": reg.regulator, "kind": reg.kind, "number": reg.number,
            "device_name": reg.device_name, "applicant": reg.applicant,
            "company": company.name if company else None,
            "product_id": product.slug if product else None,
            "decision_date": reg.decision_date, "panel": reg.panel,
            "product_code": reg.product_code, "device_class": reg.device_class,
            "regulation_number": reg.regulation_number, "ce_class": reg.ce_class,
            "legislation": reg.legislation, "status": reg.status, "summary_url": reg.summary_url,
            "source": reg.source, "source_url": reg.source_url or f"record:registration/{reg.id}",
            "fetched_at": reg.fetched_at, "composed": bool(reg.composed),
        }


def companies_rows(session: Session) -> Iterator[dict[str, Any]]:
    aliases: dict[int, list[str]] = defaultdict(list)
    for alias in session.exec(select(CompanyAlias)):
        aliases[alias.company_id].append(alias.alias)
    product_counts: dict[int, int] = defaultdict(int)
    software_counts: dict[int, int] = defaultdict(int)
    for product in session.exec(select(Product)):
        product_counts[product.company_id] += 1
        software_counts[product.company_id] += is_counted(product.kind)
    owners = owners_today(session)
    for company in session.exec(select(Company).order_by(code_point_order(col(Company.name)), col(Company.id))):
        owner, parent = owners.get(company.id or -1, (None, company.name))
        yield {
            "company_id": company.id, "company": company.name,
            "aliases": ";".join(sorted(aliases.get(company.id or -1, []))),
            "owner": owner, "ultimate_parent": parent,
            "products": product_counts.get(company.id or -1, 0),
            "source": company.source,
            "source_url": company.source_url or f"record:company/{company.id}",
            "software_products": software_counts.get(company.id or -1, 0),
            "kind": company.kind, "composed": bool(company.composed),
        }


def _product_regs(session: Session) -> dict[int, list[Registration]]:
    regs: dict[int, list[Registration]] = defaultdict(list)
    for reg in session.exec(select(Registration).where(Registration.product_id.is_not(None))):  # type: ignore[union-attr]
        regs[reg.product_id].append(reg)  # type: ignore[index]
    return regs


def products_rows(session: Session, evidence: ExportEvidence | None = None) -> Iterator[dict[str, Any]]:
    found = (evidence or load_evidence(session)).evidence
    companies = _companies(session)
    regs = _product_regs(session)
    owners = owners_today(session)
    aliases: dict[int, list[str]] = defaultdict(list)
    for product_id, alias in session.exec(select(ProductAlias.product_id, ProductAlias.alias)):
        aliases[product_id].append(alias)
    carried: dict[int, list[str]] = defaultdict(list)
    for product_id, platform in session.exec(select(PlatformProduct.product_id, Platform.name)  # type: ignore[call-overload]
                                             .join(Platform, Platform.id == PlatformProduct.platform_id)):  # type: ignore[arg-type]
        carried[product_id].append(platform)
    tasks = product_tasks(session, include_systems=True)
    for product in session.exec(select(Product).order_by(code_point_order(col(Product.slug)))):
        company = companies[product.company_id]
        sources = product.taxonomy or {}
        mine = regs.get(product.id or -1, [])
        dates = sorted(r.decision_date for r in mine if r.decision_date)
        summary = found.product(product.id or -1)
        yield {
            "product_id": product.slug, "product": product.name, "company": company.name,
            "owner": owners.get(company.id or -1, (None, company.name))[1],
            "modality": product.modality, "subspecialty": product.subspecialty,
            "fda_numbers": ";".join(sorted(r.number for r in mine if r.regulator == "FDA")),
            "ce_marked": any(r.regulator == "EU" for r in mine),
            "first_registration": dates[0] if dates else None,
            "last_registration": dates[-1] if dates else None,
            "registrations": len(mine), "papers": len(summary.papers),
            "highest_level": summary.highest,
            "source": product.source,
            "source_url": product.source_url or f"record:product/{product.slug}",
            "aliases": ";".join(sorted(set(aliases.get(product.id or -1, [])))),
            "description": product.description or None,
            "display_name": product.display_name or product.name,
            "kind": product.kind,
            "kind_reason": (sources.get("kind") or {}).get("source") or "",
            "product_type": product.product_type,
            "findings_count": product.findings_count,
            "findings": ";".join(product.findings or []),
            "tasks": ";".join(m.label for m in tasks.get(product.id or -1, [])),
            "task_sources": describe_matches(tasks.get(product.id or -1, [])),
            "family": product.family,
            "platforms": ";".join(sorted(set(carried.get(product.id or -1, [])))),
            "composed": bool(product.composed),
            "taxonomy_sources": taxonomy_sources(sources),
        }


def taxonomy_sources(sources: dict[str, Any]) -> str:
    """``field: rule (source)`` for each value of a product's taxonomy."""
    return "; ".join(f"{name}: {value.get('rule', '')} ({value.get('source', '')})"
                     for name, value in sorted(sources.items()) if isinstance(value, dict))


def papers_rows(session: Session, evidence: ExportEvidence | None = None) -> Iterator[dict[str, Any]]:
    loaded = evidence or load_evidence(session)
    by_paper = loaded.evidence.index_by_paper()
    products = _products(session)
    sources: dict[int, set[str]] = defaultdict(set)
    for pub_id, source in session.exec(select(PublicationSource.publication_id, PublicationSource.source)):
        sources[pub_id].add(source)
    relevance = {pub_id: (value, reason) for pub_id, value, reason in session.exec(
        select(EvidenceGrade.publication_id, EvidenceGrade.relevance, EvidenceGrade.relevance_reason))}
    for pub in session.exec(select(Publication).order_by(col(Publication.id))):
        linked = by_paper.get(pub.id or -1, set())
        grade = loaded.grades.get(pub.id or -1)
        judged, reason = relevance.get(pub.id or -1, (None, ""))
        yield {
            "publication_id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "pmcid": pub.pmcid,
            "title": pub.title, "year": pub.year, "journal": pub.journal,
            "publication_types": ";".join(pub.publication_types or []),
            "is_preprint": pub.is_preprint, "is_retracted": pub.is_retracted,
            "sources": ";".join(sorted(sources.get(pub.id or -1, {pub.source}))),
            "products": ";".join(sorted(products[p].slug for p in linked if p in products)),
            "level": grade.level if grade else None,
            "source_url": paper_url(pub),
            "abstract": pub.abstract or None,
            "relevance": judged or None, "relevance_reason": reason or "",
            "composed": bool(pub.composed),
        }


def links_rows(session: Session, evidence: ExportEvidence | None = None) -> Iterator[dict[str, Any]]:
    found = (evidence or load_evidence(session)).evidence
    products, companies = _products(session), _companies(session)
    pubs = {p.id: p for p in session.exec(select(Publication))}
    for link in found.links:
        pub, product = pubs.get(link.publication_id), products.get(link.product_id)
        if pub is None or product is None:
            continue
        yield {
            "publication_id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "title": pub.title,
            "product_id": product.slug, "product": product.name,
            "company": companies[product.company_id].name,
            "score": link.score, "method": link.method, "evidence": link.evidence,
            "model_version": link.model_version, "origin": link.origin,
            "source_url": paper_url(pub),
        }


def mentions_rows(session: Session) -> Iterator[dict[str, Any]]:
    """Products a paper names without evaluating them (``PaperMention``), one row each. Not
    evidence: no link, count or gap flag reads them."""
    products, companies = _products(session), _companies(session)
    pubs = {p.id: p for p in session.exec(select(Publication))}
    query = select(PaperMention).order_by(col(PaperMention.publication_id),
                                          col(PaperMention.product_id), col(PaperMention.id))
    for mention in session.exec(query):
        pub, product = pubs.get(mention.publication_id), products.get(mention.product_id)
        if pub is None or product is None:
            continue
        company = companies.get(product.company_id)
        yield {
            "publication_id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "title": pub.title,
            "product_id": product.slug, "product": product.name,
            "company": company.name if company else "",
            "role": mention.role, "evidence": mention.evidence or "",
            "model_version": mention.model_version or "", "origin": "auto",
            "created_at": mention.created_at, "source_url": paper_url(pub),
        }


def grades_rows(session: Session, evidence: ExportEvidence | None = None) -> Iterator[dict[str, Any]]:
    grades = (evidence or load_evidence(session)).grades
    pubs = {p.id: p for p in session.exec(select(Publication))}
    for pub_id in sorted(grades):
        pub = pubs.get(pub_id)
        if pub is None:
            continue
        grade = grades[pub_id]
        yield {
            "publication_id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "title": pub.title,
            "level": grade.level, "confidence": grade.confidence,
            **{name: getattr(grade, name) for name in (*FEATURES, "sample_size")},
            "needs_review": grade.needs_review, "origin": grade.origin,
            "bucket": bucket_of(grade.level),
            "cues": ";".join(grade.cues or []),
            "source_url": paper_url(pub),
        }


def events_rows(session: Session) -> Iterator[dict[str, Any]]:
    companies = _companies(session)
    for ev in session.exec(select(CompanyEvent).order_by(*date_order())):
        counterparty = companies.get(ev.counterparty_id or -1)
        yield {
            "event_id": ev.id, "date": ev.event_date, "event_type": ev.event_type,
            "company": companies[ev.company_id].name,
            "counterparty": counterparty.name if counterparty else None,
            "status": ev.status, "stake": ev.stake, "origin": ev.origin,
            "confidence": ev.confidence, "confirmed": ev.confirmed, "sentence": ev.sentence,
            "source_url": ev.source_url or f"record:event/{ev.id}",
        }


def gaps_rows(session: Session, evidence: ExportEvidence | None = None) -> Iterator[dict[str, Any]]:
    """One row per AI software product (imaging systems are not on gap lists, as in the
    TUI): evidence papers per level and the gap lists it is on (``tracker.evidence.gaps``)."""
    found = (evidence or load_evidence(session)).evidence
    companies = _companies(session)
    for product in session.exec(select(Product).where(counted()).order_by(code_point_order(col(Product.slug)))):
        summary = found.product(product.id or -1)
        counts = summary.counts
        flags = product_gaps(summary)
        yield {
            "product_id": product.slug, "product": product.name,
            "company": companies[product.company_id].name, "papers": len(summary.papers),
            **{f"level_{lv}": counts.get(lv, 0) for lv in LEVELS},
            "highest_level": summary.highest,
            **{gap.column: flags[gap.key] for gap in GAPS},
            "source_url": product.source_url or f"record:product/{product.slug}",
        }


def platforms_rows(session: Session) -> Iterator[dict[str, Any]]:
    """One row per platform-product carriage, with its dates, origin and source."""

    companies = _companies(session)
    products = _products(session)
    platforms = {p.id: p for p in session.exec(select(Platform))}
    carriages = session.exec(select(PlatformProduct).order_by(col(PlatformProduct.platform_id),
                                                              col(PlatformProduct.product_id)))
    for carriage in carriages:
        platform, product = platforms[carriage.platform_id], products[carriage.product_id]
        yield {
            "platform": platform.slug, "platform_kind": platform.kind, "product_id": product.slug,
            "product": product.name, "company": companies[product.company_id].name,
            "since": carriage.since, "since_precision": carriage.since_precision, "until": carriage.until,
            "origin": carriage.origin,
            "source_url": carriage.source_url or f"record:platform/{platform.slug}/{product.slug}",
        }


BUILDERS = {
    "products": products_rows, "companies": companies_rows, "registrations": registrations_rows,
    "papers": papers_rows, "links": links_rows, "mentions": mentions_rows, "grades": grades_rows,
    "events": events_rows, "gaps": gaps_rows, "platforms": platforms_rows,
}
