"""Products: a filterable, sortable, paged table; Enter opens the product's detail.

Filters: free text (``/``), subspecialty, product type and finding (the Selects, filled from
the data). Space or ``m`` marks a product (marks survive filtering), ``c`` compares the
marked products side by side, ``e`` exports the table as shown to CSV."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from tracker.tui.data import ProductsBundle
from tracker.tui.export import export_shown
from tracker.tui.screens.base import TrackerScreen
from tracker.tui.screens.product_detail import ProductDetailScreen
from tracker.tui.widgets.choices import (
    fill_product_filters,
    product_filter_values,
)
from tracker.tui.widgets.empty_state import EmptyState
from tracker.tui.widgets.paged_table import PagedTable
from tracker.tui.widgets.products_table import ProductsTable
from tracker.views.products import ProductRow, filter_rows

EMPTY = ("No products in the store yet.\n"
         "Run `tracker demo`, or `tracker crawl regulatory` to collect registered products.")
MAX_COMPARED = 8
"""Products side by side at most (columns of the comparison screen)."""



class ProductsScreen(TrackerScreen):
    MODE = "products"
    AUTO_FOCUS = "#products"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear", show=False),
        Binding("m,space", "toggle_mark", "Mark", key_display="m"),
        Binding("c", "compare", "Compare marked"),
        Binding("u", "clear_marks", "Unmark all", show=False),
        Binding("o", "open_company", "Company"),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ProductRow] = []

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="products-empty")
        with Horizontal(classes="filters", id="products-filters"):
            yield Input(placeholder="/ filter: words in product, company, owner, modality, CE, "
                        "FDA… and level>=3", id="products-filter", classes="search")
            yield Select([], prompt="any subspecialty", id="products-subspecialty")
            yield Select([], prompt="any product type", id="products-type")
            yield Select([], prompt="any finding", id="products-finding")
        yield Static("", id="products-status", classes="status-line", markup=False)
        yield ProductsTable(id="products")

    def on_mount(self) -> None:
        self.query_one("#products-empty").display = False

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        self.deliver(self.show, self.store.products())

    def show(self, bundle: ProductsBundle) -> None:
        self.rows = bundle.rows
        empty = not self.rows
        self.query_one("#products-empty").display = empty
        for selector in ("#products-filters", "#products-status", "#products"):
            self.query_one(selector).display = not empty
        fill_product_filters(self, "products", self.rows, bundle.findings)
        self.apply_filter()


    def shown(self) -> list[ProductRow]:
        """The rows the filters keep, in the data's order."""
        return filter_rows(self.rows, text=self.query_one("#products-filter", Input).value,
                           **product_filter_values(self, "products"))

    @on(Input.Changed, "#products-filter")
    @on(Select.Changed)
    def apply_filter(self) -> None:
        self.query_one("#products", ProductsTable).set_items(self.shown())

    @on(Input.Submitted, "#products-filter")
    def to_table(self) -> None:
        self.query_one("#products").focus()

    @on(PagedTable.Paged, "#products")
    def update_status(self, event: PagedTable.Paged | None = None) -> None:
        table = self.query_one("#products", ProductsTable)
        marked = f" · {len(table.marks)} marked (c: compare)" if table.marks else ""
        self.query_one("#products-status", Static).update(
            f"{table.describe()}{marked} · Enter: detail · m: mark · s/S: sort · [ ]: page · e: export")

    @on(DataTable.RowSelected, "#products")
    def open_detail(self, event: DataTable.RowSelected) -> None:
        row = self.query_one("#products", ProductsTable).by_key.get(str(event.row_key.value))
        if row is not None:
            self.app.push_screen(ProductDetailScreen(row.id))

    def action_focus_search(self) -> None:
        self.query_one("#products-filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#products-filter", Input).value = ""
        self.query_one("#products").focus()

    def action_toggle_mark(self) -> None:
        table = self.query_one("#products", ProductsTable)
        if table.toggle_mark() is not None:
            table.action_cursor_down()
        self.update_status()

    def action_clear_marks(self) -> None:
        table = self.query_one("#products", ProductsTable)
        table.marks.clear()
        table.set_items(table.items, keep_page=True)

    def action_compare(self) -> None:
        from tracker.tui.screens.compare import CompareScreen

        table = self.query_one("#products", ProductsTable)
        ids = [r.id for r in self.rows if r.id in table.marks]
        if len(ids) < 2:
            self.notify("Mark two or more products (m or space), then press c.", markup=False)
            return
        if len(ids) > MAX_COMPARED:
            self.notify(f"Comparing the first {MAX_COMPARED} of {len(ids)} marked products.",
                        markup=False)
        self.app.push_screen(CompareScreen(ids[:MAX_COMPARED]))

    def action_open_company(self) -> None:
        from tracker.tui.screens.company import CompanyScreen

        row = self.query_one("#products", ProductsTable).highlighted()
        if row is not None:
            self.app.push_screen(CompanyScreen(row.company_id))

    def action_export(self) -> None:
        columns, rows = self.query_one("#products", ProductsTable).export_table()
        export_shown(self.app, self.store.settings, "products", columns, rows)
