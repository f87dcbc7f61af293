"""One company: who it is and who owns it now, its products (its own and its brands'; Enter
opens one, ``e`` exports the table), its evidence profile with the rule that counted it,
its papers by level per year (a stacked bar chart), its ownership history (dates and
sources; Enter opens the other company) and its market events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from tracker.evidence.vocabulary import LEVEL_NAMES, LEVELS
from tracker.tui.data import YEAR_LEVELS_RULE
from tracker.tui.export import export_shown
from tracker.tui.screens.detail_base import DetailScreen
from tracker.tui.screens.product_detail import ProductDetailScreen
from tracker.tui.text import cell
from tracker.tui.widgets.evidence_profile import fill_profile, profile_rule
from tracker.tui.widgets.products_table import ProductsTable
from tracker.tui.widgets.year_chart import YearChart
from tracker.views.company import CompanyProfile, company_profile


class CompanyScreen(DetailScreen):
    AUTO_FOCUS = "#company-products"
    BINDINGS: ClassVar[list[BindingType]] = [
        *DetailScreen.BINDINGS,
        Binding("e", "export", "Export products CSV"),
    ]

    def __init__(self, company_id: int) -> None:
        super().__init__()
        self.company_id = company_id
        self.profile: CompanyProfile | None = None
        self._history_targets: list[int] = []  # the other company of each history row

    def compose_body(self) -> Iterable[Widget]:
        yield Static("Loading…", id="company-title", classes="detail-text", markup=False)
        yield Label("Products of the company and of the brands it owns now (Enter: detail · "
                    "e: export CSV)", classes="pane-title")
        yield ProductsTable(id="company-products")
        with Horizontal(id="company-evidence"):
            with Vertical(id="company-profile-pane"):
                yield Label("Evidence profile", classes="pane-title")
                yield DataTable(id="company-profile", show_cursor=False, zebra_stripes=True)
            yield YearChart(id="company-chart")
        yield Static("", id="company-rule", classes="status-line", markup=False)
        yield Label("Ownership history (Enter opens the other company)", classes="pane-title")
        yield DataTable(id="company-history", cursor_type="row")
        yield Label("Market events (company = target, by / with = acquirer or partner)",
                    classes="pane-title")
        yield DataTable(id="company-events", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#company-profile", DataTable).add_columns("measure", "value")
        self.query_one("#company-history", DataTable).add_columns(
            "since", "event", "owner", "owned", "now", "event id", "source")
        self.query_one("#company-events", DataTable).add_columns(
            "date", "event", "company", "by / with", "status", "origin", "event id", "source")
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        store = self.tracker.store
        bundle = store.products()
        with store.session() as s:
            profile = company_profile(s, self.company_id, evidence=bundle.evidence,
                                      ownership=bundle.ownership,
                                      include_systems=store.include_systems,
                                      min_confidence=store.settings.event_min_confidence)
        years = store.papers_by_level_year([r.id for r in profile.products]) if profile else {}
        self.deliver(self.show, profile, years)

    def show(self, profile: CompanyProfile | None, years: dict[int, dict[str, int]]) -> None:
        title = self.query_one("#company-title", Static)
        if profile is None:
            title.update("This company is no longer in the store.")
            return
        self.profile = profile
        self.sub_title = profile.name
        title.update(_title(profile))
        self.query_one("#company-products", ProductsTable).set_items(profile.products)
        fill_profile(self.query_one("#company-profile", DataTable), profile.profile)
        self.query_one("#company-rule", Static).update(profile_rule(profile.profile))
        chart = self.query_one("#company-chart", YearChart)
        shown = sorted(years)
        chart.show_stacked("Evidence papers by level per year", shown,
                           {f"{lv} {LEVEL_NAMES[lv]}": [years[y].get(lv, 0) for y in shown]
                            for lv in LEVELS})
        chart.tooltip = YEAR_LEVELS_RULE
        history = self.query_one("#company-history", DataTable)
        history.clear()
        self._history_targets = []
        for h in profile.history:
            other = h["parent_id"] if h["child_id"] == profile.id else h["child_id"]
            self._history_targets.append(other)
            history.add_row(*map(cell, (h["date"] or "date unknown", h["type"], h["parent"],
                                        h["child"], h["current"], h["event_id"], h["source_url"])))
        if not profile.history:
            history.add_row(cell("–"), cell("no acquisition recorded"), *[cell(None)] * 5)
        events = self.query_one("#company-events", DataTable)
        events.clear()
        for e in profile.events:
            status = f"{e['status']}?" if e["uncertain"] else e["status"]
            events.add_row(*map(cell, (e["date_label"], e["type"], e["company"], e["counterparty"],
                                       status, e["origin"], e["id"], e["source_url"])))

    @on(DataTable.RowSelected, "#company-products")
    def open_product(self, event: DataTable.RowSelected) -> None:
        row = self.query_one("#company-products", ProductsTable).by_key.get(str(event.row_key.value))
        if row is not None:
            self.app.push_screen(ProductDetailScreen(row.id))

    @on(DataTable.RowSelected, "#company-history")
    def open_other_company(self, event: DataTable.RowSelected) -> None:
        if event.cursor_row < len(self._history_targets):
            self.app.push_screen(CompanyScreen(self._history_targets[event.cursor_row]))

    def action_export(self) -> None:
        columns, rows = self.query_one("#company-products", ProductsTable).export_table()
        name = f"company-{self.company_id}-products"
        export_shown(self.app, self.tracker.store.settings, name, columns, rows)


def _title(profile: CompanyProfile) -> Text:
    head = Text(profile.name, style="bold")
    for label, value in (("kind", profile.kind), ("country", profile.country),
                         ("website", profile.website)):
        if value:
            head.append(f" · {label}: {value}")
    head.append(f"\nowned by {profile.owner}" if profile.owner else "\nindependent (no owner now)")
    if profile.brands:
        head.append(f"\nowns now: {', '.join(profile.brands)}")
    if profile.closed:
        head.append(f"\nclosed {profile.closed['date'] or '(date unknown)'} "
                    f"[event {profile.closed['event_id']}]", style="bold yellow")
    head.append(f"\ncompany id {profile.id}" + (f" · {profile.source_url}" if profile.source_url else ""),
                style="dim")
    return head
