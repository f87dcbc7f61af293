"""Evidence gaps: the products × levels heat map (filter, sort, page), the gap lists, and
the reference figures computed from the store beside the published ones. Filters: free
text, gap list, subspecialty, product type and finding; ``e`` exports the heat map as shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, Label, Select, Static

from tracker.evidence.figures import PUBLISHED_SOURCES, REFERENCES, Figures, store_figures
from tracker.tui.export import export_shown
from tracker.tui.screens.base import TrackerScreen
from tracker.tui.text import cell
from tracker.tui.widgets.choices import (
    fill_product_filters,
    product_filter_values,
)
from tracker.tui.widgets.empty_state import EmptyState
from tracker.tui.widgets.heatmap import Heatmap
from tracker.tui.widgets.paged_table import PagedTable
from tracker.views.gaps import GAP_RULES, GAP_TITLES, Gaps, evidence_gaps
from tracker.views.products import ProductRow, filter_rows

EMPTY = ("No products in the store yet, so there is no evidence to map.\n"
         "Run `tracker demo`, or `tracker crawl regulatory` then `tracker process`.")
ALL = "all"


@dataclass
class GapsData:
    rows: list[ProductRow]
    gaps: Gaps
    figures: Figures
    findings: list[tuple[str, int]]


class GapsScreen(TrackerScreen):
    MODE = "gaps"
    AUTO_FOCUS = "#heatmap"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Filter", key_display="/"),
        Binding("g", "next_gap", "Next gap list"),
        Binding("escape", "clear_filter", "Clear", show=False),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.data: GapsData | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="gaps-empty")
        with Horizontal(id="gaps-body"):
            with Vertical(id="gaps-left"):
                with Horizontal(classes="filters"):
                    yield Input(placeholder="/ filter: product, company, owner, modality… "
                                "(level>=3)", id="gaps-filter", classes="search")
                    yield Select([(GAP_TITLES[k], k) for k in GAP_RULES], prompt="All products",
                                 value=Select.NULL, id="gap-select", allow_blank=True)
                with Horizontal(classes="filters"):
                    yield Select([], prompt="any subspecialty", id="gaps-subspecialty")
                    yield Select([], prompt="any product type", id="gaps-type")
                    yield Select([], prompt="any finding", id="gaps-finding")
                yield Static("", id="gaps-status", classes="status-line", markup=False)
                yield Heatmap(id="heatmap")
            with Vertical(id="gaps-right"):
                yield Label("Gap lists (share of all products)", classes="pane-title")
                yield DataTable(id="gap-lists", cursor_type="row", show_cursor=False)
                yield Label("Reference figures: this store vs published", classes="pane-title")
                yield DataTable(id="figures", show_cursor=False, zebra_stripes=True)
                yield Static("", id="figures-source", classes="status-line", markup=False)

    def on_mount(self) -> None:
        self.query_one("#gaps-body").display = False
        self.query_one("#gaps-empty").display = False
        self.query_one("#gap-lists", DataTable).add_columns("gap", "products", "share")
        self.query_one("#figures", DataTable).add_columns("figure", "per", "store", "2021", "2025")

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        bundle = self.store.products()
        with self.store.session() as s:  # the figures from the bundle's counts (SQL aggregates)
            figures = store_figures(s, bundle.summary, include_systems=self.store.include_systems)
        self.deliver(self.show, GapsData(bundle.rows, evidence_gaps(bundle.rows, bundle.summary),
                                         figures, bundle.findings))

    def show(self, data: GapsData) -> None:
        self.data = data
        empty = not data.rows
        self.query_one("#gaps-empty").display = empty
        self.query_one("#gaps-body").display = not empty
        if empty:
            return
        lists = self.query_one("#gap-lists", DataTable)
        lists.clear()
        for key in GAP_RULES:
            lists.add_row(Text(GAP_TITLES[key]), cell(len(data.gaps.lists[key])),
                          cell(f"{100 * data.gaps.share(key):.0f}%"), key=key)
        self.show_figures(data.figures)
        fill_product_filters(self, "gaps", data.rows, data.findings)
        self.apply_filter()


    def show_figures(self, values: Figures) -> None:
        figures = self.query_one("#figures", DataTable)
        figures.clear()
        for ref in REFERENCES:
            figures.add_row(Text(ref.label), cell(ref.scope), cell(values.value(ref.key)),
                            cell(ref.published_2021), cell(ref.published_2025), key=ref.key)
        self.query_one("#figures-source", Static).update(
            f"store: tracker.evidence.figures ({values.basis}). Published: 2021 = "
            f"{PUBLISHED_SOURCES['2021']}; 2025 = {PUBLISHED_SOURCES['2025']}")

    @on(Input.Changed, "#gaps-filter")
    @on(Select.Changed)
    def apply_filter(self) -> None:
        if self.data is None:
            return
        gap = self.query_one("#gap-select", Select).value
        rows = self.data.gaps.lists[str(gap)] if gap in GAP_RULES else self.data.rows
        text = self.query_one("#gaps-filter", Input).value
        self.query_one("#heatmap", Heatmap).set_items(
            filter_rows(rows, text=text, **product_filter_values(self, "gaps")))

    @on(PagedTable.Paged, "#heatmap")
    def update_status(self, event: PagedTable.Paged) -> None:
        gap = self.query_one("#gap-select", Select).value
        prefix = f"{GAP_TITLES[str(gap)]} ({GAP_RULES[str(gap)]}) · " if gap in GAP_RULES else ""
        self.query_one("#gaps-status", Static).update(prefix + event.table.describe())

    def action_focus_search(self) -> None:
        self.query_one("#gaps-filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#gaps-filter", Input).value = ""
        self.query_one("#heatmap").focus()

    def action_next_gap(self) -> None:
        keys = [ALL, *GAP_RULES]
        select = self.query_one("#gap-select", Select)
        current = str(select.value) if select.value in GAP_RULES else ALL
        following = keys[(keys.index(current) + 1) % len(keys)]
        select.value = Select.NULL if following == ALL else following

    def action_export(self) -> None:
        columns, rows = self.query_one("#heatmap", Heatmap).export_table()
        gap = self.query_one("#gap-select", Select).value
        name = f"gaps-{gap}" if gap in GAP_RULES else "gaps"
        export_shown(self.app, self.store.settings, name, columns, rows)
