"""The digest: the changes of a period, the watched items first, as one JSON-ready object.

``DIGEST_SCHEMA`` names the shape of ``Digest.to_dict`` (documented in docs/digest.md); a
change of its keys changes the schema name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tracker.digest.changes import SECTIONS, Changes, collect_changes
from tracker.digest.period import Period
from tracker.digest.watchlist import WatchMatch, list_watches, match_watches

DIGEST_SCHEMA = "radai-tracker/digest@1"

SECTION_RULES: dict[str, str] = {
    "fda_clearances": "FDA registrations first recorded by the store in the period (not by decision date).",
    "ce_registrations": "EU (EUDAMED) registrations first recorded by the store in the period.",
    "products": "Products first recorded in the period.",
    "companies": "Companies first recorded in the period (not those making imaging systems only).",
    "paper_links": "Pairs the linker first linked in the period (relinks keep their first date), "
                   "and people's link decisions recorded in the period.",
    "level_changes": "Levels the grader changed, and levels people set, in the period; papers "
                     "linked to a counted product only.",
    "market_events": "Market events first recorded in the period (extracted ones above the "
                     "confidence floor).",
}


@dataclass
class Digest:
    changes: Changes
    generated_at: datetime
    watched: list[WatchMatch] = field(default_factory=list)

    @property
    def period(self) -> Period:
        return self.changes.period

    @property
    def empty(self) -> bool:
        return self.changes.empty and not any(m.items for m in self.watched)

    @property
    def counts(self) -> dict[str, int]:
        return {**self.changes.counts, "watched": sum(len(m.items) for m in self.watched)}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (keys in docs/digest.md)."""
        return {
            "schema": DIGEST_SCHEMA,
            "generated_at": self.generated_at.isoformat(),
            "since": self.period.since.isoformat(),
            "until": self.period.until.isoformat(),
            "since_rule": self.period.rule,
            "include_systems": self.changes.include_systems,
            "empty": self.empty,
            "counts": self.counts,
            "watched": [m.to_dict() for m in self.watched],
            "sections": {key: {"title": title, "rule": SECTION_RULES[key],
                               "items": [i.to_dict() for i in self.changes.sections.get(key, [])]}
                         for key, title in SECTIONS.items()},
        }


def build_digest(session: Session, period: Period, *, include_systems: bool = False,
                 min_confidence: float = 0.7) -> Digest:
    """The changes of ``period`` with every watch matched against them."""
    watches = list_watches(session)
    wants_papers = any(w.kind == "query" for w in watches)
    changes = collect_changes(session, period, include_systems=include_systems,
                              min_confidence=min_confidence, with_new_papers=wants_papers)
    return Digest(changes=changes, generated_at=period.until,
                  watched=match_watches(session, watches, changes))
