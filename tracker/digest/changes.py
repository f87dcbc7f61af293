# mypy: disable-error-code="call-overload,arg-type,misc"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""What changed in the store during a period, section by section, each item with its source.

"New" means *newly recorded by the store* (``created_at`` in the period), never a decision or
event date (those are shown beside). The rules, one per section:

- ``fda_clearances`` / ``ce_registrations``: registrations first recorded in the period
  (``Registration.created_at``; FDA, else EU), unless their product is not counted.
- ``products``: products first recorded in the period, counted ones only.
- ``companies``: companies first recorded in the period, except those whose every product is
  left out (imaging systems only); a company with no product yet (an acquirer named by the
  news) is reported.
- ``paper_links``: a paper-product pair first linked by the linker in the period
  (``PaperProductLink.created_at``, kept across relinks) and not rejected by a person, or a
  person's link decision recorded in the period (``Override``: hand link, confirmation,
  rejection); counted products only.
- ``level_changes``: the grader changed a paper's level in the period
  (``EvidenceGrade.previous_level`` -> ``level``, ``level_changed_at``), or a person set a
  level (``Override`` on ``level``: the previous effective level -> theirs); only papers
  effectively linked to a counted product.
- ``market_events``: market events first recorded in the period (``CompanyEvent.created_at``),
  except untrusted extracted ones below the confidence floor (``event_min_confidence``).

"Counted" is ``tracker.store.universe.counted``: AI software by default, imaging systems with
``include_systems``. Every item carries ``provenance``: the source URL, the record id and the
rule that put it in the digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session, col, select

from tracker.db.models import (
    Company,
    CompanyEvent,
    EvidenceGrade,
    Override,
    PaperProductLink,
    Product,
    Publication,
    Registration,
)
from tracker.digest.period import Period, aware
from tracker.evidence.effective import effective_grades, evidence_set
from tracker.evidence.overrides import accepts, load_decisions
from tracker.store.events import is_trusted
from tracker.store.refs import paper_url
from tracker.store.universe import is_counted

SECTIONS: dict[str, str] = {
    "fda_clearances": "New FDA clearances",
    "ce_registrations": "New CE registrations",
    "products": "New products",
    "companies": "New companies",
    "paper_links": "Papers newly linked to a product",
    "level_changes": "Evidence level changes",
    "market_events": "New market events",
}
"""Section key -> heading, in the order the digest shows them."""
NEW_PAPERS = "new_papers"
"""Papers first recorded in the period: shown only under a watched query that matches them."""


@dataclass
class Item:
    """One change. ``text`` (title and abstract of a paper) feeds query watches only."""

    section: str
    key: str  # the record it is about: "registration/12", "link/3", "override/7", ...
    title: str
    recorded_at: datetime | None
    date: date | None = None  # decision date, event date (what the record says), if any
    details: dict[str, Any] = field(default_factory=dict)
    products: list[dict[str, Any]] = field(default_factory=list)  # {"id", "slug", "name"}
    companies: list[dict[str, Any]] = field(default_factory=list)  # {"id", "name"}
    provenance: dict[str, str] = field(default_factory=dict)  # source_url, record, rule
    text: str = ""

    @property
    def product_ids(self) -> set[int]:
        return {int(p["id"]) for p in self.products}

    @property
    def company_ids(self) -> set[int]:
        return {int(c["id"]) for c in self.companies}

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "key": self.key,
            "title": self.title,
            "recorded_at": self.recorded_at.isoformat() if self.recorded_at else None,
            "date": self.date.isoformat() if self.date else None,
            "details": self.details,
            "products": self.products,
            "companies": self.companies,
            "provenance": self.provenance,
        }


@dataclass
class Changes:
    period: Period
    include_systems: bool
    sections: dict[str, list[Item]] = field(default_factory=dict)
    new_papers: list[Item] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {key: len(self.sections.get(key, [])) for key in SECTIONS}

    @property
    def empty(self) -> bool:
        return not any(self.sections.values())

    def items(self) -> list[Item]:
        return [item for key in SECTIONS for item in self.sections.get(key, [])]


def _order(item: Item) -> tuple[Any, str, int]:
    """Oldest first; ties by record kind, then record id as a number."""
    kind, _, number = item.key.partition("/")
    return (item.recorded_at or datetime.min.replace(tzinfo=UTC), kind, int(number) if number.isdigit() else 0)


def _provenance(source_url: str | None, record: str, rule: str) -> dict[str, str]:
    return {"source_url": source_url or "", "record": record, "rule": rule}


class _Names:
    """Products and companies by id (both tables are small), loaded once per digest."""

    def __init__(self, session: Session, include_systems: bool) -> None:
        self.include_systems = include_systems
        self.products: dict[int, tuple[str, str, int, str]] = {
            pid: (slug, display or name, cid, kind)
            for pid, slug, name, display, cid, kind in session.execute(
                select(Product.id, Product.slug, Product.name, Product.display_name,
                       Product.company_id, Product.kind))}
        self.companies: dict[int, str] = dict(session.execute(select(Company.id, Company.name)).all())

    def counted(self, product_id: int | None) -> bool:
        found = self.products.get(product_id or -1)
        return found is not None and is_counted(found[3], self.include_systems)

    def product(self, product_id: int) -> dict[str, Any]:
        slug, name, _cid, _kind = self.products[product_id]
        return {"id": product_id, "slug": slug, "name": name}

    def company(self, company_id: int | None) -> list[dict[str, Any]]:
        if company_id is None or company_id not in self.companies:
            return []
        return [{"id": company_id, "name": self.companies[company_id]}]

    def company_of(self, product_id: int) -> int:
        return self.products[product_id][2]


def _in(column: Any, period: Period) -> Any:
    return (column >= period.since) & (column <= period.until)


def _registrations(session: Session, period: Period, names: _Names) -> tuple[list[Item], list[Item]]:
    fda: list[Item] = []
    ce: list[Item] = []
    rows = session.exec(select(Registration).where(_in(col(Registration.created_at), period))
                        .order_by(col(Registration.created_at), col(Registration.id))).all()
    for row in rows:
        if row.product_id is not None and not names.counted(row.product_id):
            continue
        section = "fda_clearances" if row.regulator == "FDA" else "ce_registrations"
        products = [names.product(row.product_id)] if row.product_id is not None else []
        company_id = row.company_id if row.company_id is not None else (
            names.company_of(row.product_id) if row.product_id is not None else None)
        item = Item(
            section=section, key=f"registration/{row.id}", title=f"{row.number} {row.device_name}",
            recorded_at=aware(row.created_at), date=row.decision_date,
            details={"regulator": row.regulator, "kind": row.kind, "number": row.number,
                     "device_name": row.device_name, "applicant": row.applicant,
                     "decision_date": row.decision_date.isoformat() if row.decision_date else None,
                     "device_class": row.device_class, "ce_class": row.ce_class,
                     "product_code": row.product_code, "status": row.status,
                     "source": row.source, "composed": row.composed},
            products=products, companies=names.company(company_id),
            provenance=_provenance(row.source_url or row.summary_url, f"registration/{row.id}",
                                   "Registration.created_at in the period (first recorded by the store)"))
        (fda if section == "fda_clearances" else ce).append(item)
    return fda, ce


def _products(session: Session, period: Period, names: _Names) -> list[Item]:
    out: list[Item] = []
    for row in session.exec(select(Product).where(_in(col(Product.created_at), period))
                            .order_by(col(Product.created_at), col(Product.id))).all():
        if row.id is None or not names.counted(row.id):
            continue
        out.append(Item(
            section="products", key=f"product/{row.id}", title=row.display_name or row.name,
            recorded_at=aware(row.created_at),
            details={"slug": row.slug, "name": row.name, "kind": row.kind,
                     "company": names.companies.get(row.company_id, ""),
                     "product_type": row.product_type, "modality": row.modality,
                     "subspecialty": row.subspecialty, "source": row.source, "composed": row.composed},
            products=[names.product(row.id)], companies=names.company(row.company_id),
            provenance=_provenance(row.source_url, f"product/{row.id}",
                                   "Product.created_at in the period (first recorded by the store)")))
    return out


def _companies(session: Session, period: Period, names: _Names) -> list[Item]:
    owned: dict[int, list[int]] = {}
    for pid, (_slug, _name, cid, _kind) in names.products.items():
        owned.setdefault(cid, []).append(pid)
    out: list[Item] = []
    for row in session.exec(select(Company).where(_in(col(Company.created_at), period))
                            .order_by(col(Company.created_at), col(Company.id))).all():
        cid = row.id or 0
        products = [pid for pid in owned.get(cid, []) if names.counted(pid)]
        if owned.get(cid) and not products:
            continue  # imaging systems only: left out like every figure
        out.append(Item(
            section="companies", key=f"company/{cid}", title=row.name, recorded_at=aware(row.created_at),
            details={"name": row.name, "country": row.country, "kind": row.kind,
                     "products": [names.products[p][1] for p in sorted(products)],
                     "source": row.source, "composed": row.composed},
            products=[names.product(p) for p in sorted(products)], companies=names.company(cid),
            provenance=_provenance(row.source_url, f"company/{cid}",
                                   "Company.created_at in the period (first recorded by the store)")))
    return out


def _paper(pub: Publication, level: str | None) -> dict[str, Any]:
    return {"id": pub.id, "pmid": pub.pmid, "doi": pub.doi, "title": pub.title, "year": pub.year,
            "journal": pub.journal, "level": level}


def _paper_url(pub: Publication) -> str:
    """The paper's canonical address (``tracker.store.refs.paper_url``)."""
    return paper_url(pub.pmid, pub.doi, pub.source_url)


def _text(pub: Publication) -> str:
    return f"{pub.title}\n{pub.abstract or ''}"


def _links(session: Session, period: Period, names: _Names) -> list[Item]:
    auto = session.exec(select(PaperProductLink).where(_in(col(PaperProductLink.created_at), period))
                        .order_by(col(PaperProductLink.created_at), col(PaperProductLink.id))).all()
    decided = session.exec(select(Override).where(Override.target == "link", Override.field_name == "link",
                                                  _in(col(Override.created_at), period))
                           .order_by(col(Override.created_at), col(Override.id))).all()
    pub_ids = sorted({r.publication_id for r in auto} | {r.publication_id for r in decided})
    if not pub_ids:
        return []
    decisions = load_decisions(session, publication_ids=pub_ids)
    pubs = {p.id: p for p in session.exec(select(Publication).where(col(Publication.id).in_(pub_ids)))}
    levels = {pid: g.level for pid, g in effective_grades(session, pub_ids).items()}
    auto_pairs = set(session.exec(select(PaperProductLink.publication_id, PaperProductLink.product_id)  # type: ignore[call-overload]
                                  .where(col(PaperProductLink.publication_id).in_(pub_ids))).all())
    pairs: dict[tuple[int, int], Item] = {}
    for row in auto:
        if not names.counted(row.product_id) or decisions.link(row.publication_id, row.product_id) is False:
            continue
        pub = pubs[row.publication_id]
        pairs[(row.publication_id, row.product_id)] = Item(
            section="paper_links", key=f"link/{row.id}", title=pub.title, recorded_at=aware(row.created_at),
            date=pub.pub_date,
            details={"paper": _paper(pub, levels.get(pub.id or 0)), "action": "linked", "by": "linker",
                     "score": round(row.score, 3), "method": row.method, "model_version": row.model_version},
            products=[names.product(row.product_id)],
            companies=names.company(names.company_of(row.product_id)),
            provenance=_provenance(_paper_url(pub), f"link/{row.id}",
                                   "PaperProductLink.created_at in the period (first linked by the linker)"),
            text=_text(pub))
    for decision in decided:
        pid = decision.product_id
        current = decisions.link_decision(decision.publication_id, pid or 0) if pid is not None else None
        if pid is None or current is None or current.override_id != decision.id or not names.counted(pid):
            continue  # a later decision stands (it is reported, if in the period)
        pub = pubs[decision.publication_id]
        accepted = accepts(decision.value)
        has_auto = (decision.publication_id, pid) in auto_pairs
        action = ("confirmed" if has_auto else "hand link") if accepted else "rejected"
        earlier = pairs.pop((decision.publication_id, pid), None)
        if earlier is not None and not accepted:
            earlier = None
        rule = f"Override #{decision.id} by {decision.author} in the period (a person's link decision)"
        if earlier is not None:
            rule += "; " + earlier.provenance["rule"]
        pairs[(decision.publication_id, pid)] = Item(
            section="paper_links", key=f"override/{decision.id}", title=pub.title, recorded_at=aware(decision.created_at),
            date=pub.pub_date,
            details={"paper": _paper(pub, levels.get(pub.id or 0)), "action": action, "by": decision.author,
                     "reason": decision.reason, **({"score": earlier.details["score"], "method": earlier.details["method"]}
                                               if earlier is not None else {})},
            products=[names.product(pid)], companies=names.company(names.company_of(pid)),
            provenance=_provenance(_paper_url(pub), f"override/{decision.id}", rule),
            text=_text(pub))
    return sorted(pairs.values(), key=_order)


def _level_changes(session: Session, period: Period, names: _Names) -> list[Item]:
    auto = session.exec(select(EvidenceGrade).where(_in(col(EvidenceGrade.level_changed_at), period))
                        .order_by(col(EvidenceGrade.level_changed_at), col(EvidenceGrade.id))).all()
    people = session.exec(select(Override).where(Override.target == "grade", Override.field_name == "level",
                                                 _in(col(Override.created_at), period))
                          .order_by(col(Override.created_at), col(Override.id))).all()
    pub_ids = sorted({g.publication_id for g in auto} | {o.publication_id for o in people})
    if not pub_ids:
        return []
    linked = evidence_set(session, publication_ids=pub_ids).index_by_paper()
    pubs = {p.id: p for p in session.exec(select(Publication).where(col(Publication.id).in_(pub_ids)))}
    effective = effective_grades(session, pub_ids)
    grades = {g.publication_id: g for g in session.exec(
        select(EvidenceGrade).where(col(EvidenceGrade.publication_id).in_(pub_ids)))}
    history: dict[int, list[Override]] = {}
    for row in session.exec(select(Override).where(Override.target == "grade", Override.field_name == "level",
                                                   col(Override.publication_id).in_(pub_ids))
                            .order_by(col(Override.created_at), col(Override.id))).all():
        history.setdefault(row.publication_id, []).append(row)
    out: list[Item] = []

    def add(pub_id: int, key: str, old: Any, new: Any, by: str, at: datetime | None, rule: str,
            extra: dict[str, Any]) -> None:
        products = sorted(p for p in linked.get(pub_id, set()) if names.counted(p))
        if not products:
            return  # evidence for no counted product
        pub = pubs[pub_id]
        grade = effective.get(pub_id)
        out.append(Item(
            section="level_changes", key=key, title=pub.title, recorded_at=at,
            details={"paper": _paper(pub, grade.level if grade else None), "old": old, "new": new,
                     "by": by, **extra},
            products=[names.product(p) for p in products],
            companies=[c for p in products for c in names.company(names.company_of(p))],
            provenance=_provenance(_paper_url(pub), key, rule), text=_text(pub)))

    for g in auto:
        now = effective.get(g.publication_id)
        add(g.publication_id, f"grade/{g.id}", g.previous_level, g.level, "grader", aware(g.level_changed_at),
            "EvidenceGrade.level_changed_at in the period (the grader changed the level)",
            {"model_version": g.model_version,  # overridden: a person's level stands over the grader's
             "overridden": bool(now and "level" in now.overridden)})
    for o in people:
        before = [h for h in history.get(o.publication_id, []) if (h.created_at, h.id or 0) < (o.created_at, o.id or 0)]
        grade = grades.get(o.publication_id)
        old = before[-1].value if before else (grade.level if grade else None)
        add(o.publication_id, f"override/{o.id}", old, o.value, o.author, aware(o.created_at),
            f"Override #{o.id} by {o.author} in the period (a person's level)",
            {"reason": o.reason, "confirmed": old == o.value})
    return sorted(out, key=_order)


def _events(session: Session, period: Period, names: _Names, min_confidence: float) -> list[Item]:
    out: list[Item] = []
    for row in session.exec(select(CompanyEvent).where(_in(col(CompanyEvent.created_at), period))
                            .order_by(col(CompanyEvent.created_at), col(CompanyEvent.id))).all():
        if not is_trusted(row) and row.confidence < min_confidence:
            continue
        company = names.companies.get(row.company_id, f"company {row.company_id}")
        other = names.companies.get(row.counterparty_id or -1)
        title = f"{row.event_type}: {company}" + (f" (counterparty: {other})" if other else "")
        out.append(Item(
            section="market_events", key=f"event/{row.id}", title=title, recorded_at=aware(row.created_at),
            date=row.event_date,
            details={"event_type": row.event_type, "company": company, "counterparty": other,
                     "event_date": row.event_date.isoformat() if row.event_date else None,
                     "date_precision": row.date_precision, "status": row.status, "origin": row.origin,
                     "confidence": row.confidence, "confirmed": row.confirmed, "sentence": row.sentence,
                     "note": row.note},
            companies=names.company(row.company_id) + names.company(row.counterparty_id),
            provenance=_provenance(row.source_url, f"event/{row.id}",
                                   f"CompanyEvent.created_at in the period ({row.origin} event)")))
    return out


def new_papers(session: Session, period: Period) -> list[Item]:
    """Papers first recorded in the period (for query watches)."""
    out: list[Item] = []
    for pub in session.exec(select(Publication).where(_in(col(Publication.created_at), period))
                            .order_by(col(Publication.created_at), col(Publication.id))).all():
        out.append(Item(
            section=NEW_PAPERS, key=f"publication/{pub.id}", title=pub.title, recorded_at=aware(pub.created_at),
            date=pub.pub_date, details={"paper": _paper(pub, None), "source": pub.source},
            provenance=_provenance(_paper_url(pub), f"publication/{pub.id}",
                                   "Publication.created_at in the period (first recorded by the store)"),
            text=_text(pub)))
    return out


def collect_changes(session: Session, period: Period, *, include_systems: bool = False,
                    min_confidence: float = 0.7, with_new_papers: bool = False) -> Changes:
    """Every section for the period (see the module docstring for the rules)."""
    names = _Names(session, include_systems)
    fda, ce = _registrations(session, period, names)
    changes = Changes(period, include_systems, sections={
        "fda_clearances": fda,
        "ce_registrations": ce,
        "products": _products(session, period, names),
        "companies": _companies(session, period, names),
        "paper_links": _links(session, period, names),
        "level_changes": _level_changes(session, period, names),
        "market_events": _events(session, period, names, min_confidence),
    })
    if with_new_papers:
        changes.new_papers = new_papers(session, period)
    return changes
