"""The evidence core: the one owner of the evidence vocabulary (levels, buckets, ranks,
features), of a person's decisions (overrides), of effective links and grades, of the rule
for what counts as evidence, of the gap lists and of the reference figures.

Views, exports, statistics, the TUI and the reports are thin readers of this package.
"""

from tracker.evidence.effective import (
    EffectiveGrade,
    EffectiveLink,
    EvidencePaper,
    EvidenceSet,
    ProductEvidence,
    effective_grade,
    effective_grades,
    effective_links,
    evidence_set,
)
from tracker.evidence.overrides import (
    Decisions,
    confirm_grade,
    load_decisions,
    override_grade,
    override_link,
)

__all__ = [
    "Decisions", "EffectiveGrade", "EffectiveLink", "EvidencePaper",
    "EvidenceSet", "ProductEvidence", "confirm_grade", "effective_grade", "effective_grades",
    "effective_links", "evidence_set", "load_decisions", "override_grade", "override_link",
]
