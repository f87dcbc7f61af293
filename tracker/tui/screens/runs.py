"""Runs: the nightly job's runs (latest first); the highlighted run's sources with their
requests, new/updated/unchanged items and errors below, and the error text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from tracker.tui.screens.base import TrackerScreen
from tracker.tui.text import cell, clip
from tracker.tui.widgets.empty_state import EmptyState
from tracker.views.runs import RunRow, recent_runs, source_runs

EMPTY = "No runs recorded yet.\nRuns appear here after `tracker nightly` or `tracker demo`."
STATUS_STYLE = {"ok": "green", "failed": "bold red", "partial": "yellow", "running": "cyan"}


class RunsScreen(TrackerScreen):
    MODE = "runs"
    AUTO_FOCUS = "#runs"

    def __init__(self) -> None:
        super().__init__()
        self.shown_run: int | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="runs-empty")
        yield Label("Runs (latest first)", classes="pane-title", id="runs-title")
        yield DataTable(id="runs", cursor_type="row", zebra_stripes=True)
        yield Label("Sources of the highlighted run", classes="pane-title", id="sources-title")
        yield DataTable(id="sources", cursor_type="row")
        yield Static("", id="run-errors", markup=False)

    def on_mount(self) -> None:
        self.query_one("#runs-empty").display = False
        # fixed widths: the table looks the same however fast its rows arrive
        runs = self.query_one("#runs", DataTable)
        for label, width in (("run", 5), ("kind", 8), ("status", 8), ("started", 16),
                             ("duration", 8), ("sources", 7), ("errors", 6), ("log", 40)):
            runs.add_column(label, width=width)
        sources = self.query_one("#sources", DataTable)
        for label, width in (("source", 12), ("status", 8), ("requests", 8), ("new", 6),
                             ("updated", 7), ("unchanged", 9), ("errors", 6), ("error", 60)):
            sources.add_column(label, width=width)

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        with self.store.session() as s:
            runs = recent_runs(s)
            sources = source_runs(s, run_id=runs[0].id) if runs else []
        self.deliver(self.show, runs, sources)

    def show(self, runs: list[RunRow], sources: list[dict[str, Any]]) -> None:
        empty = not runs
        self.query_one("#runs-empty").display = empty
        for selector in ("#runs-title", "#runs", "#sources-title", "#sources", "#run-errors"):
            self.query_one(selector).display = not empty
        table = self.query_one("#runs", DataTable)
        table.clear()
        self.shown_run = runs[0].id if runs else None
        for run in runs:
            table.add_row(cell(run.id), cell(run.kind), cell(run.status, style=STATUS_STYLE.get(run.status, "")),
                          cell(run.started_at), cell(run.duration), cell(run.sources),
                          cell(run.errors, style="red" if run.errors else ""), cell(run.log_path),
                          key=str(run.id))
        self.show_sources(sources)

    @on(DataTable.RowHighlighted, "#runs")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None:
            return
        run_id = int(str(event.row_key.value))
        if run_id != self.shown_run:
            self.shown_run = run_id
            self.load_sources(run_id)

    @work(thread=True, exclusive=True, group="sources")
    def load_sources(self, run_id: int) -> None:
        with self.store.session() as s:
            sources = source_runs(s, run_id=run_id)
        self.deliver(self.show_sources, sources)

    def show_sources(self, sources: list[dict[str, Any]]) -> None:
        table = self.query_one("#sources", DataTable)
        table.clear()
        errors = Text()
        for src in sources:
            table.add_row(cell(src["source"]), cell(src["status"], style=STATUS_STYLE.get(src["status"], "")),
                          cell(src["requests"]), cell(src["new"]), cell(src["updated"]),
                          cell(src["unchanged"]), cell(src["errors"], style="red" if src["errors"] else ""),
                          cell(clip(src["error_text"], 50)))
            if src["error_text"]:
                errors.append(f"{src['source']}: ", style="bold")
                errors.append(src["error_text"] + "\n")
        self.query_one("#run-errors", Static).update(errors)
