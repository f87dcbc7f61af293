"""Evidence gaps: which products lack peer-reviewed, clinical, independent or prospective
evidence. One rule for the TUI's gap lists, the ``gaps`` export and the report, over a product's
evidence read link by link (``ProductEvidence``) or counted in SQL (``ProductSummary``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tracker.evidence.effective import (
    EvidenceSet,
    EvidenceSummary,
    ProductEvidence,
    ProductSummary,
)


@dataclass(frozen=True)
class GapRule:
    key: str
    title: str
    rule: str
    column: str  # the ``gaps`` export's boolean column


GAPS: tuple[GapRule, ...] = (
    GapRule("no_peer_reviewed", "No peer-reviewed evidence",
            "no linked, non-retracted, non-preprint paper with a level",
            "no_peer_reviewed_evidence"),
    GapRule("only_technical", "Only technical evidence (1t-2)",
            "peer-reviewed evidence, all of it at levels 1t, 1c or 2",
            "only_technical_evidence"),
    GapRule("no_vendor_independent", "No vendor-independent study",
            "no peer-reviewed evidence paper coded vendor-independent",
            "no_vendor_independent_study"),
    GapRule("no_prospective", "No prospective study",
            "no peer-reviewed evidence paper coded prospective", "no_prospective_study"),
)
GAP_RULES: dict[str, str] = {g.key: g.rule for g in GAPS}
"""Each gap list and the rule that fills it."""
GAP_TITLES: dict[str, str] = {g.key: g.title for g in GAPS}


def product_gaps(evidence: ProductEvidence | ProductSummary) -> dict[str, bool]:
    """Whether the product is on each gap list."""
    if isinstance(evidence, ProductEvidence):
        evidence = evidence.summary()
    return {
        "no_peer_reviewed": evidence.peer_reviewed == 0,
        "only_technical": evidence.only_technical,
        "no_vendor_independent": not evidence.has_feature("vendor_independent"),
        "no_prospective": not evidence.has_feature("prospective"),
    }


def gap_lists(product_ids: Iterable[int],
              evidence: EvidenceSet | EvidenceSummary) -> dict[str, list[int]]:
    """The products of each gap list, in the order given."""
    lists: dict[str, list[int]] = {g.key: [] for g in GAPS}
    for product_id in product_ids:
        for key, on in product_gaps(evidence.product(product_id)).items():
            if on:
                lists[key].append(product_id)
    return lists
