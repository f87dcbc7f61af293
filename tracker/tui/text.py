"""Scraped text shown as text: every cell and label goes through :func:`cell`, so a title
containing ``[bold]`` or ``[/]`` is displayed literally, never parsed as markup."""

from __future__ import annotations

from datetime import date, datetime

from rich.text import Text

NONE = "–"


def cell(value: object, *, style: str = "") -> Text:
    """A table cell: None as a dash, booleans as yes/no, dates in ISO 8601, floats to 2 places."""
    if isinstance(value, Text):
        return value
    if value is None or value == "":
        return Text(NONE, style="dim")
    if isinstance(value, bool):
        return Text("yes" if value else "no", style=style)
    if isinstance(value, datetime):
        return Text(value.strftime("%Y-%m-%d %H:%M"), style=style)
    if isinstance(value, date):
        return Text(value.isoformat(), style=style)
    if isinstance(value, float):
        return Text(f"{value:.2f}", style=style)
    return Text(str(value), style=style)


def clip(value: str, width: int) -> str:
    """One line of at most ``width`` characters (an ellipsis marks the cut)."""
    value = " ".join(value.split())
    return value if len(value) <= width else value[: width - 1] + "…"


def clip_middle(value: str, width: int) -> str:
    """``clip`` that keeps the end, where names differ ("Annalise Enterprise CTB Triage
    Trauma" and "... CTB Triage-OH"): the start and the end, an ellipsis between."""
    value = " ".join(value.split())
    if len(value) <= width or width < 8:
        return clip(value, width)
    head = (width - 1) // 2
    return value[:head] + "…" + value[len(value) - (width - 1 - head):]


def labelled(label: str, value: object) -> Text:
    """``label: value`` with the label bold and the value literal."""
    text = Text(f"{label}: ", style="bold")
    text.append_text(cell(value))
    return text


def distinct_clips(values: list[str], width: int) -> dict[str, str]:
    """Each value clipped to ``width`` so that different values stay different on screen.

    Rule: ``clip_middle`` first (names usually differ at the end); values that still clip
    to the same label show instead the window of ``width - 1`` characters that starts a
    few characters before the first position where they differ, after an ellipsis."""
    labels = {v: clip_middle(v, width) for v in values}
    groups: dict[str, list[str]] = {}
    for value, label in labels.items():
        groups.setdefault(label, []).append(" ".join(value.split()))
    for members in groups.values():
        if len(set(members)) < 2:
            continue
        differ = _first_difference(members)
        start = max(0, differ - 4)
        for value in values:
            flat = " ".join(value.split())
            if flat in members and start > 0:
                labels[value] = clip("…" + flat[start:], width)
    return labels


def _first_difference(values: list[str]) -> int:
    """The first index at which not all of ``values`` have the same character."""
    shortest = min(len(v) for v in values)
    for index in range(shortest):
        if len({v[index] for v in values}) > 1:
            return index
    return shortest
