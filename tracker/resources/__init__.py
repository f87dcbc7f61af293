"""Packaged data files a user can copy and edit (news sources, known market events), and
the one reading of the market events that other layers need: who owned a company when.

``known_owners()`` reads ``market_events.toml`` (the ``[[company]]`` blocks for the names a
company goes by, the ``[[event]]`` entries for acquisitions, mergers and rebrands) with
``tomllib`` only, so the grading layer can ask "who owned the vendor in the paper's year?"
without importing the market package or the store. Only *completed* acquisitions and mergers
change owners (an announced deal does not: docs/domain.md); a rebrand's new name is the same
company under another name, from the rebrand's date.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from tracker.dates import DateError, parse_dated
from tracker.names import normalize_company

OWNER_EVENTS = frozenset({"acquisition", "merger", "rebrand"})
"""Event types that give a company another controlling name (owner, or new name)."""

GENERIC_TAIL = frozenset({
    "medical", "technologies", "technology", "healthcare", "health", "imaging", "solutions",
    "systems", "diagnostics", "private", "ai", "software", "group", "holdings",
    "international", "labs", "analytics", "co", "company"})
"""Generic words that end company names and that papers leave out ("Kheiron Medical
Technologies" is written "Kheiron", "Aidoc Medical" "Aidoc")."""


def market_events_path() -> Path:
    """The packaged ``market_events.toml``."""
    return Path(str(resources.files("tracker.resources").joinpath("market_events.toml")))


@dataclass(frozen=True)
class OwnerChange:
    """One completed change of control read from the market events file."""

    company: str  # the target (acquisition, merger) or the old name (rebrand)
    owner: str  # the acquirer, or the new name
    since: date | None  # None: the file gives no date
    kind: str  # acquisition | merger | rebrand
    stake: float | None = None  # share acquired; None for a full acquisition
    written: str = ""  # the date as the file writes it ("2022", "2022-01", "2022-11-01")


def _date(value: Any) -> date | None:
    """``2022-11-01``, ``2022-11`` (the 1st) or ``2022`` (1 January); ``None`` when absent
    or unreadable (``tracker.dates``, the reading ``tracker.market.seed`` uses too)."""
    try:
        return parse_dated(value)[0]
    except DateError:
        return None


@lru_cache(maxsize=8)
def _read(path: str | None) -> tuple[tuple[tuple[str, ...], ...], tuple[OwnerChange, ...]]:
    """(name groups of the ``[[company]]`` blocks, completed owner changes) of one file; an
    unreadable file gives nothing (vendor independence then works from the vendor's own
    names)."""
    file = Path(path) if path else market_events_path()
    try:
        data = tomllib.loads(file.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return (), ()
    groups = tuple(
        tuple(n for n in [block.get("name", ""), *block.get("aliases", [])] if str(n).strip())
        for block in data.get("company", []) if isinstance(block, dict))
    changes: list[OwnerChange] = []
    for item in data.get("event", []):
        if not isinstance(item, dict) or item.get("type") not in OWNER_EVENTS:
            continue
        company, owner = str(item.get("company") or ""), str(item.get("counterparty") or "")
        if not company.strip() or not owner.strip():
            continue
        # a deal changes the owner on completion: ``completed`` (or ``date`` with status
        # completed, the older form); announced or abandoned deals change no owner
        written = item.get("completed") or item.get("date")
        default = "completed" if item.get("completed") or not item.get("announced") else "announced"
        status = str(item.get("status") or default).lower()
        if status != "completed":
            continue
        stake = item.get("stake")
        changes.append(OwnerChange(company=company, owner=owner, since=_date(written),
                                   kind=str(item["type"]),
                                   stake=float(stake) if stake is not None else None,
                                   written=str(written or "")))
    return groups, tuple(changes)


def _key(name: str) -> str:
    return normalize_company(name)


def core_name(name: str) -> str:
    """The normalised name without generic trailing words ("kheiron medical technologies"
    -> "kheiron"); the full normalised name when that would leave under four letters."""
    words = _key(name).split()
    while len(words) > 1 and words[-1] in GENERIC_TAIL:
        words = words[:-1]
    core = " ".join(words)
    return core if len(core) >= 4 else _key(name)


def known_names(path: str | Path | None = None) -> dict[str, list[str]]:
    """Every name of a ``[[company]]`` block (name first, then its aliases), keyed by the
    normalised form of each of those names; rebrands add the other name both ways (the old
    and the new name are one company)."""
    groups, changes = _read(str(path) if path else None)
    out: dict[str, list[str]] = {}

    def add(key: str, names: Iterable[str]) -> None:
        slot = out.setdefault(key, [])
        for name in names:
            if name not in slot:
                slot.append(name)

    for group in groups:
        for name in group:
            add(_key(name), group)
    for change in changes:
        if change.kind == "rebrand":
            both = [*_group_of(change.company, groups), *_group_of(change.owner, groups)]
            for name in both:
                add(_key(name), both)
    return {k: v for k, v in out.items() if k}


def _group_of(name: str, groups: tuple[tuple[str, ...], ...]) -> list[str]:
    key = _key(name)
    for group in groups:
        if any(_key(n) == key for n in group):
            return [name, *(n for n in group if n != name)]
    return [name]


def known_owners(path: str | Path | None = None) -> dict[str, list[tuple[str, date | None]]]:
    """Who took control of each company and from when: ``{normalised company name:
    [(owner or new name, date), ...]}`` in date order (undated last), keyed by the company's
    name and by each alias of its ``[[company]]`` block. Completed acquisitions (any stake)
    and mergers give the acquirer; a rebrand gives the new name. Announced deals are left
    out. The file is read once per path (``lru_cache``); the result is a fresh dict."""
    groups, changes = _read(str(path) if path else None)
    out: dict[str, list[tuple[str, date | None]]] = {}
    for change in sorted(changes, key=lambda c: (c.since is None, c.since or date.min)):
        for name in _group_of(change.company, groups):
            slot = out.setdefault(_key(name), [])
            if (change.owner, change.since) not in slot:
                slot.append((change.owner, change.since))
    return {k: v for k, v in out.items() if k}


def owners_at(names: Iterable[str], year: int | None, *, path: str | Path | None = None
              ) -> list[tuple[str, str]]:
    """The companies that controlled a company known by ``names`` in ``year`` (or already
    before it), owners of those owners, and its new names after a rebrand, each with the
    reason: ``[("RadNet", "owner of Aidence since 2022-01"), ...]``. Ownership counts from
    the year of the event (a paper of 2021 counts an owner from 2021-08); a later
    acquisition of a majority replaces an earlier owner, a minority stake adds a
    shareholder. With no ``year`` every known owner counts (the paper's date is unknown)."""
    groups, changes = _read(str(path) if path else None)
    by_key: dict[str, list[OwnerChange]] = {}
    for change in sorted(changes, key=lambda c: (c.since is None, c.since or date.min)):
        for name in _group_of(change.company, groups):
            for key in {_key(name), core_name(name)}:
                if change not in by_key.setdefault(key, []):
                    by_key[key].append(change)
    found: dict[str, str] = {}
    todo = [n for n in names if n and n.strip()]
    seen: set[str] = set()
    while todo:
        name = todo.pop(0)
        keys = {_key(name), core_name(name)} - {""}
        if not keys or _key(name) in seen:
            continue
        seen.add(_key(name))
        changes_here = list(dict.fromkeys(c for k in sorted(keys) for c in by_key.get(k, [])))
        changes_here.sort(key=lambda c: (c.since is None, c.since or date.min))
        for change in _in_force(changes_here, year):
            if _key(change.owner) in seen or change.owner in found:
                continue
            when = change.written or "an unknown date"
            label = {"rebrand": "new name", "merger": "merged into"}.get(change.kind, "owner")
            if change.stake is not None and change.stake < 0.5:
                label = f"{change.stake:.0%} shareholder"
            reason = f"{label} of {name} since {when}"
            if name in found:  # an owner of an owner: say how it reaches the company
                reason += f", which is {found[name]}"
            found[change.owner] = reason
            todo.append(change.owner)
    return list(found.items())


def _in_force(changes: list[OwnerChange], year: int | None) -> list[OwnerChange]:
    """The changes (date order, undated last) in force in ``year``: rebrands and minority
    stakes up to that year, and the latest majority owner up to that year; undated ones
    always; every one when the year is unknown."""
    if year is None:
        return list(changes)
    kept: list[OwnerChange] = []
    majority: OwnerChange | None = None
    for change in changes:
        if change.since is not None and change.since.year > year:
            continue
        minority = change.stake is not None and change.stake < 0.5
        if change.kind == "rebrand" or minority or change.since is None:
            kept.append(change)
        else:
            majority = change
    return ([majority] if majority else []) + kept
