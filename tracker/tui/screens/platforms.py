"""Platforms (key 7): platforms and marketplaces with the products and vendors each carries;
below, the highlighted platform's products with their vendor, since when, how it is known
(seed, extracted from news, manual, import) and the source. Esc goes back."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from tracker.tui.screens.detail_base import DetailScreen
from tracker.tui.text import cell, clip
from tracker.views.platforms import (
    PlatformDetail,
    PlatformRow,
    format_since,
    platform_detail,
    platform_rows,
)

EMPTY = ("No platforms in the store yet.\n"
         "Run `tracker seed-platforms` (or `tracker process`) to load the known platforms.")


class PlatformsScreen(DetailScreen):
    AUTO_FOCUS = "#platforms"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "reload", "Reload")]

    def __init__(self) -> None:
        super().__init__()
        self.shown: int | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Static("Loading…", id="platforms-status", classes="status-line", markup=False)
        yield Label("Platforms and marketplaces (AI software carried)", classes="pane-title")
        yield DataTable(id="platforms", cursor_type="row", zebra_stripes=True)
        yield Static("", id="platform-title", classes="detail-text", markup=False)
        yield Label("Products the highlighted platform carries", classes="pane-title")
        yield DataTable(id="platform-products", cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one("#platforms", DataTable)
        for label, width in (("platform", 34), ("kind", 18), ("operator", 22), ("products", 8),
                             ("vendors", 7), ("source", 50)):
            table.add_column(label, width=width)
        carried = self.query_one("#platform-products", DataTable)
        for label, width in (("product", 30), ("vendor", 22), ("since", 10), ("origin", 9), ("source", 60)):
            carried.add_column(label, width=width)
        self.load()

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        with self.tracker.store.session() as s:
            rows = platform_rows(s)
            detail = platform_detail(s, rows[0].id) if rows else None
        self.deliver(self.show, rows, detail)

    def show(self, rows: list[PlatformRow], detail: PlatformDetail | None) -> None:
        self.query_one("#platforms-status", Static).update(
            EMPTY if not rows else f"{len(rows)} platforms · ↑↓ choose · Esc back")
        table = self.query_one("#platforms", DataTable)
        table.clear()
        for row in rows:
            table.add_row(cell(row.name), cell(row.kind), cell(row.operator), cell(row.products),
                          cell(row.vendors), cell(clip(row.source_url, 50)), key=str(row.id))
        self.show_detail(detail)

    @on(DataTable.RowHighlighted, "#platforms")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        platform_id = int(str(event.row_key.value))
        if platform_id != self.shown:
            self.load_detail(platform_id)

    @work(thread=True, exclusive=True, group="detail")
    def load_detail(self, platform_id: int) -> None:
        with self.tracker.store.session() as s:
            detail = platform_detail(s, platform_id)
        self.deliver(self.show_detail, detail)

    def show_detail(self, detail: PlatformDetail | None) -> None:
        self.shown = detail.platform.id if detail else None
        title = self.query_one("#platform-title", Static)
        table = self.query_one("#platform-products", DataTable)
        table.clear()
        if detail is None:
            title.update("")
            return
        vendors = ", ".join(f"{name} ({n})" for name, n in detail.vendors[:8])
        title.update(f"{detail.platform.name}: {detail.platform.products} products from "
                     f"{detail.platform.vendors} vendors{': ' + vendors if vendors else ''}")
        for item in detail.carried:
            table.add_row(cell(item.product), cell(item.company),
                          cell(format_since(item.since, item.since_precision)), cell(item.origin),
                          cell(clip(item.source_url, 60)))
