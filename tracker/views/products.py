# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""The products table: one row per product with owner, registrations and evidence counts."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.db.models import Company, Product, Registration
from tracker.evidence.effective import EvidenceSet, evidence_set
from tracker.evidence.vocabulary import LEVELS, rank
from tracker.products.tasks import TaskMatch, device_names_by_product, findings_list, tasks_of
from tracker.store.universe import counted
from tracker.views.ownership import Ownership, load_ownership

CE_ORDER = ("I", "IIa", "IIb", "III")


@dataclass
class ProductRow:
    id: int
    slug: str
    name: str
    company_id: int
    company: str
    owner: str
    modality: str
    subspecialty: str
    ce_class: str
    fda_pathway: str
    first_registration: date | None
    last_registration: date | None
    counts: dict[str, int] = field(default_factory=dict)
    papers: int = 0
    highest: str | None = None
    source_url: str = ""
    kind: str = "software"
    product_type: str = ""
    family: str = ""
    composed: bool = False
    findings: list[str] = field(default_factory=list)
    """The findings its sources state (``Product.findings``), as stored."""
    task_matches: list[TaskMatch] = field(default_factory=list)
    """Its clinical tasks (``tracker.products.tasks``), each with the rule and words that named it."""

    @property
    def tasks(self) -> list[str]:
        return [m.label for m in self.task_matches]

    def text(self) -> str:
        """What the free-text filter searches (folded)."""
        return " ".join([self.name, self.slug, self.company, self.owner, self.modality,
                         self.subspecialty, self.product_type, self.family, self.kind,
                         self.ce_class, self.fda_pathway, *self.findings, *self.tasks]).casefold()


def _ce_rank(value: str | None) -> int:
    value = (value or "").replace("Class", "").strip()
    return CE_ORDER.index(value) if value in CE_ORDER else -1


@lru_cache(maxsize=256)
def _finding_pattern(query: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(query) + r"(?!\w)", re.IGNORECASE)


def has_finding(row: ProductRow, query: str) -> bool:
    """The one rule for "this product is for this finding or task" (the TUI's finding filter,
    ``compare.task_products``, the report's per-task comparison): ``query`` matches one of
    its clinical tasks or its stated findings (``finding_matches``)."""
    return finding_matches(query, [*row.tasks, *row.findings])


def finding_matches(query: str, findings: Iterable[str]) -> bool:
    """The one rule for "has this finding" (the finding filter, ``compare.task_products``):
    an element equals ``query`` ignoring case and surrounding space, or contains it as whole
    words (``"LVO"`` matches ``"Suspected LVO"``, not ``"LVOX"``). An empty query matches
    nothing."""
    wanted = " ".join(query.split())
    if not wanted:
        return False
    folded = wanted.casefold()
    pattern = _finding_pattern(wanted)
    return any(" ".join(f.split()).casefold() == folded or pattern.search(f) for f in findings)


def _registration_facts(session: Session) -> dict[int, dict[str, Any]]:
    """Per product: regulators' pathways, the highest CE class, first and last decision."""
    rows = session.execute(
        select(Registration.product_id, Registration.regulator, Registration.kind,
               Registration.ce_class, func.min(Registration.decision_date),
               func.max(Registration.decision_date))
        .where(Registration.product_id.is_not(None))  # type: ignore[union-attr]
        .group_by(Registration.product_id, Registration.regulator, Registration.kind,
                  Registration.ce_class))
    facts: dict[int, dict[str, Any]] = {}
    for product_id, regulator, kind, ce_class, first, last in rows:
        f = facts.setdefault(product_id, {"fda": set(), "ce": None, "first": None, "last": None})
        if regulator == "FDA":
            f["fda"].add(kind)
        if ce_class and _ce_rank(ce_class) > _ce_rank(f["ce"]):
            f["ce"] = ce_class
        if first and (f["first"] is None or first < f["first"]):
            f["first"] = first
        if last and (f["last"] is None or last > f["last"]):
            f["last"] = last
    return facts


def product_rows(session: Session, *, evidence: EvidenceSet | None = None,
                 ownership: Ownership | None = None, include_systems: bool = False) -> list[ProductRow]:
    """Every AI software product (imaging systems too with ``include_systems``), ordered by
    company then name; ``name`` is the product's unique display name."""
    evidence = evidence or evidence_set(session)
    ownership = ownership or load_ownership(session)
    companies = dict(session.execute(select(Company.id, Company.name)).all())  # type: ignore[arg-type]
    facts = _registration_facts(session)
    device_names = device_names_by_product(session)
    rows: list[ProductRow] = []
    query = select(Product.id, Product.slug, Product.display_name, Product.name, Product.company_id,
                   Product.modality, Product.subspecialty, Product.source_url, Product.kind,
                   Product.product_type, Product.family, Product.composed, Product.findings
                   ).where(counted(include_systems))
    for (pid, slug, display, name, company_id, modality, subspecialty, url, kind, product_type, family,
         composed, findings) in session.execute(query):
        raw_name, name = name, display or name
        f = facts.get(pid, {})
        ev = evidence.products.get(pid)
        owner_id = ownership.ultimate_parent(company_id)
        rows.append(ProductRow(
            id=pid, slug=slug, name=name, company_id=company_id,
            company=companies.get(company_id, "?"),
            owner=companies.get(owner_id, "?") if owner_id != company_id else "independent",
            modality=modality or "", subspecialty=subspecialty or "",
            ce_class=f.get("ce") or "", fda_pathway="/".join(sorted(f.get("fda", ()))),
            first_registration=f.get("first"), last_registration=f.get("last"),
            counts=dict(ev.counts) if ev else {}, papers=len(ev.papers) if ev else 0,
            highest=ev.highest if ev else None, source_url=url or "", kind=kind or "software",
            product_type=product_type or "", family=family or "", composed=bool(composed),
            findings=findings_list(findings),
            task_matches=tasks_of(raw_name, display or "", device_names.get(pid, []),
                                   findings_list(findings))))
    rows.sort(key=lambda r: (r.company.casefold(), r.name.casefold(), r.slug))
    return rows


SORT_KEYS: dict[str, Any] = {
    "product": lambda r: r.name.casefold(),
    "company": lambda r: r.company.casefold(),
    "owner": lambda r: r.owner.casefold(),
    "modality": lambda r: r.modality.casefold(),
    "subspecialty": lambda r: r.subspecialty.casefold(),
    "type": lambda r: r.product_type,
    "ce": lambda r: _ce_rank(r.ce_class),
    "fda": lambda r: r.fda_pathway,
    "first": lambda r: r.first_registration or date.min,
    "last": lambda r: r.last_registration or date.min,
    "papers": lambda r: r.papers,
    "highest": lambda r: rank(r.highest),
    **{f"L{level}": (lambda r, lv=level: r.counts.get(lv, 0)) for level in LEVELS},
}
"""Sort keys by column key (the TUI's column keys are the same)."""


def filter_rows(rows: list[ProductRow], *, text: str = "", min_level: str | None = None,
                subspecialty: str | None = None, product_type: str | None = None,
                finding: str | None = None) -> list[ProductRow]:
    """Rows whose fields contain every word of ``text`` and whose highest level is at least
    ``min_level``. A word ``level>=3`` in the text sets the minimum too. ``subspecialty``
    and ``product_type`` keep rows whose value is that one (ignoring case); ``finding``
    keeps rows with that finding or task (``has_finding``). ``None`` leaves a filter off."""
    words = []
    for word in text.casefold().split():
        if word.startswith("level>="):
            min_level = word.removeprefix("level>=")
        else:
            words.append(word)
    floor = rank(min_level) if min_level else -1
    sub = subspecialty.strip().casefold() if subspecialty is not None else None
    kind = product_type.strip().casefold() if product_type is not None else None
    return [r for r in rows if all(w in r.text() for w in words)
            and (floor < 0 or rank(r.highest) >= floor)
            and (sub is None or r.subspecialty.strip().casefold() == sub)
            and (kind is None or r.product_type.strip().casefold() == kind)
            and (finding is None or has_finding(r, finding))]


def sort_rows(rows: list[ProductRow], *, key: str, reverse: bool = False) -> list[ProductRow]:
    return sorted(rows, key=SORT_KEYS[key], reverse=reverse)
