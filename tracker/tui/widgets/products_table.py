"""The products table: every column an analyst filters or sorts on, a page at a time.
Product names are clipped so that different names stay different on screen
(:func:`tracker.tui.text.distinct_clips`); marked rows (space or ``m``) carry a ``✓``."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tracker.evidence.vocabulary import LEVELS
from tracker.tui.text import cell, clip_middle, distinct_clips
from tracker.tui.widgets.paged_table import Column, PagedTable
from tracker.views.products import SORT_KEYS, ProductRow

NAME_WIDTH = 36
MARK = "✓ "

COLUMNS = [
    Column("product", "product", NAME_WIDTH), Column("company", "company", 18),
    Column("owner", "owner", 14), Column("modality", "modality", 11),
    Column("subspecialty", "subspec.", 8), Column("type", "type", 10),
    Column("ce", "CE", 4, descending=True),
    Column("fda", "FDA", 8), Column("first", "first reg.", 10, descending=True),
    Column("last", "last reg.", 10, descending=True),
    *[Column(f"L{level}", level, 3, descending=True) for level in LEVELS],
    Column("papers", "papers", 6, descending=True), Column("highest", "max", 3, descending=True),
]


class ProductsTable(PagedTable[ProductRow]):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(COLUMNS, render=self._cells, sort_keys=SORT_KEYS,
                         row_key=lambda r: str(r.id), page_size=100, id=id,
                         export=export_values, provenance=("product_id", lambda r: r.id))
        self.marks: set[int] = set()
        """Ids of the marked products (kept when the filter changes)."""
        self.name_labels: dict[str, str] = {}

    def set_items(self, items: list[ProductRow], *, keep_page: bool = False) -> None:
        self.name_labels = distinct_clips([r.name for r in items], NAME_WIDTH)
        super().set_items(items, keep_page=keep_page)

    def _cells(self, row: ProductRow) -> Sequence[Text]:
        counts = [cell(row.counts.get(level) or None) for level in LEVELS]
        owner = cell(row.owner, style="dim") if row.owner == "independent" else cell(row.owner)
        return [self._name_cell(row), cell(row.company), owner, cell(row.modality),
                cell(row.subspecialty), cell(row.product_type), cell(row.ce_class),
                cell(row.fda_pathway), cell(row.first_registration), cell(row.last_registration),
                *counts, cell(row.papers), cell(row.highest)]

    def _name_cell(self, row: ProductRow) -> Text:
        label = self.name_labels.get(row.name, row.name)
        style = "italic" if row.kind != "software" else ""
        if row.id not in self.marks:
            return cell(label, style=style)
        text = Text(MARK, style="bold yellow")
        short = label if len(label) <= NAME_WIDTH - len(MARK) else clip_middle(label, NAME_WIDTH - len(MARK))
        text.append(short, style=f"bold {style}".strip())
        return text

    def toggle_mark(self) -> ProductRow | None:
        """Mark or unmark the product under the cursor; returns it."""
        row = self.highlighted()
        if row is None:
            return None
        self.marks.symmetric_difference_update({row.id})
        self.update_cell(str(row.id), "product", self._name_cell(row))
        return row


def export_values(row: ProductRow) -> list[object]:
    """The row's cells in full (not clipped), column by column."""
    return [row.name, row.company, row.owner, row.modality, row.subspecialty, row.product_type,
            row.ce_class, row.fda_pathway, row.first_registration, row.last_registration,
            *[row.counts.get(level, 0) for level in LEVELS], row.papers, row.highest]
