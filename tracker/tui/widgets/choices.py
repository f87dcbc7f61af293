"""Select widgets filled from the data: options for distinct values, the chosen value (or
``None`` for "any"), new options that keep the choice when it is still offered."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import Select


def choice_options(values: Iterable[str]) -> list[tuple[str, str]]:
    """Select options for the distinct non-empty values, by name."""
    return [(v, v) for v in sorted({v for v in values if v}, key=str.casefold)]


def selected(select: Select[str]) -> str | None:
    """A Select's value, ``None`` when blank ("any")."""
    value = select.value
    return None if value is Select.NULL or value is None else str(value)


def refill(select: Select[str], options: list[tuple[str, str]]) -> None:
    """New options, keeping the chosen value when it is still one of them (no Changed event)."""
    keep = selected(select)
    with select.prevent(Select.Changed):
        select.set_options(options)
        if keep in {value for _, value in options}:
            select.value = keep
