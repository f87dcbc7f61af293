"""``tracker stats --evidence``: DOMAIN.md's reference figures computed from the store.

Rules (each figure's provenance):
- evidence papers: papers effectively linked to a product (``tracker.review.effective_links``),
  not retracted, whose effective level (override first) is not null; preprints are left out
  of "peer-reviewed" evidence. When the store has no links at all, paper-level figures fall
  back to every graded paper and ``basis`` says so.
- product-level: share of all products with at least one evidence paper, and with one at
  level 3 or higher.
- product-level features: share of products with evidence that have at least one
  multicentre / multinational / prospective / vendor-independent evidence paper.
- paper-level: share of evidence papers per level, at levels 3-6, and with each feature true.
Published figures (van Leeuwen et al. 2021; Antonissen et al. 2025) stand beside each.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlmodel import Session, func, select

from tracker.db.models import Product, Publication
from tracker.grading.levels import LEVELS, rank

PUBLISHED = {
    "product: with peer-reviewed evidence": ("36%", "66%"),
    "product: evidence at level >= 3": ("18%", "31%"),
    "paper: at level 2": ("65%", "57%"),
    "paper: at levels 3-6": ("22%", "24%"),
    "paper: multicentre": ("30%", "41%"),
    "paper: multinational": ("15%", "11%"),
    "paper: prospective": ("19%", "16%"),
    "paper: vendor-independent": ("49%", "45%"),
}


FEATURES = (("multicentre", "multicentre"), ("multinational", "multinational"),
            ("prospective", "prospective"), ("vendor_independent", "vendor-independent"))


class _Flags(NamedTuple):
    is_retracted: bool
    is_preprint: bool


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "- (0/0)"


def _with_published(key: str, value: str) -> str:
    if key not in PUBLISHED:
        return value
    y2021, y2025 = PUBLISHED[key]
    return f"{value}  [2021: {y2021}, 2025: {y2025}]"


def evidence_figures(session: Session) -> dict[str, Any]:
    """The reference figures, store value first then the published 2021/2025 values."""
    from tracker.review import effective_grades, effective_links

    grades = effective_grades(session)
    links = effective_links(session)
    # only the two flags are needed: a column query, not 100k ORM objects with abstracts
    pubs = {row[0]: _Flags(row[1], row[2]) for row in session.exec(
        select(Publication.id, Publication.is_retracted, Publication.is_preprint))}
    n_products = session.exec(select(func.count()).select_from(Product)).one()
    n_vendors = session.exec(select(func.count(func.distinct(Product.company_id)))).one()

    def is_evidence(pub_id: int) -> bool:
        pub, grade = pubs.get(pub_id), grades.get(pub_id)
        return (pub is not None and not pub.is_retracted and grade is not None
                and grade.level is not None)

    products_best: dict[int, int] = {}
    product_papers: dict[int, list[Any]] = {}
    for link in links:
        pub = pubs.get(link.publication_id)
        if is_evidence(link.publication_id) and pub is not None and not pub.is_preprint:
            grade = grades[link.publication_id]
            products_best[link.product_id] = max(products_best.get(link.product_id, 0),
                                                 rank(grade.level))
            product_papers.setdefault(link.product_id, []).append(grade)
    if links:
        paper_ids = sorted({lk.publication_id for lk in links if is_evidence(lk.publication_id)})
        basis = "papers linked to a product (overrides applied), with a level, not retracted"
    else:
        paper_ids = sorted(i for i in grades if is_evidence(i))
        basis = "no links in the store: every graded paper with a level"
    papers = [grades[i] for i in paper_ids]
    n = len(papers)
    out: dict[str, Any] = {"basis": basis, "products": n_products, "vendors": n_vendors,
                           "evidence papers": n}
    rows: dict[str, str] = {
        "product: with peer-reviewed evidence": _pct(len(products_best), n_products),
        "product: evidence at level >= 3": _pct(
            sum(1 for r in products_best.values() if r >= rank("3")), n_products),
    }
    for name, label in FEATURES:
        rows[f"product: with a {label} paper"] = _pct(
            sum(1 for gs in product_papers.values() if any(getattr(g, name) is True for g in gs)),
            len(product_papers))
    for level in LEVELS:
        rows[f"paper: at level {level}"] = _pct(sum(1 for g in papers if g.level == level), n)
    rows["paper: at levels 3-6"] = _pct(sum(1 for g in papers if rank(g.level) >= rank("3")), n)
    for name, label in FEATURES:
        rows[f"paper: {label}"] = _pct(sum(1 for g in papers if getattr(g, name) is True), n)
    rows["paper: overridden by a person"] = _pct(sum(1 for g in papers if g.overridden), n)
    out.update({k: _with_published(k, v) for k, v in rows.items()})
    return out


HEADLINE = ("product: with peer-reviewed evidence", "product: evidence at level >= 3",
            "paper: at level 2", "paper: at levels 3-6", "paper: vendor-independent")


def headline_figures(session: Session) -> dict[str, str]:
    """A few of :func:`evidence_figures` for summaries (the demo, the nightly report)."""
    figures = evidence_figures(session)
    return {key: str(figures[key]) for key in HEADLINE if key in figures}
