"""The efficacy levels of van Leeuwen et al. (2021) and the three buckets used in reports."""

from __future__ import annotations

LEVELS: tuple[str, ...] = ("1t", "1c", "2", "3", "4", "5", "6")
NONE = "none"
CLASSES: tuple[str, ...] = (NONE, *LEVELS)
"""Classifier classes: ``none`` stands for a paper that is not a primary evaluation."""

BUCKETS: dict[str, str] = {"1t": "technical", "1c": "technical", "2": "technical",
                           "3": "clinical", "4": "clinical", "5": "clinical", "6": "societal"}


def bucket_of(level: str | None) -> str | None:
    """``technical`` (1t-2), ``clinical`` (3-5), ``societal`` (6), or ``None``."""
    return BUCKETS.get(level) if level else None


def rank(level: str | None) -> int:
    """0 for none, 1..7 for 1t..6 (so the highest level is the largest rank)."""
    return LEVELS.index(level) + 1 if level in LEVELS else 0


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


def to_class(level: str | None) -> str:
    return level if level else NONE


def from_class(name: str) -> str | None:
    return None if name == NONE else name
