"""A centred message shown when the store holds nothing for a screen yet."""

from __future__ import annotations

from textual.widgets import Static


class EmptyState(Static):
    """Says what is missing and which command fills it."""

    def __init__(self, message: str, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(message, id=id, classes="empty-state", markup=False)
