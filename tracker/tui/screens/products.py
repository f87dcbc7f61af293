"""Products: a filterable, sortable, paged table; Enter opens the product's detail."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from tracker.tui.screens.base import TrackerScreen
from tracker.tui.screens.product_detail import ProductDetailScreen
from tracker.tui.widgets.empty_state import EmptyState
from tracker.tui.widgets.paged_table import PagedTable
from tracker.tui.widgets.products_table import ProductsTable
from tracker.views.products import ProductRow, filter_rows

EMPTY = ("No products in the store yet.\n"
         "Run `tracker demo`, or `tracker crawl regulatory` to collect registered products.")


class ProductsScreen(TrackerScreen):
    MODE = "products"
    AUTO_FOCUS = "#products"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Filter", key_display="/"),
        Binding("escape", "clear_filter", "Clear", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ProductRow] = []

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="products-empty")
        yield Input(placeholder="/ filter: words in product, company, owner, modality, CE, "
                    "FDA… and level>=3", id="products-filter", classes="search")
        yield Static("", id="products-status", classes="status-line", markup=False)
        yield ProductsTable(id="products")

    def on_mount(self) -> None:
        self.query_one("#products-empty").display = False

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        self.deliver(self.show, self.store.products().rows)

    def show(self, rows: list[ProductRow]) -> None:
        self.rows = rows
        empty = not rows
        self.query_one("#products-empty").display = empty
        for selector in ("#products-filter", "#products-status", "#products"):
            self.query_one(selector).display = not empty
        self.apply_filter()

    @on(Input.Changed, "#products-filter")
    def apply_filter(self) -> None:
        text = self.query_one("#products-filter", Input).value
        self.query_one("#products", ProductsTable).set_items(filter_rows(self.rows, text=text))

    @on(Input.Submitted, "#products-filter")
    def to_table(self) -> None:
        self.query_one("#products").focus()

    @on(PagedTable.Paged, "#products")
    def update_status(self, event: PagedTable.Paged) -> None:
        self.query_one("#products-status", Static).update(
            f"{event.table.describe()} · Enter: detail · s/S: sort · [ ]: page")

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
