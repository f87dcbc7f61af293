# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""A company's page and the per-vendor evidence profile.

An evidence profile sums the evidence of a set of products by the one rule of
``tracker.evidence.effective`` (an evidence paper is effectively linked, not retracted and
has an effective level; preprints count, flagged apart by ``peer_reviewed``); a paper linked
to several products of the set counts once. Study features and sample sizes are the
effective ones (a person's override wins).

A vendor is a company's current ultimate owner (``tracker.views.ownership``): the products of
an acquired brand count for the company that owns it now. Event convention
(``tracker.market``): an event's ``company`` is the target, its ``counterparty`` the acquirer
or partner.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.db.models import Company, CompanyEvent, Publication
from tracker.evidence.effective import EvidencePaper, EvidenceSet, evidence_set
from tracker.evidence.vocabulary import LEVELS
from tracker.store.events import date_order
from tracker.views.ownership import Ownership, load_ownership
from tracker.views.products import ProductRow, product_rows

NONE = "none"
PROFILE_RULE = (
    "evidence papers by tracker.evidence.effective: effectively linked to a product of the set, "
    "not retracted, with an effective level (preprints included; peer_reviewed leaves them out); "
    "each paper counted once; features and sample sizes are the effective values")
VENDOR_RULE = ("; a vendor is the current ultimate owner: an acquired brand's products count for "
               "the company that owns it now")
PROFILE_FEATURES = ("vendor_independent", "multicentre", "prospective")


@dataclass
class EvidenceProfile:
    """The evidence of a set of products (``PROFILE_RULE``)."""

    products: int
    products_with_evidence: int
    papers: int
    peer_reviewed: int
    by_level: dict[str, int]
    highest: dict[str, int]
    vendor_independent: int
    multicentre: int
    prospective: int
    sample_sizes: list[int]
    paper_ids: list[int]
    rule: str = PROFILE_RULE
    product_ids: list[int] = field(default_factory=list)
    """The products counted (provenance: product ids)."""
    preprints: int = 0
    """Evidence papers that are preprints (in ``papers``, not in ``peer_reviewed``)."""

    def share(self, count: int) -> float | None:
        """``count`` as a share of the evidence papers (``None`` without any)."""
        return count / self.papers if self.papers else None


def evidence_profile(product_ids: Iterable[int], evidence: EvidenceSet, *,
                     rule: str = PROFILE_RULE) -> EvidenceProfile:
    """Sum the evidence of ``product_ids`` (duplicates ignored) from ``evidence``."""
    ids = list(dict.fromkeys(product_ids))
    papers: dict[int, EvidencePaper] = {}
    highest = {level: 0 for level in LEVELS} | {NONE: 0}
    with_evidence = 0
    for pid in ids:
        found = evidence.product(pid)
        if found.evidence:
            with_evidence += 1
        highest[found.highest or NONE] += 1
        for paper in found.evidence:
            papers.setdefault(paper.publication_id, paper)
    by_level = {level: 0 for level in LEVELS}
    for paper in papers.values():
        if paper.level in by_level:
            by_level[paper.level] += 1
    feature = {name: sum(1 for p in papers.values() if p.features.get(name) is True)
               for name in PROFILE_FEATURES}
    return EvidenceProfile(
        products=len(ids), products_with_evidence=with_evidence, papers=len(papers),
        peer_reviewed=sum(1 for p in papers.values() if p.is_peer_reviewed),
        by_level=by_level, highest=highest, vendor_independent=feature["vendor_independent"],
        multicentre=feature["multicentre"], prospective=feature["prospective"],
        sample_sizes=sorted(p.sample_size for p in papers.values() if p.sample_size is not None),
        paper_ids=sorted(papers), rule=rule, product_ids=ids,
        preprints=sum(1 for p in papers.values() if p.preprint))


@dataclass
class CompanyProfile:
    id: int
    name: str
    kind: str | None
    country: str | None
    website: str | None
    source_url: str
    owner: str | None
    """The current ultimate parent's name when it is another company, else ``None``."""
    brands: list[str]
    """Companies it owns now, directly or through another brand, by name."""
    products: list[ProductRow]
    """Its own products plus those of the brands it owns now."""
    history: list[dict[str, Any]]
    events: list[dict[str, Any]]
    profile: EvidenceProfile
    owner_id: int | None = None
    brand_ids: list[int] = field(default_factory=list)
    closed: dict[str, Any] | None = None
    """``{"date", "event_id"}`` when a closure ended the company."""


YEAR_LEVELS_RULE = ("each paper once, by its effective level and its publication year "
                    "(Publication.year; None when the paper has none)")


def paper_years(session: Session, ids: Iterable[int]) -> dict[int, int | None]:
    """Publication id -> publication year, read in chunks well under any database's
    bound-parameter limit."""
    wanted = list(ids)
    years: dict[int, int | None] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start:start + 900]
        years.update(session.execute(select(Publication.id, Publication.year)
                                     .where(Publication.id.in_(chunk))).all())  # type: ignore[union-attr,arg-type]
    return years


def levels_by_year(session: Session, levels: Mapping[int, str]) -> dict[int | None, Counter[str]]:
    """Publication year -> level -> papers, for ``levels`` (publication id -> effective level):
    the one count behind every "papers by level per year" table and chart (``YEAR_LEVELS_RULE``).
    Years sort ascending with None (no year) last."""
    ids = [pid for pid, level in levels.items() if level]
    years = paper_years(session, ids)
    counts: dict[int | None, Counter[str]] = {}
    for pid in ids:
        counts.setdefault(years.get(pid), Counter())[levels[pid]] += 1
    return {year: counts[year] for year in sorted(counts, key=lambda y: (y is None, y or 0))}


def owned_now(ownership: Ownership, company_id: int) -> list[int]:
    """Companies whose ownership chain today passes through ``company_id``."""
    return [child for child in ownership.graph.controls
            if child != company_id
            and any(c.owner_id == company_id for c in ownership.graph.chain(child))]


def _event_row(e: CompanyEvent, names: dict[int, str]) -> dict[str, Any]:
    from tracker.dates import date_label

    return {"id": e.id, "date": e.event_date,
            "date_label": date_label(e.event_date, e.date_precision or "day"),
            "type": e.event_type, "company": names.get(e.company_id, "?"),
            "company_id": e.company_id,
            "counterparty": names.get(e.counterparty_id, "") if e.counterparty_id else "",
            "counterparty_id": e.counterparty_id, "status": e.status or "", "origin": e.origin,
            "uncertain": bool(e.uncertain), "note": e.note or "", "source_url": e.source_url}


def company_profile(session: Session, company_id: int, *, evidence: EvidenceSet | None = None,
                    ownership: Ownership | None = None, include_systems: bool = False,
                    min_confidence: float | None = None) -> CompanyProfile | None:
    """The company page: identity, owner and brands now, products (its own and its brands'),
    ownership history, market events on either side and the evidence profile of the
    products. ``None`` for an unknown id."""
    company = session.get(Company, company_id)
    if company is None:
        return None
    ownership = ownership or load_ownership(session, min_confidence=min_confidence)
    evidence = evidence or evidence_set(session)
    names = ownership.names
    top = ownership.ultimate_parent(company_id)
    brand_ids = sorted(owned_now(ownership, company_id), key=lambda c: names.get(c, "").casefold())
    members = {company_id, *brand_ids}
    rows = [r for r in product_rows(session, evidence=evidence, ownership=ownership,
                                    include_systems=include_systems) if r.company_id in members]
    edges = [e for e in ownership.edges if company_id in (e.parent, e.child)]
    event_ids = sorted({e.event_id for e in edges})
    clause = or_(CompanyEvent.company_id == company_id, CompanyEvent.counterparty_id == company_id)
    if event_ids:
        clause = or_(clause, CompanyEvent.id.in_(event_ids))  # type: ignore[union-attr]
    found = list(session.execute(select(CompanyEvent).where(clause)
                                 .order_by(*date_order())).scalars())
    by_id = {e.id: e for e in found}
    history = []
    for edge in sorted(edges, key=lambda e: (e.since or date.min, e.event_id)):
        event = by_id.get(edge.event_id)
        history.append({"date": edge.since, "type": event.event_type if event else "",
                        "parent": names.get(edge.parent, "?"), "parent_id": edge.parent,
                        "child": names.get(edge.child, "?"), "child_id": edge.child,
                        "event_id": edge.event_id, "source_url": edge.source_url,
                        "uncertain": bool(event.uncertain) if event else False,
                        "current": ownership.owner_on(edge.child) == edge})
    events = [_event_row(e, names) for e in found
              if company_id in (e.company_id, e.counterparty_id)]
    closed = None
    if company_id in ownership.closures:
        when, eid = ownership.closures[company_id]
        closed = {"date": when, "event_id": eid}
    return CompanyProfile(
        id=company_id, name=company.name, kind=company.kind, country=company.country,
        website=company.website, source_url=company.source_url or "",
        owner=names.get(top, "?") if top != company_id else None,
        brands=[names.get(c, "?") for c in brand_ids], products=rows, history=history,
        events=events,
        profile=evidence_profile([r.id for r in rows], evidence,
                                 rule=PROFILE_RULE + "; products of the company and of the brands it owns now"),
        owner_id=top if top != company_id else None, brand_ids=brand_ids, closed=closed)


def vendor_profiles(session: Session, *, evidence: EvidenceSet | None = None,
                    ownership: Ownership | None = None, include_systems: bool = False
                    ) -> list[tuple[int, str, EvidenceProfile]]:
    """``(company id, name, profile)`` per vendor (current ultimate owner) with at least one
    product; most evidence papers first, then most products, then name."""
    evidence = evidence or evidence_set(session)
    ownership = ownership or load_ownership(session)
    grouped: dict[int, list[int]] = {}
    for row in product_rows(session, evidence=evidence, ownership=ownership,
                            include_systems=include_systems):
        grouped.setdefault(ownership.ultimate_parent(row.company_id), []).append(row.id)
    names = ownership.names
    out = [(vendor, names.get(vendor, "?"), evidence_profile(ids, evidence, rule=PROFILE_RULE + VENDOR_RULE))
           for vendor, ids in grouped.items()]
    out.sort(key=lambda item: (-item[2].papers, -item[2].products, item[1].casefold(), item[0]))
    return out
