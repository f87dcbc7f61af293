"""Automatic links and grades with human overrides applied, loaded in bulk for exports.

Override semantics (shared with ``tracker.review``): rows with ``target="link"`` and
``field_name="link"`` accept (``value`` true) or reject (false) a paper–product pair;
rows with ``target="grade"`` set one field (``level`` or a study feature) of a paper's grade.
The latest override per target and field wins; automatic rows are never modified.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from tracker.db.models import EvidenceGrade, Override, PaperProductLink

GRADE_FIELDS = ("level", "confidence", "prospective", "multicentre", "multinational",
                "reader_study", "rct", "sample_size", "vendor_independent", "cues", "needs_review")


@dataclass
class EffectiveEvidence:
    links: list[dict[str, Any]] = field(default_factory=list)
    grades: dict[int, dict[str, Any]] = field(default_factory=dict)
    papers_of_product: dict[int, set[int]] = field(default_factory=dict)
    products_of_paper: dict[int, set[int]] = field(default_factory=dict)

    def grade(self, publication_id: int) -> dict[str, Any]:
        return self.grades.get(publication_id, {})


def latest_overrides(session: Session) -> dict[tuple[str, int, int | None, str], Override]:
    latest: dict[tuple[str, int, int | None, str], Override] = {}
    for row in session.exec(select(Override).order_by(Override.created_at, Override.id)):
        latest[(row.target, row.publication_id, row.product_id, row.field_name)] = row
    return latest


def load_effective(session: Session) -> EffectiveEvidence:
    overrides = latest_overrides(session)
    links: dict[tuple[int, int], dict[str, Any]] = {}
    for link in session.exec(select(PaperProductLink)):
        links[(link.publication_id, link.product_id)] = {
            "publication_id": link.publication_id, "product_id": link.product_id,
            "score": link.score, "method": link.method, "evidence": link.evidence,
            "model_version": link.model_version, "origin": "auto",
        }
    grades: dict[int, dict[str, Any]] = {}
    for grade in session.exec(select(EvidenceGrade)):
        grades[grade.publication_id] = {f: getattr(grade, f) for f in GRADE_FIELDS} | {"origin": "auto"}
    for (target, pub_id, product_id, field_name), row in overrides.items():
        if target == "link" and product_id is not None:
            key = (pub_id, product_id)
            if row.value is False or row.value == "reject":
                links.pop(key, None)
            else:
                base = links.get(key, {"publication_id": pub_id, "product_id": product_id,
                                       "score": None, "evidence": "", "method": "override"})
                links[key] = base | {"origin": "override", "method": base.get("method") or "override",
                                     "model_version": f"override by {row.author}"}
        elif target == "grade":
            grade = grades.setdefault(pub_id, {f: None for f in GRADE_FIELDS} | {"cues": []})
            grade[field_name] = row.value
            grade["origin"] = "override"
            grade["needs_review"] = False
            if field_name == "level":
                grade["confidence"] = None
    evidence = EffectiveEvidence(links=sorted(links.values(), key=lambda x: (x["publication_id"], x["product_id"])),
                                 grades=grades)
    by_product: dict[int, set[int]] = defaultdict(set)
    by_paper: dict[int, set[int]] = defaultdict(set)
    for link in evidence.links:
        by_product[link["product_id"]].add(link["publication_id"])
        by_paper[link["publication_id"]].add(link["product_id"])
    evidence.papers_of_product, evidence.products_of_paper = dict(by_product), dict(by_paper)
    return evidence
