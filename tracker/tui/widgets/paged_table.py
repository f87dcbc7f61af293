"""A DataTable over a list of Python rows, shown one page at a time (so a table of
thousands of products renders instantly), sortable by any column: click its header or put
press ``s`` to sort by the next column, ``S`` to reverse; ``[`` and ``]`` turn pages.
``export_table`` gives every row of the filtered, sorted table (all pages) in full text, for
the CSV export of what is on screen."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int | None = None
    descending: bool = False  # first sort goes high to low (counts, dates)


class PagedTable(DataTable[Text], Generic[T]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "sort_next", "Sort by next column"),
        Binding("S", "sort_reverse", "Reverse sort", show=False),
        Binding("right_square_bracket", "page(1)", "Next page", key_display="]"),
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="["),
    ]

    class Paged(Message):
        """The shown slice changed (data, page or sort)."""

        def __init__(self, table: PagedTable[Any]) -> None:
            super().__init__()
            self.table = table

        @property
        def control(self) -> PagedTable[Any]:
            return self.table

    def __init__(self, columns: Sequence[Column], *, render: Callable[[T], Sequence[Text]],
                 sort_keys: dict[str, Callable[[T], Any]], row_key: Callable[[T], str],
                 page_size: int = 100, id: str | None = None,  # noqa: A002
                 export: Callable[[T], Sequence[object]] | None = None,
                 provenance: tuple[str, Callable[[T], object]] | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.export_values = export
        """The cells of a row in full text, one per column (default: the rendered cells)."""
        self.provenance = provenance
        """An extra exported column naming each row's record (``product_id``)."""
        self.columns_spec = list(columns)
        self.render_row = render
        self.sort_keys = sort_keys
        self.row_key_of = row_key
        self.page_size = page_size
        self.items: list[T] = []
        self.page = 0
        self.sort_column: str | None = None
        self.sort_reverse = False
        self.by_key: dict[str, T] = {}

    def on_mount(self) -> None:
        for col in self.columns_spec:
            self.add_column(Text(col.label), key=col.key, width=col.width)

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.items) // self.page_size))

    def set_items(self, items: list[T], *, keep_page: bool = False) -> None:
        self.items = self._sorted(items)
        self.page = min(self.page, self.pages - 1) if keep_page else 0
        self._render_page()

    def sort_by(self, column: str) -> None:
        if column not in self.sort_keys:
            return
        if self.sort_column == column:
            self.sort_reverse = not self.sort_reverse
        else:
            spec = next((c for c in self.columns_spec if c.key == column), None)
            self.sort_column, self.sort_reverse = column, bool(spec and spec.descending)
        self.set_items(self.items)

    def _sorted(self, items: list[T]) -> list[T]:
        if self.sort_column is None:
            return list(items)
        return sorted(items, key=self.sort_keys[self.sort_column], reverse=self.sort_reverse)

    def _render_page(self) -> None:
        start = self.page * self.page_size
        shown = self.items[start:start + self.page_size]
        self.by_key = {}
        self.clear()
        for item in shown:
            key = self.row_key_of(item)
            self.by_key[key] = item
            self.add_row(*self.render_row(item), key=key)
        self.post_message(self.Paged(self))

    def action_page(self, step: int) -> None:
        page = min(max(self.page + step, 0), self.pages - 1)
        if page != self.page:
            self.page = page
            self._render_page()

    def action_sort_next(self) -> None:
        keys = [c.key for c in self.columns_spec if c.key in self.sort_keys]
        if keys:
            at = keys.index(self.sort_column) + 1 if self.sort_column in keys else 0
            self.sort_by(keys[at % len(keys)])

    def action_sort_reverse(self) -> None:
        if self.sort_column:
            self.sort_by(self.sort_column)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_by(str(event.column_key.value))

    def highlighted(self) -> T | None:
        """The item under the cursor."""
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.by_key.get(str(key))

    def export_table(self) -> tuple[list[str], list[dict[str, object]]]:
        """The column labels shown (plus the provenance column) and every row of the
        filtered, sorted table, its cells in full text."""
        columns = [c.label for c in self.columns_spec]
        extra = [self.provenance[0]] if self.provenance else []
        rows = []
        for item in self.items:
            values: list[object] = (list(self.export_values(item)) if self.export_values
                                    else [t.plain for t in self.render_row(item)])
            if self.provenance:
                values.append(self.provenance[1](item))
            rows.append(dict(zip(columns + extra, values, strict=True)))
        return columns + extra, rows

    def describe(self) -> str:
        """``rows 1-100 of 2,000 · page 1/20 · sorted by papers ↓``."""
        if not self.items:
            return "no rows"
        start = self.page * self.page_size
        end = min(start + self.page_size, len(self.items))
        text = f"rows {start + 1}-{end} of {len(self.items):,} · page {self.page + 1}/{self.pages}"
        if self.sort_column:
            label = next(c.label for c in self.columns_spec if c.key == self.sort_column)
            text += f" · sorted by {label} {'↓' if self.sort_reverse else '↑'}"
        return text
