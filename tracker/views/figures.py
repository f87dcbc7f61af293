"""The reference figures of DOMAIN.md computed from the store, beside the published ones.

``tracker.grading.figures.evidence_figures`` is the grading area's own computation; when it
is importable the TUI shows it, otherwise :func:`store_figures` (same definitions, from the
evidence set) is used and labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tracker.views.evidence import EvidenceSet
from tracker.views.levels import level_rank

PUBLISHED_SOURCES = {
    "2021": "van Leeuwen et al., Eur Radiol 2021, doi:10.1007/s00330-021-07892-z "
            "(CE-marked products by April 2020)",
    "2025": "Antonissen et al. 2025 follow-up (literature to March 2023)",
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    published_2021: str
    published_2025: str
    scope: str  # product | paper


PUBLISHED: tuple[Figure, ...] = (
    Figure("products", "products", "100", "173", "product"),
    Figure("vendors", "vendors", "54", "90", "product"),
    Figure("products_with_evidence", "products with peer-reviewed evidence", "36%", "66%", "product"),
    Figure("products_level3plus", "products with evidence at level >= 3", "18%", "31%", "product"),
    Figure("papers", "papers", "237", "639", "paper"),
    Figure("papers_level2", "papers at level 2", "65%", "57%", "paper"),
    Figure("papers_level3_6", "papers at levels 3-6", "22%", "24%", "paper"),
    Figure("multicentre", "multicentre papers", "30%", "41%", "paper"),
    Figure("multinational", "multinational papers", "15%", "11%", "paper"),
    Figure("prospective", "prospective papers", "19%", "16%", "paper"),
    Figure("vendor_independent", "vendor-independent papers", "49%", "45%", "paper"),
)
"""DOMAIN.md's table of reference figures (2021 paper, 2025 follow-up)."""


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}% ({part}/{whole})" if whole else "-"


def store_figures(evidence: EvidenceSet, *, products: int, vendors: int) -> dict[str, str]:
    """The figures of :data:`PUBLISHED` from the evidence set (rule: evidence.EvidenceSet)."""
    papers = [p for p in evidence.papers.values() if p.level is not None]
    n = len(papers)
    with_evidence = sum(1 for e in evidence.products.values() if e.peer_reviewed)
    level3 = sum(1 for e in evidence.products.values() if level_rank(e.highest) >= level_rank("3"))

    def share(name: str) -> str:
        return _pct(sum(1 for p in papers if p.features.get(name) is True), n)

    return {
        "products": str(products), "vendors": str(vendors),
        "products_with_evidence": _pct(with_evidence, products),
        "products_level3plus": _pct(level3, products),
        "papers": str(n),
        "papers_level2": _pct(sum(1 for p in papers if p.level == "2"), n),
        "papers_level3_6": _pct(sum(1 for p in papers if level_rank(p.level) >= 3), n),
        **{name: share(name) for name in ("multicentre", "multinational", "prospective",
                                           "vendor_independent")},
    }


GRADING_KEYS = {
    "products": "products", "vendors": "vendors", "evidence papers": "papers",
    "product: with peer-reviewed evidence": "products_with_evidence",
    "product: evidence at level >= 3": "products_level3plus",
    "paper: at level 2": "papers_level2", "paper: at levels 3-6": "papers_level3_6",
    "paper: multicentre": "multicentre", "paper: multinational": "multinational",
    "paper: prospective": "prospective", "paper: vendor-independent": "vendor_independent",
}
"""tracker.grading.figures keys -> the keys of :data:`PUBLISHED`."""


def grading_figures(session: Any) -> dict[str, str] | None:
    """The grading area's figures (``tracker stats --evidence``) keyed like :data:`PUBLISHED`,
    with its ``basis`` rule; None when that module is missing."""
    try:
        from tracker.grading.figures import evidence_figures
    except ImportError:
        return None
    raw = evidence_figures(session)
    out = {mine: str(raw[theirs]).split("  [")[0] for theirs, mine in GRADING_KEYS.items()
           if theirs in raw}
    out["basis"] = str(raw.get("basis", ""))
    return out
