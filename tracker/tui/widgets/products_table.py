"""The products table: every column an analyst filters or sorts on, a page at a time."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from tracker.evidence.vocabulary import LEVELS
from tracker.tui.text import cell, clip_middle
from tracker.tui.widgets.paged_table import Column, PagedTable
from tracker.views.products import SORT_KEYS, ProductRow

COLUMNS = [
    Column("product", "product", 30), Column("company", "company", 16),
    Column("owner", "owner", 12), Column("modality", "modality", 11),
    Column("subspecialty", "subspec.", 8), Column("type", "type", 10),
    Column("ce", "CE", 4, descending=True),
    Column("fda", "FDA", 8), Column("first", "first reg.", 10, descending=True),
    Column("last", "last reg.", 10, descending=True),
    *[Column(f"L{level}", level, 3, descending=True) for level in LEVELS],
    Column("papers", "papers", 6, descending=True), Column("highest", "max", 3, descending=True),
]


class ProductsTable(PagedTable[ProductRow]):
    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(COLUMNS, render=_cells, sort_keys=SORT_KEYS,
                         row_key=lambda r: str(r.id), page_size=100, id=id)


def _cells(row: ProductRow) -> Sequence[Text]:
    counts = [cell(row.counts.get(level) or None) for level in LEVELS]
    owner = cell(row.owner, style="dim") if row.owner == "independent" else cell(row.owner)
    name = cell(clip_middle(row.name, 30), style="italic" if row.kind != "software" else "")
    return [name, cell(row.company), owner, cell(row.modality),
            cell(row.subspecialty), cell(row.product_type), cell(row.ce_class), cell(row.fda_pathway),
            cell(row.first_registration), cell(row.last_registration), *counts,
            cell(row.papers), cell(row.highest)]
