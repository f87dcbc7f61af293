"""Rows of each export kind, built with a few bulk queries (fine for 100k papers).

Human overrides are applied through ``tracker.review``; owners come from
``tracker.market.ownership``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import (
    Company,
    CompanyAlias,
    CompanyEvent,
    Product,
    Publication,
    PublicationSource,
    Registration,
)
from tracker.exports.effective import EffectiveEvidence, load_effective
from tracker.grading.levels import LEVELS, bucket_of, rank
from tracker.market.ownership import owners_table as owners_today

bucket = bucket_of


def paper_url(pub: Publication) -> str:
    if pub.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{pub.pmid}/"
    if pub.doi:
        return f"https://doi.org/{pub.doi}"
    return pub.source_url or f"record:publication/{pub.id}"


def _highest(levels: list[str | None]) -> str | None:
    ranked = [lv for lv in levels if lv in LEVELS]
    return max(ranked, key=rank) if ranked else None


def _companies(session: Session) -> dict[int, Company]:
    return {c.id: c for c in session.exec(select(Company))}  # type: ignore[misc]


def _products(session: Session) -> dict[int, Product]:
    return {p.id: p for p in session.exec(select(Product))}  # type: ignore[misc]


def registrations_rows(session: Session) -> Iterator[dict[str, Any]]:
    companies, products = _companies(session), _products(session)
    for reg in session.exec(select(Registration).order_by(Registration.regulator, Registration.number)):
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
            "fetched_at": reg.fetched_at,
        }


def companies_rows(session: Session) -> Iterator[dict[str, Any]]:
    aliases: dict[int, list[str]] = defaultdict(list)
    for alias in session.exec(select(CompanyAlias)):
        aliases[alias.company_id].append(alias.alias)
    product_counts: dict[int, int] = defaultdict(int)
    for product in session.exec(select(Product)):
        product_counts[product.company_id] += 1
    owners = owners_today(session)
    for company in session.exec(select(Company).order_by(Company.name)):
        owner, parent = owners.get(company.id or -1, (None, company.name))
        yield {
            "company_id": company.id, "company": company.name,
            "aliases": ";".join(sorted(aliases.get(company.id or -1, []))),
            "owner": owner, "ultimate_parent": parent,
            "products": product_counts.get(company.id or -1, 0),
            "source": company.source,
            "source_url": company.source_url or f"record:company/{company.id}",
        }


def _product_regs(session: Session) -> dict[int, list[Registration]]:
    regs: dict[int, list[Registration]] = defaultdict(list)
    for reg in session.exec(select(Registration).where(Registration.product_id.is_not(None))):  # type: ignore[union-attr]
        regs[reg.product_id].append(reg)  # type: ignore[index]
    return regs


def products_rows(session: Session, evidence: EffectiveEvidence | None = None) -> Iterator[dict[str, Any]]:
    evidence = evidence or load_effective(session)
    companies = _companies(session)
    regs = _product_regs(session)
    owners = owners_today(session)
    for product in session.exec(select(Product).order_by(Product.slug)):
        company = companies[product.company_id]
        mine = regs.get(product.id or -1, [])
        dates = sorted(r.decision_date for r in mine if r.decision_date)
        papers = evidence.papers_of_product.get(product.id or -1, set())
        yield {
            "product_id": product.slug, "product": product.name, "company": company.name,
            "owner": owners.get(company.id or -1, (None, company.name))[1],
            "modality": product.modality, "subspecialty": product.subspecialty,
            "fda_numbers": ";".join(sorted(r.number for r in mine if r.regulator == "FDA")),
            "ce_marked": any(r.regulator == "EU" for r in mine),
            "first_registration": dates[0] if dates else None,
            "last_registration": dates[-1] if dates else None,
            "registrations": len(mine), "papers": len(papers),
            "highest_level": _highest([evidence.grade(pid).get("level") for pid in papers]),
            "source": product.source,
            "source_url": product.source_url or f"record:product/{product.slug}",
        }


def papers_rows(session: Session, evidence: EffectiveEvidence | None = None) -> Iterator[dict[str, Any]]:
    evidence = evidence or load_effective(session)
    products = _products(session)
    sources: dict[int, set[str]] = defaultdict(set)
    for pub_id, source in session.exec(select(PublicationSource.publication_id, PublicationSource.source)):
        sources[pub_id].add(source)
    for pub in session.exec(select(Publication).order_by(col(Publication.id))):
        linked = evidence.products_of_paper.get(pub.id or -1, set())
        yield {
            "publication_id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "pmcid": pub.pmcid,
            "title": pub.title, "year": pub.year, "journal": pub.journal,
            "publication_types": ";".join(pub.publication_types or []),
            "is_preprint": pub.is_preprint, "is_retracted": pub.is_retracted,
            "sources": ";".join(sorted(sources.get(pub.id or -1, {pub.source}))),
            "products": ";".join(sorted(products[p].slug for p in linked if p in products)),
            "level": evidence.grade(pub.id or -1).get("level"),
            "source_url": paper_url(pub),
        }


def links_rows(session: Session, evidence: EffectiveEvidence | None = None) -> Iterator[dict[str, Any]]:
    evidence = evidence or load_effective(session)
    products, companies = _products(session), _companies(session)
    pubs = {p.id: p for p in session.exec(select(Publication))}
    for link in evidence.links:
        pub, product = pubs.get(link["publication_id"]), products.get(link["product_id"])
        if pub is None or product is None:
            continue
        yield {
            "publication_id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "title": pub.title,
            "product_id": product.slug, "product": product.name,
            "company": companies[product.company_id].name,
            "score": link["score"], "method": link["method"], "evidence": link["evidence"],
            "model_version": link["model_version"], "origin": link["origin"],
            "source_url": paper_url(pub),
        }


def grades_rows(session: Session, evidence: EffectiveEvidence | None = None) -> Iterator[dict[str, Any]]:
    evidence = evidence or load_effective(session)
    pubs = {p.id: p for p in session.exec(select(Publication))}
    for pub_id in sorted(evidence.grades):
        pub = pubs.get(pub_id)
        if pub is None:
            continue
        grade = evidence.grade(pub_id)
        yield {
            "publication_id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "title": pub.title,
            **{k: grade.get(k) for k in ("level", "confidence", "prospective", "multicentre",
                                         "multinational", "reader_study", "rct", "sample_size",
                                         "vendor_independent", "needs_review", "origin")},
            "bucket": bucket(grade.get("level")),
            "cues": ";".join(grade.get("cues") or []),
            "source_url": paper_url(pub),
        }


def events_rows(session: Session) -> Iterator[dict[str, Any]]:
    companies = _companies(session)
    for ev in session.exec(select(CompanyEvent).order_by(col(CompanyEvent.event_date), col(CompanyEvent.id))):
        counterparty = companies.get(ev.counterparty_id or -1)
        yield {
            "event_id": ev.id, "date": ev.event_date, "event_type": ev.event_type,
            "company": companies[ev.company_id].name,
            "counterparty": counterparty.name if counterparty else None,
            "status": ev.status, "stake": ev.stake, "origin": ev.origin,
            "confidence": ev.confidence, "confirmed": ev.confirmed, "sentence": ev.sentence,
            "source_url": ev.source_url or f"record:event/{ev.id}",
        }


def gaps_rows(session: Session, evidence: EffectiveEvidence | None = None) -> Iterator[dict[str, Any]]:
    evidence = evidence or load_effective(session)
    companies = _companies(session)
    pubs = {p.id: p for p in session.exec(select(Publication))}
    for product in session.exec(select(Product).order_by(Product.slug)):
        papers = evidence.papers_of_product.get(product.id or -1, set())
        grades = [evidence.grade(pid) for pid in papers]
        counts = {lv: 0 for lv in LEVELS}
        for grade in grades:
            if grade.get("level") in counts:
                counts[grade["level"]] += 1
        highest = _highest([g.get("level") for g in grades])
        peer_reviewed = [pid for pid in papers
                         if pid in pubs and not pubs[pid].is_preprint and evidence.grade(pid).get("level")]
        yield {
            "product_id": product.slug, "product": product.name,
            "company": companies[product.company_id].name, "papers": len(papers),
            **{f"level_{lv}": n for lv, n in counts.items()},
            "highest_level": highest,
            "no_peer_reviewed_evidence": not peer_reviewed,
            "only_technical_evidence": bool(peer_reviewed) and bucket(highest) == "technical",
            "no_vendor_independent_study": not any(g.get("vendor_independent") is True for g in grades),
            "no_prospective_study": not any(g.get("prospective") is True for g in grades),
            "source_url": product.source_url or f"record:product/{product.slug}",
        }


BUILDERS = {
    "products": products_rows, "companies": companies_rows, "registrations": registrations_rows,
    "papers": papers_rows, "links": links_rows, "grades": grades_rows, "events": events_rows,
    "gaps": gaps_rows,
}
