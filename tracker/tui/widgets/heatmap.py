"""The products × efficacy levels heat map: a paged, sortable table whose level cells are
shaded by their count (darkest = the most papers at that level for any shown product).
Product names are clipped so that different names stay different on screen."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tracker.evidence.vocabulary import LEVELS
from tracker.tui.text import cell, distinct_clips
from tracker.tui.widgets.paged_table import Column, PagedTable
from tracker.views.gaps import heat_shade
from tracker.views.products import SORT_KEYS, ProductRow

SHADES = ("", "on #1d4e5f", "on #1f7a8c", "on #2a9d8f", "on #57cc99")
NAME_WIDTH = 32

COLUMNS = [Column("product", "product", NAME_WIDTH), Column("company", "company", 14),
           *[Column(f"L{level}", level, 3, descending=True) for level in LEVELS],
           Column("papers", "papers", 6, descending=True),
           Column("highest", "highest", 7, descending=True)]


class Heatmap(PagedTable[ProductRow]):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(COLUMNS, render=self._cells, sort_keys=SORT_KEYS,
                         row_key=lambda r: str(r.id), page_size=100, id=id,
                         export=export_values, provenance=("product_id", lambda r: r.id))
        self.peak = 1
        self.name_labels: dict[str, str] = {}

    def set_items(self, items: list[ProductRow], *, keep_page: bool = False) -> None:
        self.peak = max((c for r in items for c in r.counts.values()), default=1)
        self.name_labels = distinct_clips([r.name for r in items], NAME_WIDTH)
        super().set_items(items, keep_page=keep_page)

    def _cells(self, row: ProductRow) -> Sequence[Text]:
        levels = []
        for level in LEVELS:
            count = row.counts.get(level, 0)
            shade = heat_shade(count, self.peak)
            style = f"bold white {SHADES[shade]}" if shade else "dim"
            levels.append(Text(f"{count:>3}" if count else "  ·", style=style))
        return [cell(self.name_labels.get(row.name, row.name)), cell(row.company), *levels,
                cell(row.papers), cell(row.highest)]


def export_values(row: ProductRow) -> list[object]:
    """The row's cells in full (not clipped), column by column."""
    return [row.name, row.company, *[row.counts.get(level, 0) for level in LEVELS],
            row.papers, row.highest]
