"""Select widgets filled from the data: options for distinct values, the chosen value (or
``None`` for "any"), new options that keep the choice when it is still offered."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from textual.dom import DOMNode
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


PRODUCT_FILTERS = (("subspecialty", "subspecialty"), ("product_type", "type"), ("finding", "finding"))
"""The product Selects a screen composes as ``#<prefix>-subspecialty``, ``-type``, ``-finding``
(keyword of ``tracker.views.products.filter_rows``, id suffix)."""


def fill_product_filters(screen: DOMNode, prefix: str, rows: Sequence[Any],
                         findings: Sequence[tuple[str, int]]) -> None:
    """The subspecialty and product type Selects from the rows' values, the finding Select
    from the findings catalogue (with its product counts)."""
    refill(screen.query_one(f"#{prefix}-subspecialty", Select),
           choice_options(r.subspecialty for r in rows))
    refill(screen.query_one(f"#{prefix}-type", Select), choice_options(r.product_type for r in rows))
    refill(screen.query_one(f"#{prefix}-finding", Select),
           [(f"{name} ({count})", name) for name, count in findings])


def product_filter_values(screen: DOMNode, prefix: str) -> dict[str, str | None]:
    """The chosen product filters as ``filter_rows`` keywords (``None``: any)."""
    return {keyword: selected(screen.query_one(f"#{prefix}-{suffix}", Select))
            for keyword, suffix in PRODUCT_FILTERS}
