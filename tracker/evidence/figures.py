# mypy: disable-error-code="call-overload"
"""The reference figures of the two published reviews, computed from the store beside the
published values (docs/domain.md, "Reference figures").

One table holds the published values and each figure's definition; one function computes
them from an :class:`~tracker.evidence.effective.EvidenceSet`. ``tracker stats --evidence``,
the nightly report, the demo summary and the TUI's gaps screen all read it.

Rules (each figure's provenance):

- product-level: every product in the store is the denominator; a product "has peer-reviewed
  evidence" when one of its effectively linked papers is peer-reviewed evidence
  (:mod:`tracker.evidence.effective`); "level >= 3" takes its highest peer-reviewed level;
- product features: among products with peer-reviewed evidence, the share with one such
  paper coded multicentre / multinational / prospective / vendor-independent;
- paper-level: the peer-reviewed evidence papers linked to any product; when the store has
  no links at all, every graded non-retracted, non-preprint paper with a level, and ``basis``
  says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.db.models import Product, Publication
from tracker.evidence.effective import EvidenceSet, effective_grades, evidence_set
from tracker.evidence.vocabulary import FEATURE_LABELS, LEVELS, rank

PUBLISHED_SOURCES = {
    "2021": "van Leeuwen et al., Eur Radiol 2021, doi:10.1007/s00330-021-07892-z "
            "(CE-marked products by April 2020)",
    "2025": "Antonissen et al. 2025 follow-up (literature to March 2023)",
}


@dataclass(frozen=True)
class Reference:
    key: str
    label: str
    scope: str  # product | paper
    published_2021: str
    published_2025: str
    definition: str


REFERENCES: tuple[Reference, ...] = (
    Reference("products", "products", "product", "100", "173", "products in the store"),
    Reference("vendors", "vendors", "product", "54", "90", "companies with a product"),
    Reference("products_with_evidence", "products with peer-reviewed evidence", "product",
              "36%", "66%", "products with >= 1 peer-reviewed evidence paper / all products"),
    Reference("products_level3plus", "products with evidence at level >= 3", "product",
              "18%", "31%", "products whose highest peer-reviewed level is 3-6 / all products"),
    Reference("papers", "papers", "paper", "237", "639",
              "peer-reviewed evidence papers linked to a product"),
    Reference("papers_level2", "papers at level 2", "paper", "65%", "57%",
              "papers at level 2 / papers"),
    Reference("papers_level3_6", "papers at levels 3-6", "paper", "22%", "24%",
              "papers at levels 3, 4, 5 or 6 / papers"),
    Reference("multicentre", "multicentre papers", "paper", "30%", "41%",
              "papers coded multicentre / papers"),
    Reference("multinational", "multinational papers", "paper", "15%", "11%",
              "papers coded multinational / papers"),
    Reference("prospective", "prospective papers", "paper", "19%", "16%",
              "papers coded prospective / papers"),
    Reference("vendor_independent", "vendor-independent papers", "paper", "49%", "45%",
              "papers coded vendor-independent / papers"),
)
"""The published reference figures (2021 review, 2025 follow-up) with their definitions."""

BY_KEY = {ref.key: ref for ref in REFERENCES}
HEADLINE = ("products_with_evidence", "products_level3plus", "papers_level2", "papers_level3_6",
            "vendor_independent", "vendor_independence_stated")
"""The few figures of summaries (the demo, the nightly report)."""

_FEATURE_KEYS = ("multicentre", "multinational", "prospective", "vendor_independent")


@dataclass
class Figure:
    key: str
    label: str
    part: int
    whole: int | None  # None for a plain count
    published: tuple[str, str] | None = None

    @property
    def value(self) -> str:
        if self.whole is None:
            return str(self.part)
        return f"{100 * self.part / self.whole:.0f}% ({self.part}/{self.whole})" if self.whole \
            else "- (0/0)"

    def with_published(self) -> str:
        if self.published is None:
            return self.value
        return f"{self.value}  [2021: {self.published[0]}, 2025: {self.published[1]}]"


@dataclass
class Figures:
    basis: str
    figures: dict[str, Figure] = field(default_factory=dict)

    def value(self, key: str) -> str:
        return self.figures[key].value if key in self.figures else "-"

    def report(self) -> dict[str, Any]:
        """Label -> value with the published values beside it (CLI, nightly report)."""
        out: dict[str, Any] = {"basis": self.basis}
        out.update({fig.label: fig.with_published() for fig in self.figures.values()})
        return out


def _add(figs: Figures, key: str, label: str, part: int, whole: int | None) -> None:
    ref = BY_KEY.get(key)
    published = (ref.published_2021, ref.published_2025) if ref else None
    figs.figures[key] = Figure(key, label, part, whole, published)


def compute_figures(evidence: EvidenceSet, *, products: int, vendors: int,
                    papers: Sequence[tuple[str | None, dict[str, bool | None], bool]] | None = None,
                    basis: str = "") -> Figures:
    """Every figure from an evidence set; ``papers`` (level, features, overridden) replaces the linked
    peer-reviewed papers as the paper-level basis when given."""
    figs = Figures(basis or "peer-reviewed evidence papers linked to a product "
                   "(overrides applied; not retracted, not preprints, with a level)")
    summaries = [ev for ev in evidence.products.values() if ev.peer_reviewed]
    _add(figs, "products", "products", products, None)
    _add(figs, "vendors", "vendors", vendors, None)
    _add(figs, "products_with_evidence", "product: with peer-reviewed evidence",
         len(summaries), products)
    _add(figs, "products_level3plus", "product: evidence at level >= 3",
         sum(1 for ev in summaries if rank(ev.highest_peer_reviewed) >= rank("3")), products)
    for name in _FEATURE_KEYS:
        _add(figs, f"products_{name}", f"product: with a {FEATURE_LABELS[name]} paper",
             sum(1 for ev in summaries if ev.has_feature(name)), len(summaries))
    if papers is None:
        chosen = {p.publication_id: p for ev in summaries for p in ev.peer_reviewed_papers}
        papers = [(p.level, p.features, p.overridden) for p in chosen.values()]
    n = len(papers)
    _add(figs, "papers", "evidence papers", n, None)
    for level in LEVELS:
        key = "papers_level2" if level == "2" else f"papers_level{level}"
        _add(figs, key, f"paper: at level {level}", sum(1 for lv, _, _ in papers if lv == level), n)
    _add(figs, "papers_level3_6", "paper: at levels 3-6",
         sum(1 for lv, _, _ in papers if rank(lv) >= rank("3")), n)
    for name in _FEATURE_KEYS:
        _add(figs, name, f"paper: {FEATURE_LABELS[name]}",
             sum(1 for _, f, _ in papers if f.get(name) is True), n)
    # abstracts rarely carry a conflict statement: say how many papers state independence
    # either way, so a low share is read as "unknown", not as "dependent"
    _add(figs, "vendor_independence_stated", "paper: vendor independence stated",
         sum(1 for _, f, _ in papers if f.get("vendor_independent") is not None), n)
    _add(figs, "papers_overridden", "paper: overridden by a person",
         sum(1 for _, _, by_person in papers if by_person), n)
    return figs


def counted_evidence(evidence: EvidenceSet, product_ids: set[int]) -> EvidenceSet:
    """The part of an evidence set about the given products (their links and papers)."""
    links = [lk for lk in evidence.links if lk.product_id in product_ids]
    papers = {lk.publication_id for lk in links}
    return EvidenceSet(products={k: v for k, v in evidence.products.items() if k in product_ids},
                       papers={k: v for k, v in evidence.papers.items() if k in papers}, links=links,
                       rejected=[lk for lk in evidence.rejected if lk.product_id in product_ids])


def store_figures(session: Session, evidence: EvidenceSet | None = None, *,
                  include_systems: bool = False) -> Figures:
    """The figures of the whole store (the evidence set is read when not given): AI
    software products only, unless ``include_systems`` (``tracker.store.universe``)."""
    from tracker.store.universe import counted

    evidence = evidence if evidence is not None else evidence_set(session)
    ids = set(session.execute(select(Product.id).where(counted(include_systems))).scalars())
    evidence = counted_evidence(evidence, ids)
    n_products = len(ids)
    n_vendors = session.execute(select(func.count(func.distinct(Product.company_id)))
                                .where(counted(include_systems))).scalar_one()
    if evidence.links:
        return compute_figures(evidence, products=n_products, vendors=n_vendors)
    flags = {pid: (retracted, preprint) for pid, retracted, preprint in session.execute(
        select(Publication.id, Publication.is_retracted, Publication.is_preprint))}
    papers = [(g.level, g.features(), bool(g.overridden))
              for pid, g in effective_grades(session).items()
              if g.level is not None and flags.get(pid, (True, True)) == (False, False)]
    return compute_figures(evidence, products=n_products, vendors=n_vendors, papers=papers,
                           basis="no links in the store: every graded peer-reviewed paper "
                                 "with a level (not retracted, not a preprint)")


def evidence_figures(session: Session, *, include_systems: bool = False) -> dict[str, Any]:
    """``tracker stats --evidence``: label -> store value with the published values."""
    return store_figures(session, include_systems=include_systems).report()


def headline_figures(session: Session) -> dict[str, str]:
    """A few of the figures for summaries (the demo, the nightly report)."""
    figs = store_figures(session)
    return {figs.figures[k].label: figs.figures[k].with_published() for k in HEADLINE
            if k in figs.figures}
