# mypy: disable-error-code="call-overload,arg-type,misc,var-annotated"
"""A person's decisions: the one write API and the one reader of ``Override`` rows.

Rule: the latest override per (target, paper, product, field) wins; automatic rows are never
changed and no automatic run writes or deletes an override.

- ``target="grade"`` rows set ``field_name`` (``level``, a feature or ``sample_size``) of a
  paper's grade; ``product_id`` is null.
- ``target="link"`` rows with ``field_name="link"`` accept (``true``) or reject (``false``)
  a paper-product pair; an accepted pair with no automatic link is a hand-made link.

Overrides are few, so they are read once and applied in Python (portable across SQLite and
PostgreSQL, no JSON functions in SQL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.db.models import EvidenceGrade, Override, Product, Publication
from tracker.evidence.vocabulary import GRADE_FIELDS, check_value

Key = tuple[str, int, int | None, str]


@dataclass(frozen=True)
class Decision:
    value: Any
    author: str
    reason: str
    override_id: int


@dataclass
class Decisions:
    """Latest decision per (target, publication_id, product_id, field_name)."""

    latest: dict[Key, Decision] = field(default_factory=dict)

    def link(self, publication_id: int, product_id: int) -> bool | None:
        """True (accepted), False (rejected) or None (no decision)."""
        found = self.latest.get(("link", publication_id, product_id, "link"))
        return None if found is None else accepts(found.value)

    def link_decision(self, publication_id: int, product_id: int) -> Decision | None:
        return self.latest.get(("link", publication_id, product_id, "link"))

    def grade(self, publication_id: int, field_name: str) -> tuple[bool, Any]:
        """(decided, value) for a grade field; the value may legitimately be None."""
        found = self.latest.get(("grade", publication_id, None, field_name))
        return (found is not None, None if found is None else found.value)

    def accepted_links(self) -> list[tuple[int, int]]:
        """(publication_id, product_id) pairs a person accepted (hand-made or confirmed)."""
        return [(k[1], k[2]) for k, d in self.latest.items()
                if k[0] == "link" and k[3] == "link" and k[2] is not None and accepts(d.value)]

    def rejected_links(self) -> set[tuple[int, int]]:
        return {(k[1], k[2]) for k, d in self.latest.items()  # type: ignore[misc]
                if k[0] == "link" and k[3] == "link" and k[2] is not None
                and not accepts(d.value)}

    def graded_publications(self) -> set[int]:
        """Papers with at least one grade decision."""
        return {k[1] for k in self.latest if k[0] == "grade" and k[3] in GRADE_FIELDS}

    def grade_fields(self, publication_id: int) -> dict[str, Decision]:
        return {k[3]: d for k, d in self.latest.items()
                if k[0] == "grade" and k[1] == publication_id and k[3] in GRADE_FIELDS}

    def papers_decided(self, field_name: str, value: Any = ...) -> set[int]:
        """Papers whose ``field_name`` a person decided (to ``value`` when given)."""
        return {k[1] for k, d in self.latest.items()
                if k[0] == "grade" and k[3] == field_name and (value is ... or d.value == value)}


def accepts(value: Any) -> bool:
    """A link decision's value: false, "false" and "reject" reject; anything else accepts."""
    return not (value is False or value in ("reject", "false"))


def load_decisions(session: Session, *, publication_ids: list[int] | None = None) -> Decisions:
    """Every override (or those of some papers), the latest per key winning."""
    query = select(Override.id, Override.target, Override.publication_id, Override.product_id,
                   Override.field_name, Override.value, Override.author, Override.reason
                   ).order_by(Override.created_at, Override.id)
    if publication_ids is not None:
        query = query.where(Override.publication_id.in_(publication_ids))  # type: ignore[attr-defined]
    decisions = Decisions()
    for oid, target, pub_id, prod_id, field_name, value, author, reason in session.execute(query):
        key: Key = (target, pub_id, prod_id if target == "link" else None, field_name)
        decisions.latest[key] = Decision(value, author, reason or "", oid)
    return decisions


def _need_author(author: str) -> None:
    if not author or not author.strip():
        raise ValueError("an override needs the name of the person making it")


def override_grade(session: Session, *, publication_id: int, field_name: str, value: Any,
                   author: str, reason: str = "") -> Override:
    """Record a person's value for one grade field (``level`` or a feature) and commit."""
    _need_author(author)
    if session.get(Publication, publication_id) is None:
        raise ValueError(f"no publication with id {publication_id}")
    row = Override(target="grade", publication_id=publication_id, field_name=field_name,
                   value=check_value(field_name, value), author=author.strip(), reason=reason)
    session.add(row)
    session.commit()
    return row


def confirm_grade(session: Session, *, publication_id: int, author: str,
                  reason: str = "confirmed") -> Override:
    """Confirm the automatic level (stored as an override holding that level)."""
    level = session.execute(select(EvidenceGrade.level).where(
        EvidenceGrade.publication_id == publication_id)).first()
    if level is None:
        raise ValueError(f"publication {publication_id} has no automatic grade to confirm")
    return override_grade(session, publication_id=publication_id, field_name="level",
                          value=level[0], author=author, reason=reason)


def override_link(session: Session, *, publication_id: int, product_id: int, accept: bool,
                  author: str, reason: str = "") -> Override:
    """Accept (add or confirm) or reject a paper-product link, and commit."""
    _need_author(author)
    if session.get(Publication, publication_id) is None:
        raise ValueError(f"no publication with id {publication_id}")
    if session.get(Product, product_id) is None:
        raise ValueError(f"no product with id {product_id}")
    row = Override(target="link", publication_id=publication_id, product_id=product_id,
                   field_name="link", value=bool(accept), author=author.strip(), reason=reason)
    session.add(row)
    session.commit()
    return row
