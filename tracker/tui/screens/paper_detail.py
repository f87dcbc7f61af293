"""One paper: its record, abstract, grade (with the automatic value beside an override),
the products it is linked to, the products it mentions without evaluating them (role,
sentence; not evidence) and the sources that found it."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import work
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from tracker.tui.screens.detail_base import DetailScreen
from tracker.tui.text import cell, clip
from tracker.views.paper_detail import PaperDetail, paper_detail


class PaperDetailScreen(DetailScreen):
    AUTO_FOCUS = "#paper-grade"

    def __init__(self, publication_id: int) -> None:
        super().__init__()
        self.publication_id = publication_id

    def compose_body(self) -> Iterable[Widget]:
        yield Static("Loading…", id="paper-title", classes="detail-text", markup=False)
        yield Static("", id="paper-abstract", classes="detail-text", markup=False)
        yield Label("Grade (overrides win; the automatic value is kept)", classes="pane-title")
        yield DataTable(id="paper-grade", cursor_type="row")
        yield Label("Linked products", classes="pane-title")
        yield DataTable(id="paper-links", cursor_type="row")
        yield Label("Products mentioned (named, not evaluated: not evidence)", classes="pane-title")
        yield DataTable(id="paper-mentions", cursor_type="row")
        yield Label("Sources", classes="pane-title")
        yield DataTable(id="paper-sources", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#paper-grade", DataTable).add_columns("field", "value", "automatic", "override")
        self.query_one("#paper-links", DataTable).add_columns(
            "product", "score", "method", "supporting sentence", "review")
        self.query_one("#paper-mentions", DataTable).add_columns(
            "product", "company", "role", "sentence naming the product")
        self.query_one("#paper-sources", DataTable).add_columns("source", "id", "url")
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        with self.tracker.store.session() as s:
            detail = paper_detail(s, publication_id=self.publication_id)
        self.deliver(self.show, detail)

    def show(self, detail: PaperDetail | None) -> None:
        title = self.query_one("#paper-title", Static)
        if detail is None:
            title.update("This paper is no longer in the store.")
            return
        self.sub_title = clip(detail.title, 60)
        head = Text(detail.title, style="bold")
        meta = " · ".join(str(v) for v in (detail.authors, detail.journal, detail.year) if v)
        head.append(f"\n{meta}" if meta else "")
        head.append(f"\n{detail.url}" if detail.url else "", style="dim")
        if detail.flags:
            head.append(f"\n[{', '.join(detail.flags)}]", style="bold red")
        title.update(head)
        abstract = detail.abstract or "(no abstract)"
        if detail.conflicts:
            abstract += f"\n\nConflicts of interest: {detail.conflicts}"
        self.query_one("#paper-abstract", Static).update(abstract)
        grade = self.query_one("#paper-grade", DataTable)
        for name, entry in detail.grade.items():
            grade.add_row(cell(name.replace("_", " ")), cell(entry["value"]), cell(entry["auto"]),
                          cell("override" if entry["overridden"] else ""))
        links = self.query_one("#paper-links", DataTable)
        for link in detail.links:
            decision = link["state"]
            links.add_row(cell(link["product"]), cell(link["score"]), cell(link["method"]),
                          cell(clip(link["sentence"], 70)), cell(decision))
        mentions = self.query_one("#paper-mentions", DataTable)
        for mention in detail.mentions:
            mentions.add_row(cell(mention["product"]), cell(mention["company"]),
                             cell(mention["role"]), cell(clip(mention["sentence"], 80)))
        sources = self.query_one("#paper-sources", DataTable)
        for src in detail.sources:
            sources.add_row(cell(src["source"]), cell(src["id"]), cell(src["url"]))
