# mypy: disable-error-code="call-overload"
"""The reference figures of the two published reviews, computed from the store beside the
published values (docs/domain.md, "Reference figures").

One table holds the published values and each figure's definition; one function
(``_figures``) computes them from the tallies of :mod:`tracker.evidence.effective` (a
``ProductSummary`` per counted product, a ``PaperTally`` of the papers). ``store_figures``
counts those in SQL (:func:`~tracker.evidence.effective.evidence_summary`) unless it is given
an :class:`~tracker.evidence.effective.EvidenceSet` already read (the HTML report's;
:func:`compute_figures`). ``tracker stats --evidence``, the nightly report, the demo summary
and the TUI's gaps screen all read it.

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.db.models import Product
from tracker.evidence.effective import (
    EvidenceSet,
    EvidenceSummary,
    PaperTally,
    ProductSummary,
    evidence_summary,
    graded_papers_tally,
)
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


LINKED_BASIS = ("peer-reviewed evidence papers linked to a product "
                "(overrides applied; not retracted, not preprints, with a level)")
GRADED_BASIS = ("no links in the store: every graded peer-reviewed paper "
                "with a level (not retracted, not a preprint)")


def _figures(products: Iterable[ProductSummary], papers: PaperTally, *, n_products: int,
             vendors: int, basis: str) -> Figures:
    """Every figure from the counted products' evidence and the paper-level tally."""
    figs = Figures(basis)
    summaries = [ev for ev in products if ev.peer_reviewed]
    _add(figs, "products", "products", n_products, None)
    _add(figs, "vendors", "vendors", vendors, None)
    _add(figs, "products_with_evidence", "product: with peer-reviewed evidence",
         len(summaries), n_products)
    _add(figs, "products_level3plus", "product: evidence at level >= 3",
         sum(1 for ev in summaries if rank(ev.highest_peer_reviewed) >= rank("3")), n_products)
    for name in _FEATURE_KEYS:
        _add(figs, f"products_{name}", f"product: with a {FEATURE_LABELS[name]} paper",
             sum(1 for ev in summaries if ev.has_feature(name)), len(summaries))
    n = papers.papers
    _add(figs, "papers", "evidence papers", n, None)
    for level in LEVELS:
        key = "papers_level2" if level == "2" else f"papers_level{level}"
        _add(figs, key, f"paper: at level {level}", papers.levels[level], n)
    _add(figs, "papers_level3_6", "paper: at levels 3-6",
         sum(count for lv, count in papers.levels.items() if rank(lv) >= rank("3")), n)
    for name in _FEATURE_KEYS:
        _add(figs, name, f"paper: {FEATURE_LABELS[name]}", papers.features[name], n)
    # abstracts rarely carry a conflict statement: say how many papers state independence
    # either way, so a low share is read as "unknown", not as "dependent"
    _add(figs, "vendor_independence_stated", "paper: vendor independence stated",
         papers.stated["vendor_independent"], n)
    _add(figs, "papers_overridden", "paper: overridden by a person", papers.overridden, n)
    return figs


def compute_figures(evidence: EvidenceSet, *, products: int, vendors: int,
                    papers: Sequence[tuple[str | None, dict[str, bool | None], bool]] | None = None,
                    basis: str = "") -> Figures:
    """Every figure from an evidence set; ``papers`` (level, features, overridden) replaces the linked
    peer-reviewed papers as the paper-level basis when given."""
    summaries = [ev.summary() for ev in evidence.products.values()]
    tally = PaperTally()
    if papers is None:
        chosen = {p.publication_id: p for ev in evidence.products.values()
                  for p in ev.peer_reviewed_papers}
        papers = [(p.level, p.features, p.overridden) for p in chosen.values()]
    for level, features, overridden in papers:
        tally.add(level, features, overridden)
    return _figures(summaries, tally, n_products=products, vendors=vendors,
                    basis=basis or LINKED_BASIS)


def counted_evidence(evidence: EvidenceSet, product_ids: set[int]) -> EvidenceSet:
    """The part of an evidence set about the given products (their links and papers)."""
    links = [lk for lk in evidence.links if lk.product_id in product_ids]
    papers = {lk.publication_id for lk in links}
    return EvidenceSet(products={k: v for k, v in evidence.products.items() if k in product_ids},
                       papers={k: v for k, v in evidence.papers.items() if k in papers}, links=links,
                       rejected=[lk for lk in evidence.rejected if lk.product_id in product_ids])


def store_figures(session: Session, evidence: EvidenceSet | EvidenceSummary | None = None, *,
                  include_systems: bool = False) -> Figures:
    """The figures of the whole store: AI software products only, unless ``include_systems``
    (``tracker.store.universe``). Without ``evidence`` (or with a summary of another
    universe) they are counted in SQL (``evidence_summary``); an evidence set already read
    is counted as it is."""
    from tracker.store.universe import counted

    n_products, n_vendors = session.execute(
        select(func.count(), func.count(func.distinct(Product.company_id)))
        .where(counted(include_systems))).one()
    if isinstance(evidence, EvidenceSet):
        ids = set(session.execute(select(Product.id).where(counted(include_systems))).scalars())
        evidence = counted_evidence(evidence, ids)
        if evidence.links:
            return compute_figures(evidence, products=n_products, vendors=n_vendors)
        return _figures([], graded_papers_tally(session), n_products=n_products,
                        vendors=n_vendors, basis=GRADED_BASIS)
    if evidence is None or evidence.include_systems != include_systems:
        evidence = evidence_summary(session, include_systems=include_systems)
    if evidence.links:
        return _figures(evidence.products.values(), evidence.papers, n_products=n_products,
                        vendors=n_vendors, basis=LINKED_BASIS)
    return _figures([], graded_papers_tally(session), n_products=n_products, vendors=n_vendors,
                    basis=GRADED_BASIS)


def evidence_figures(session: Session, *, include_systems: bool = False) -> dict[str, Any]:
    """``tracker stats --evidence``: label -> store value with the published values."""
    return store_figures(session, include_systems=include_systems).report()


def headline_figures(session: Session) -> dict[str, str]:
    """A few of the figures for summaries (the demo, the nightly report)."""
    figs = store_figures(session)
    return {figs.figures[k].label: figs.figures[k].with_published() for k in HEADLINE
            if k in figs.figures}
