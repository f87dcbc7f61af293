"""Evidence gaps: which products lack peer-reviewed, clinical, independent or prospective
evidence. Works on the same product rows and evidence set as the products table."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.views.evidence import EvidenceSet
from tracker.views.levels import LEVELS
from tracker.views.products import ProductRow

GAP_RULES: dict[str, str] = {
    "no_peer_reviewed": "no linked, graded, non-preprint paper",
    "only_technical": "evidence only at levels 1t, 1c or 2",
    "no_vendor_independent": "no graded paper coded vendor-independent",
    "no_prospective": "no graded paper coded prospective",
}
"""Each gap list and the rule that fills it."""

GAP_TITLES: dict[str, str] = {
    "no_peer_reviewed": "No peer-reviewed evidence",
    "only_technical": "Only technical evidence (1t-2)",
    "no_vendor_independent": "No vendor-independent study",
    "no_prospective": "No prospective study",
}


@dataclass
class Gaps:
    lists: dict[str, list[ProductRow]]
    total: int

    def share(self, name: str) -> float:
        return len(self.lists[name]) / self.total if self.total else 0.0


def evidence_gaps(rows: list[ProductRow], evidence: EvidenceSet) -> Gaps:
    lists: dict[str, list[ProductRow]] = {name: [] for name in GAP_RULES}
    for row in rows:
        ev = evidence.products.get(row.id)
        if ev is None or ev.peer_reviewed == 0:
            lists["no_peer_reviewed"].append(row)
        if ev is not None and ev.only_technical:
            lists["only_technical"].append(row)
        if ev is None or ev.feature_counts["vendor_independent"] == 0:
            lists["no_vendor_independent"].append(row)
        if ev is None or ev.feature_counts["prospective"] == 0:
            lists["no_prospective"].append(row)
    return Gaps(lists, len(rows))


def heatmap_totals(rows: list[ProductRow]) -> dict[str, int]:
    """Papers per level summed over the rows (the heat map's bottom line)."""
    return {level: sum(r.counts.get(level, 0) for r in rows) for level in LEVELS}


def heat_shade(count: int, peak: int) -> int:
    """0-4: how dark a heat-map cell is (0 for none; then quartiles of the peak)."""
    if count <= 0 or peak <= 0:
        return 0
    return min(4, 1 + (4 * (count - 1)) // max(peak, 1))
