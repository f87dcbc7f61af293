"""Market consolidation: brands vs independent owners per year, registrations per year by
regulator, the ownership tree, the acquisition timeline, entrants and exits per year."""

from __future__ import annotations

from collections.abc import Iterable

from textual import work
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Label

from tracker.tui.screens.base import TrackerScreen
from tracker.tui.text import cell, clip
from tracker.tui.widgets.empty_state import EmptyState
from tracker.tui.widgets.ownership_tree import OwnershipTree
from tracker.tui.widgets.year_chart import YearChart
from tracker.views.market import MarketView, market_view

EMPTY = ("No companies, registrations or market events in the store yet.\n"
         "Fill it with `tracker demo`, `tracker crawl regulatory` or `tracker crawl news`.")


class MarketScreen(TrackerScreen):
    MODE = "market"
    AUTO_FOCUS = "#ownership"

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="market-empty")
        with Vertical(id="market-body"):
            with Horizontal(id="market-charts"):
                yield YearChart(id="owners-chart")
                yield YearChart(id="regs-chart")
            with Horizontal(id="market-lower"):
                with Vertical(id="market-tree-pane"):
                    yield Label("Ownership (owner → acquired brands)", classes="pane-title")
                    yield OwnershipTree(id="ownership")
                with Vertical(id="market-tables"):
                    yield Label("Acquisitions and other events", classes="pane-title")
                    yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
                    yield Label("Per year (tracker.market.metrics, as of 31 Dec): brands, owners, "
                                "acquisitions, top-5 share, HHI, entrants, exits", classes="pane-title")
                    yield DataTable(id="years", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#market-body").display = False
        self.query_one("#market-empty").display = False
        timeline = self.query_one("#timeline", DataTable)
        timeline.add_columns("date", "event", "company", "by / with", "status", "origin", "source")
        years = self.query_one("#years", DataTable)
        years.add_columns("year", "brands", "owners", "acq.", "top-5", "HHI", "entrants", "exits")

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        with self.store.session() as s:
            view = market_view(s, min_confidence=self.store.settings.event_min_confidence)
        self.deliver(self.show, view)

    def show(self, view: MarketView) -> None:
        empty = not (view.brands or view.timeline or view.registrations)
        self.query_one("#market-empty").display = empty
        self.query_one("#market-body").display = not empty
        if empty:
            return
        years = [y.year for y in view.years]
        self.query_one("#owners-chart", YearChart).show_lines(
            "Active brands vs independent owners", years,
            {"brands": [y.brands for y in view.years], "owners": [y.owners for y in view.years]})
        reg_years = sorted({y for per in view.registrations.values() for y in per})
        self.query_one("#regs-chart", YearChart).show_bars(
            "Registrations per year by regulator", reg_years,
            {reg: [per.get(y, 0) for y in reg_years] for reg, per in view.registrations.items()})
        self.query_one("#ownership", OwnershipTree).show(view)
        timeline = self.query_one("#timeline", DataTable)
        timeline.clear()
        for event in view.timeline:
            timeline.add_row(*map(cell, (event["date"], event["type"], event["company"],
                                         event["counterparty"], event["status"], event["origin"],
                                         event["url"])), key=f"event-{event['id']}")
        table = self.query_one("#years", DataTable)
        table.clear()
        for fig in reversed(view.years):
            top5 = f"{100 * fig.top5_share:.0f}%" if fig.top5_share is not None else None
            table.add_row(cell(fig.year), cell(fig.brands), cell(fig.owners), cell(fig.acquisitions),
                          cell(top5), cell(fig.hhi),
                          cell(f"{len(fig.entrants)}: {clip(', '.join(fig.entrants), 40)}"
                               if fig.entrants else 0),
                          cell(f"{len(fig.exits)}: {clip(', '.join(fig.exits), 40)}"
                               if fig.exits else 0), key=f"year-{fig.year}")
