"""Papers: free-text search (title, or title and abstract) or semantic search (the linking
area's faiss index), filtered by level, year, product and vendor independence; one page of
results at a time; Enter opens a paper; ``e`` exports the page shown to CSV."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import DataTable, Input, Select, Static

from tracker.evidence.vocabulary import LEVEL_NAMES, LEVELS
from tracker.tui.export import export_shown
from tracker.tui.screens.base import TrackerScreen
from tracker.tui.screens.paper_detail import PaperDetailScreen
from tracker.tui.text import cell, clip
from tracker.tui.widgets.empty_state import EmptyState
from tracker.views.papers import PaperPage, PaperQuery, search_semantic, search_text

EMPTY = ("No papers in the store yet.\n"
         "Run `tracker demo`, or `tracker crawl literature` then `tracker process`.")
MODES = [("title words", "title"), ("title + abstract", "abstract"), ("semantic (faiss)", "semantic")]
PAGE = 100
COLUMNS = (("year", 4), ("level", 5), ("title", 70), ("journal", 20), ("products", 30),
           ("indep.", 6), ("score", 5))


class PapersScreen(TrackerScreen):
    MODE = "papers"
    AUTO_FOCUS = "#papers"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", key_display="/"),
        Binding("right_square_bracket", "page(1)", "Next page", key_display="]"),
        Binding("left_square_bracket", "page(-1)", "Prev page", key_display="["),
        Binding("e", "export", "Export CSV"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.result_offset = 0
        self.page: PaperPage | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="papers-empty")
        with Horizontal(classes="filters", id="papers-filters"):
            yield Input(placeholder="/ search words, a PMID or a DOI (Enter)", id="paper-search",
                        classes="search")
            yield Select(MODES, value="title", allow_blank=False, id="paper-mode")
        with Horizontal(classes="filters", id="papers-filters-2"):
            yield Select([(f"{lv} {LEVEL_NAMES[lv]}", lv) for lv in LEVELS], prompt="any level",
                         id="paper-level")
            yield Input(placeholder="year", id="paper-year", classes="small", type="integer")
            yield Input(placeholder="product name (Enter)", id="paper-product")
            yield Select([("vendor-independent", "yes"), ("vendor-involved", "no")],
                         prompt="any authorship", id="paper-vi")
        yield Static("", id="papers-status", classes="status-line", markup=False)
        yield DataTable(id="papers", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#papers-empty").display = False
        table = self.query_one("#papers", DataTable)  # fixed widths: stable however rows arrive
        for label, width in COLUMNS:
            table.add_column(label, width=width)

    def current_query(self) -> PaperQuery:
        level = self.query_one("#paper-level", Select).value
        vi = self.query_one("#paper-vi", Select).value
        year = self.query_one("#paper-year", Input).value.strip()
        return PaperQuery(
            text=self.query_one("#paper-search", Input).value,
            level=str(level) if level in LEVELS else None,
            year=int(year) if year.lstrip("-").isdigit() else None,
            product=self.query_one("#paper-product", Input).value,
            vendor_independent={"yes": True, "no": False}.get(str(vi)),
            abstracts=self.query_one("#paper-mode", Select).value == "abstract",
            limit=PAGE, offset=self.result_offset)

    def start_load(self) -> None:
        self.search()

    @work(thread=True, exclusive=True, group="load")
    def load_page(self, query: PaperQuery, semantic: bool) -> None:
        with self.store.session() as s:
            if semantic and query.text.strip():
                page = search_semantic(s, query=query, settings=self.store.settings)
            else:
                page = search_text(s, query=query)
        self.deliver(self.show, page)

    def search(self, *, keep_offset: bool = False) -> None:
        if not keep_offset:
            self.result_offset = 0
        self.query_one("#papers-status", Static).update("searching…")
        self.load_page(self.current_query(), self.query_one("#paper-mode", Select).value == "semantic")

    def show(self, page: PaperPage) -> None:
        self.page = page
        q = self.current_query()
        blank = not page.hits and not (q.text or q.product or q.year or q.level
                                       or q.vendor_independent is not None) and self.result_offset == 0
        self.query_one("#papers-empty").display = blank
        for selector in ("#papers-filters", "#papers-filters-2", "#papers-status", "#papers"):
            self.query_one(selector).display = not blank
        table = self.query_one("#papers", DataTable)
        table.clear()
        for hit in page.hits:
            table.add_row(cell(hit.year), cell(hit.level), cell(clip(hit.title, 70)),
                          cell(clip(hit.journal, 20)), cell(clip(", ".join(hit.products), 30)),
                          cell(hit.vendor_independent), cell(hit.score), key=str(hit.id))
        total = f"{page.total:,}{'+' if page.capped else ''}"
        shown = f"{self.result_offset + 1}-{self.result_offset + len(page.hits)}" if page.hits else "0"
        self.query_one("#papers-status", Static).update(
            f"{page.method} search · {shown} of {total} papers · Enter: detail · [ ]: page · "
            "e: export page")

    @on(Input.Submitted, "#paper-search")
    @on(Input.Submitted, "#paper-year")
    @on(Input.Submitted, "#paper-product")
    def submitted(self) -> None:
        self.search()
        self.query_one("#papers").focus()

    @on(Select.Changed)
    def filter_changed(self) -> None:
        if self.page is not None:  # Selects announce their first value on mount: not a change
            self.search()

    @on(DataTable.RowSelected, "#papers")
    def open_detail(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(PaperDetailScreen(int(str(event.row_key.value))))

    def action_focus_search(self) -> None:
        self.query_one("#paper-search", Input).focus()

    def action_page(self, step: int) -> None:
        if self.page is None:
            return
        offset = self.result_offset + step * PAGE
        if 0 <= offset < self.page.total:
            self.result_offset = offset
            self.search(keep_offset=True)

    def action_export(self) -> None:
        """The page shown, its cells in full text, with each paper's record id."""
        if self.page is None:
            return
        columns = [label for label, _ in COLUMNS] + ["publication_id"]
        rows = [dict(zip(columns, (hit.year, hit.level, hit.title, hit.journal,
                                   ", ".join(hit.products), hit.vendor_independent, hit.score,
                                   hit.id), strict=True)) for hit in self.page.hits]
        export_shown(self.app, self.store.settings, "papers", columns, rows)
