"""The review queue: undecided links and grades below the review threshold, least confident
first. ``c`` confirms, ``x`` rejects a link or changes a grade's level (one key, then the
level); each decision is saved as an Override and leaves the queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tracker.tui.screens.base import TrackerScreen
from tracker.tui.screens.level_picker import NOT_EVIDENCE, LevelPicker
from tracker.tui.screens.paper_detail import PaperDetailScreen
from tracker.tui.text import cell, clip
from tracker.tui.widgets.empty_state import EmptyState
from tracker.views.review import ReviewItem, decide, review_queue

EMPTY = ("Nothing to review: every link and grade is above the review threshold or decided.\n"
         "Low-confidence results appear here after `tracker process`.")


class ReviewScreen(TrackerScreen):
    MODE = "review"
    AUTO_FOCUS = "#queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "confirm", "Confirm"),
        Binding("x", "override", "Reject / change level"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, ReviewItem] = {}

    def compose_body(self) -> Iterable[Widget]:
        yield EmptyState(EMPTY, id="review-empty")
        yield Static("", id="review-status", classes="status-line", markup=False)
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#review-empty").display = False
        queue = self.query_one("#queue", DataTable)  # fixed widths: stable however rows arrive
        for label, width in (("kind", 5), ("confidence", 10), ("product / level", 20),
                             ("paper", 60), ("supporting sentence / cues", 50)):
            queue.add_column(label, width=width)

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        with self.store.session() as s:
            items = review_queue(s, threshold=self.store.settings.review_threshold)
        self.deliver(self.show, items)

    def show(self, items: list[ReviewItem]) -> None:
        self.items = {_key(i): i for i in items}
        table = self.query_one("#queue", DataTable)
        table.clear()
        for key, item in self.items.items():
            table.add_row(cell(item.kind), cell(item.confidence), cell(item.subject),
                          cell(clip(item.title, 60)), cell(clip(item.evidence, 60)), key=key)
        self._update_state()

    def _update_state(self) -> None:
        empty = not self.items
        self.query_one("#review-empty").display = empty
        self.query_one("#queue").display = not empty
        self.query_one("#review-status").display = not empty
        links = sum(1 for i in self.items.values() if i.kind == "link")
        self.query_one("#review-status", Static).update(
            f"{links} links and {len(self.items) - links} grades below "
            f"{self.store.settings.review_threshold:.2f} · c: confirm · x: reject link / change "
            f"level · Enter: paper · decisions are saved as overrides by {self.tracker.author}")

    def current(self) -> ReviewItem | None:
        table = self.query_one("#queue", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.items.get(str(key))

    def action_confirm(self) -> None:
        item = self.current()
        if item is not None:
            self.save(item, accept=True, level=None)

    def action_override(self) -> None:
        item = self.current()
        if item is None:
            return
        if item.kind == "link":
            self.save(item, accept=False, level=None)
            return

        def chosen(level: str | None) -> None:
            if level is not None:
                self.save(item, accept=False, level=None if level == NOT_EVIDENCE else level)

        self.app.push_screen(LevelPicker(item.title, item.subject), chosen)

    def save(self, item: ReviewItem, *, accept: bool, level: str | None) -> None:
        """Take the row out of the queue now; write the override in a worker thread."""
        key = _key(item)
        self.query_one("#queue", DataTable).remove_row(key)
        del self.items[key]
        self._update_state()
        self.write_override(item, accept, level)

    @work(thread=True, group="save")
    def write_override(self, item: ReviewItem, accept: bool, level: str | None) -> None:
        try:
            with self.store.session() as s:
                decide(s, item=item, accept=accept, level=level, author=self.tracker.author)
        except Exception as exc:  # the queue reloads so nothing looks saved that is not
            self.deliver(self.failed, item, str(exc))
            return
        self.deliver(self.saved, item, accept, level)

    def saved(self, item: ReviewItem, accept: bool, level: str | None) -> None:
        self.store.invalidate()
        self._generation = self.store.generation
        verb = "confirmed" if accept else (
            "rejected" if item.kind == "link" else f"set to {level or 'none'}")
        self.notify(f"{item.kind} {verb}: {clip(item.title, 50)}", markup=False, timeout=3)

    def failed(self, item: ReviewItem, error: str) -> None:
        self.notify(f"not saved ({error}); the queue is reloaded", severity="error", markup=False)
        self.start_load()

    @on(DataTable.RowSelected, "#queue")
    def open_paper(self, event: DataTable.RowSelected) -> None:
        item = self.items.get(str(event.row_key.value))
        if item is not None:
            self.app.push_screen(PaperDetailScreen(item.publication_id))


def _key(item: ReviewItem) -> str:
    return f"{item.kind}-{item.publication_id}-{item.product_id or ''}"
