"""Links and grades with human overrides applied (``tracker.review``), loaded in bulk for
exports and indexed both ways (papers of a product, products of a paper)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlmodel import Session

from tracker.review import effective_grades, effective_links


@dataclass
class EffectiveEvidence:
    links: list[dict[str, Any]] = field(default_factory=list)
    grades: dict[int, dict[str, Any]] = field(default_factory=dict)
    papers_of_product: dict[int, set[int]] = field(default_factory=dict)
    products_of_paper: dict[int, set[int]] = field(default_factory=dict)

    def grade(self, publication_id: int) -> dict[str, Any]:
        return self.grades.get(publication_id, {})


def load_effective(session: Session) -> EffectiveEvidence:
    evidence = EffectiveEvidence()
    for grade in effective_grades(session).values():
        row = asdict(grade)
        row["origin"] = "override" if grade.overridden else "auto"
        if "level" in grade.overridden:
            row["confidence"] = None
        evidence.grades[grade.publication_id] = row
    by_product: dict[int, set[int]] = defaultdict(set)
    by_paper: dict[int, set[int]] = defaultdict(set)
    for link in effective_links(session):
        evidence.links.append(asdict(link))
        by_product[link.product_id].add(link.publication_id)
        by_paper[link.publication_id].add(link.product_id)
    evidence.papers_of_product, evidence.products_of_paper = dict(by_product), dict(by_paper)
    return evidence
