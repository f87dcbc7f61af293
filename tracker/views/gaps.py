"""Evidence gaps over the products table: the gap lists of :mod:`tracker.evidence.gaps`
as product rows, and the heat map's totals and shades."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.evidence.effective import EvidenceSet, EvidenceSummary
from tracker.evidence.gaps import GAP_RULES, GAP_TITLES, gap_lists
from tracker.evidence.vocabulary import LEVELS
from tracker.views.products import ProductRow

__all__ = ["GAP_RULES", "GAP_TITLES", "Gaps", "evidence_gaps", "heat_shade", "heatmap_totals"]


@dataclass
class Gaps:
    lists: dict[str, list[ProductRow]]
    total: int

    def share(self, name: str) -> float:
        return len(self.lists[name]) / self.total if self.total else 0.0


def evidence_gaps(rows: list[ProductRow], evidence: EvidenceSet | EvidenceSummary) -> Gaps:
    """The products of each gap list, as rows of the products table (same order); the
    evidence read link by link or counted in SQL (``tracker.evidence.effective``)."""
    by_id = {row.id: row for row in rows}
    lists = gap_lists([row.id for row in rows], evidence)
    return Gaps({key: [by_id[pid] for pid in ids] for key, ids in lists.items()}, len(rows))


def heatmap_totals(rows: list[ProductRow]) -> dict[str, int]:
    """Papers per level summed over the rows (the heat map's bottom line)."""
    return {level: sum(r.counts.get(level, 0) for r in rows) for level in LEVELS}


def heat_shade(count: int, peak: int) -> int:
    """0-4: how dark a heat-map cell is (0 for none; then quartiles of the peak)."""
    if count <= 0 or peak <= 0:
        return 0
    return min(4, 1 + (4 * (count - 1)) // max(peak, 1))
