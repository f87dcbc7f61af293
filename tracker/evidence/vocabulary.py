"""The vocabulary of evidence: efficacy levels, their names, buckets and ranks, and the study
features of a grade (docs/domain.md).

Levels follow the hierarchical model of efficacy as adapted by van Leeuwen et al. (2021):
``1t`` technical, ``1c`` potential clinical, ``2`` diagnostic accuracy, ``3`` diagnostic
thinking, ``4`` therapeutic, ``5`` patient outcome, ``6`` societal. Every part of the project
(grader, views, exports, TUI, figures) reads levels, ranks and features from here.
"""

from __future__ import annotations

from collections.abc import Iterable

LEVELS: tuple[str, ...] = ("1t", "1c", "2", "3", "4", "5", "6")
"""Levels of the hierarchical model of efficacy, lowest first."""

LEVEL_NAMES: dict[str, str] = {
    "1t": "technical",
    "1c": "potential clinical",
    "2": "diagnostic accuracy",
    "3": "diagnostic thinking",
    "4": "therapeutic",
    "5": "patient outcome",
    "6": "societal",
}

NONE = "none"
CLASSES: tuple[str, ...] = (NONE, *LEVELS)
"""Classifier classes: ``none`` stands for a paper that is not a primary evaluation."""

BUCKETS: dict[str, str] = {"1t": "technical", "1c": "technical", "2": "technical",
                           "3": "clinical", "4": "clinical", "5": "clinical", "6": "societal"}
"""The three buckets of docs/interfaces.md and the reports."""

TECHNICAL: frozenset[str] = frozenset(lvl for lvl, b in BUCKETS.items() if b == "technical")
"""Levels that measure the software, not its clinical effect (1t, 1c, 2)."""

FEATURES: tuple[str, ...] = (
    "prospective", "multicentre", "multinational", "reader_study", "rct", "vendor_independent",
)
"""Boolean study features of an evidence grade (true, false or null for unknown)."""

FEATURE_LABELS: dict[str, str] = {
    "prospective": "prospective", "multicentre": "multicentre", "multinational": "multinational",
    "reader_study": "reader study", "rct": "randomised controlled trial",
    "vendor_independent": "vendor-independent",
}

GRADE_FIELDS: tuple[str, ...] = ("level", *FEATURES, "sample_size")
"""Every field of a grade a person may override."""


def rank(level: str | None) -> int:
    """0 for none or unknown, 1..7 for 1t..6: the highest level has the largest rank."""
    return LEVELS.index(level) + 1 if level in LEVELS else 0


def bucket_of(level: str | None) -> str | None:
    """``technical`` (1t-2), ``clinical`` (3-5), ``societal`` (6), or ``None``."""
    return BUCKETS.get(level) if level else None


def highest_level(levels: Iterable[str | None]) -> str | None:
    """The strongest of the given levels, or ``None`` when none is a level."""
    best: str | None = None
    for level in levels:
        if rank(level) > rank(best):
            best = level
    return best


def normalize_level(value: object) -> str | None:
    """Accept ``"2"``, ``2``, ``"L2"``, ``"1T"``, ``None``/``"none"``/``""``; raise otherwise."""
    if value is None:
        return None
    text = str(value).strip().lower().removeprefix("level").removeprefix("l").strip()
    if text in ("", "none", "null", "na", "n/a"):
        return None
    if text in LEVELS:
        return text
    raise ValueError(f"not an efficacy level: {value!r} (use one of {', '.join(LEVELS)} or null)")


def check_value(field_name: str, value: object) -> object:
    """The stored form of a value for a grade field; raises ``ValueError`` on a bad one."""
    if field_name == "level":
        return normalize_level(value)
    if field_name in FEATURES:
        if value is None or isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1", "y"):
            return True
        if text in ("false", "no", "0", "n"):
            return False
        if text in ("null", "none", "unknown", ""):
            return None
        raise ValueError(f"{field_name} takes true, false or null, not {value!r}")
    if field_name == "sample_size":
        if value in (None, "", "null"):
            return None
        try:
            number = int(str(value).replace(",", "").strip())
        except ValueError:
            raise ValueError(f"sample_size takes a whole number or null, not {value!r}") from None
        if number < 0:
            raise ValueError(f"sample_size cannot be negative ({value!r})")
        return number
    raise ValueError(f"unknown grade field {field_name!r} (one of {', '.join(GRADE_FIELDS)})")


def to_class(level: str | None) -> str:
    return level if level else NONE


def from_class(name: str) -> str | None:
    return None if name == NONE else name
