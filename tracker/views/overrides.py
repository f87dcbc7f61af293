# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
# (SQLModel declares columns as Python types; SQLAlchemy select() overloads reject them)
"""A person's decisions, applied on top of the automatic links and grades.

Rule (models.Override): the latest override per (target, paper, product, field) wins.
Links: ``target="link"``, ``field_name="link"``, value ``true`` (confirmed) or ``false``
(rejected). Grades: ``target="grade"``, ``field_name="level"`` or a feature name.
Overrides are few, so they are read once and applied in Python (portable across SQLite and
PostgreSQL, no JSON functions in SQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import Override

Key = tuple[str, int, int | None, str]


@dataclass
class Decisions:
    """Latest override value per (target, publication_id, product_id, field_name)."""

    values: dict[Key, Any] = field(default_factory=dict)
    ids: dict[Key, int] = field(default_factory=dict)

    def link(self, publication_id: int, product_id: int) -> bool | None:
        """True (confirmed), False (rejected) or None (no decision)."""
        key: Key = ("link", publication_id, product_id, "link")
        if key not in self.values:
            return None
        return _accepts(self.values[key])

    def grade(self, publication_id: int, field_name: str) -> tuple[bool, Any]:
        """(decided, value) for a grade field; value may legitimately be None."""
        key: Key = ("grade", publication_id, None, field_name)
        return (key in self.values, self.values.get(key))

    def added_links(self) -> list[tuple[int, int]]:
        """(publication_id, product_id) pairs a person linked by hand."""
        return [(k[1], k[2]) for k, v in self.values.items()
                if k[0] == "link" and k[2] is not None and _accepts(v)]

    def graded_publications(self) -> set[int]:
        return {k[1] for k in self.values if k[0] == "grade"}

    def linked_publications(self) -> set[tuple[int, int | None]]:
        return {(k[1], k[2]) for k in self.values if k[0] == "link"}


def _accepts(value: Any) -> bool:
    """A link override's value: false, "false" and "reject" reject; anything else accepts
    (as tracker.review.effective_links reads it)."""
    return not (value is False or value in ("reject", "false"))


def load_decisions(session: Session, *, publication_ids: list[int] | None = None) -> Decisions:
    """Every override (or those of some papers), the latest per key winning."""
    query = select(Override.id, Override.target, Override.publication_id, Override.product_id,
                   Override.field_name, Override.value).order_by(Override.created_at, Override.id)
    if publication_ids is not None:
        query = query.where(Override.publication_id.in_(publication_ids))  # type: ignore[attr-defined]
    decisions = Decisions()
    for oid, target, pub_id, prod_id, field_name, value in session.execute(query):
        key: Key = (target, pub_id, prod_id if target == "link" else None, field_name)
        decisions.values[key] = value
        decisions.ids[key] = oid
    return decisions
