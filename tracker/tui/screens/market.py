"""Market consolidation: the overview's headline (AI software products on the market vs
active independent companies per year), registrations per year by regulator, the ownership
tree, the acquisition timeline, and per year the figures with the exits behind them (event,
date, source) and the rules. ``s`` counts imaging systems as products too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static, Tree

from tracker.tui.screens.base import TrackerScreen
from tracker.tui.text import cell, clip
from tracker.tui.widgets.empty_state import EmptyState
from tracker.tui.widgets.ownership_tree import OwnershipTree
from tracker.tui.widgets.year_chart import YearChart
from tracker.views.market import MarketView, YearFigures, headline, market_view

EMPTY = ("No companies, registrations or market events in the store yet.\n"
         "Fill it with `tracker demo`, `tracker crawl regulatory` or `tracker crawl news`.")


class MarketScreen(TrackerScreen):
    MODE = "market"
    AUTO_FOCUS = "#ownership"
    DEFAULT_CSS = """
    #year-detail {
        height: auto;
        max-height: 8;
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [*TrackerScreen.BINDINGS,
                                             Binding("i", "toggle_systems", "Systems on/off")]

    def __init__(self) -> None:
        super().__init__()
        self._view: MarketView | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="market-empty")
        with Vertical(id="market-body"):
            with Horizontal(id="market-charts"):
                yield YearChart(id="owners-chart")
                yield YearChart(id="regs-chart")
            with Horizontal(id="market-lower"):
                with Vertical(id="market-tree-pane"):
                    yield Label("Ownership (owner → acquired brands; Enter: company)",
                                classes="pane-title")
                    yield OwnershipTree(id="ownership")
                with Vertical(id="market-tables"):
                    yield Label("Acquisitions and other events (? = uncertain)", classes="pane-title")
                    yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
                    yield Label("Per year, as of 31 Dec (tracker.market.metrics): AI products, active and "
                                "independent companies, exits, AI acquisitions, brands, owners, top-5, HHI",
                                classes="pane-title")
                    yield DataTable(id="years", cursor_type="row", zebra_stripes=True)
                    yield Static("", id="year-detail", markup=False)

    def on_mount(self) -> None:
        self.query_one("#market-body").display = False
        self.query_one("#market-empty").display = False
        timeline = self.query_one("#timeline", DataTable)
        timeline.add_columns("date", "event", "company", "by / with", "status", "origin", "source")
        years = self.query_one("#years", DataTable)
        years.add_columns("year", "AI prod.", "active", "indep.", "exits", "acq.", "brands", "owners",
                          "top-5", "HHI", "entrants")

    @on(Tree.NodeSelected, "#ownership")
    def open_company(self, event: Tree.NodeSelected[int]) -> None:
        """Enter (or a click) on a company in the tree opens its screen."""
        from tracker.tui.screens.company import CompanyScreen

        if isinstance(event.node.data, int):
            self.app.push_screen(CompanyScreen(event.node.data))

    def action_toggle_systems(self) -> None:
        """The app-wide switch (``i`` on every screen): imaging systems in or out."""
        self.tracker.action_toggle_systems()

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        with self.store.session() as s:
            view = market_view(s, min_confidence=self.store.settings.event_min_confidence,
                               include_systems=self.store.include_systems)
        self.deliver(self.show, view)

    def show(self, view: MarketView) -> None:
        self._view = view
        empty = not (view.brands or view.timeline or view.registrations)
        self.query_one("#market-empty").display = empty
        self.query_one("#market-body").display = not empty
        if empty:
            return
        years = [y.year for y in view.years]
        what = "AI software + systems" if view.include_systems else "AI software products"
        series = headline(view)
        self.query_one("#owners-chart", YearChart).show_lines(
            f"{what} vs active independent companies", years,
            {"products": series["products"], "companies": series["companies"]})
        reg_years = sorted({y for per in view.registrations.values() for y in per})
        self.query_one("#regs-chart", YearChart).show_bars(
            "Registrations per year by regulator", reg_years,
            {reg: [per.get(y, 0) for y in reg_years] for reg, per in view.registrations.items()})
        self.query_one("#ownership", OwnershipTree).show(view)
        timeline = self.query_one("#timeline", DataTable)
        timeline.clear()
        for event in view.timeline:
            status = f"{event['status']}?" if event["uncertain"] else event["status"]
            timeline.add_row(*map(cell, (event["date_label"], event["type"], event["company"],
                                         event["counterparty"], status, event["origin"],
                                         event["url"])), key=f"event-{event['id']}")
        table = self.query_one("#years", DataTable)
        table.clear()
        for fig in reversed(view.years):
            top5 = f"{100 * fig.top5_share:.0f}%" if fig.top5_share is not None else None
            table.add_row(cell(fig.year), cell(fig.products), cell(fig.active_companies),
                          cell(fig.active_independent),
                          cell(f"{len(fig.exits)}: {clip(', '.join(fig.exits), 30)}" if fig.exits else 0),
                          cell(fig.acquisitions), cell(fig.brands), cell(fig.owners), cell(top5),
                          cell(fig.hhi),
                          cell(f"{len(fig.entrants)}: {clip(', '.join(fig.entrants), 30)}"
                               if fig.entrants else 0), key=f"year-{fig.year}")
        if view.years:
            self._show_year(view.years[-1])

    @on(DataTable.RowHighlighted, "#years")
    def _year_highlighted(self, event: DataTable.RowHighlighted) -> None:
        key = event.row_key.value or ""
        if self._view is None or not key.startswith("year-"):
            return
        year = int(key.removeprefix("year-"))
        for fig in self._view.years:
            if fig.year == year:
                self._show_year(fig)

    def _show_year(self, fig: YearFigures) -> None:
        """The exits behind a year's figures (event, date, source) and the headline's rules."""
        lines = [f"{fig.year}: {fig.products} AI products, {fig.active_independent} active independent "
                 f"companies ({fig.active_companies} active). Exits:"]
        lines += [f"  {d['date']} {d['company']} {d['type']}{' by ' + d['by'] if d.get('by') else ''}"
                  f"{' (uncertain)' if d.get('uncertain') else ''} [event {d['event_id']}] {d['source_url']}"
                  for d in fig.exit_details] or ["  none"]
        rules = self._view.rules if self._view else {}
        lines += [f"active: {rules.get('active_companies', '')}",
                  f"independent: {rules.get('active_independent', '')}"]
        self.query_one("#year-detail", Static).update("\n".join(lines))
