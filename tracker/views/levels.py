"""The efficacy levels of DOMAIN.md, their order and buckets."""

from __future__ import annotations

from tracker.grading.levels import bucket_of

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

TECHNICAL: frozenset[str] = frozenset({"1t", "1c", "2"})
"""Levels that measure the software, not its clinical effect."""

FEATURES: tuple[str, ...] = (
    "prospective", "multicentre", "multinational", "reader_study", "rct", "vendor_independent",
)
"""Boolean study features of an evidence grade."""


def level_rank(level: str | None) -> int:
    """Position of a level (higher is stronger evidence); -1 for none or unknown."""
    return LEVELS.index(level) if level in LEVELS else -1


def highest_level(levels: object) -> str | None:
    """The strongest of the given levels, or None."""
    best: str | None = None
    for level in levels:  # type: ignore[attr-defined]
        if level_rank(level) > level_rank(best):
            best = level
    return best


def bucket(level: str | None) -> str | None:
    """``technical`` (1t-2), ``clinical`` (3-5), ``societal`` (6), as in INTERFACES.md."""
    return bucket_of(level)
