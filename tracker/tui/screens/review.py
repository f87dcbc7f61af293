"""The review queue: undecided links and grades below the review threshold, highest expected
value first (tracker/views/review.py: closeness to the threshold, weighted up for products
with little evidence). ``c`` confirms, ``x`` rejects a link or changes a grade's level (one
key, then the level), ``n`` marks the paper not relevant (level none, every automatic link
rejected, in one transaction); each decision is saved as an Override by the reviewer (the
``reviewer`` setting) and leaves the queue, which is ranked again on the next load."""

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
from tracker.views.review import ReviewItem, decide, mark_not_relevant, review_queue

EMPTY = ("Nothing to review: every link and grade is above the review threshold or decided.\n"
         "Low-confidence results appear here after `tracker process`.")
NOT_RELEVANT_REASON = "not relevant (marked in the TUI review queue)"


class ReviewScreen(TrackerScreen):
    MODE = "review"
    AUTO_FOCUS = "#queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "confirm", "Confirm"),
        Binding("x", "override", "Reject / change level"),
        Binding("n", "not_relevant", "Paper not relevant"),
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
        for label, width in (("value", 5), ("kind", 5), ("confidence", 10),
                             ("product / level", 20), ("evidence", 8), ("paper", 50),
                             ("supporting sentence / cues", 40)):
            queue.add_column(label, width=width)

    @property
    def reviewer(self) -> str:
        """The ``reviewer`` setting when it was configured (TRACKER_REVIEWER, tracker.toml),
        else the app's author (given to ``make_app``, or the operating-system user)."""
        settings = self.store.settings
        return settings.reviewer if "reviewer" in settings.model_fields_set else self.tracker.author

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        from tracker.linking.thresholds import active_link_threshold

        settings = self.store.settings
        try:
            link_threshold: float | None = active_link_threshold(settings.data_dir)
        except ValueError:  # a broken threshold file: the queue still shows, ranked by the default
            link_threshold = None
        with self.store.session() as s:
            items = review_queue(s, threshold=settings.review_threshold,
                                 link_threshold=link_threshold)
        self.deliver(self.show, items)

    def show(self, items: list[ReviewItem]) -> None:
        self.items = {_key(i): i for i in items}
        table = self.query_one("#queue", DataTable)
        table.clear()
        for key, item in self.items.items():
            table.add_row(cell(item.value), cell(item.kind), cell(item.confidence),
                          cell(item.subject), cell(item.other_evidence),
                          cell(clip(item.title, 50)), cell(clip(item.evidence, 60)), key=key)
        self._update_state()

    def _update_state(self) -> None:
        empty = not self.items
        self.query_one("#review-empty").display = empty
        self.query_one("#queue").display = not empty
        self.query_one("#review-status").display = not empty
        links = sum(1 for i in self.items.values() if i.kind == "link")
        self.query_one("#review-status", Static).update(
            f"{links} links, {len(self.items) - links} grades below "
            f"{self.store.settings.review_threshold:.2f}, most valuable first (evidence: the "
            f"product's other evidence papers) · Enter: paper · saved by {self.reviewer}")

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

    def action_not_relevant(self) -> None:
        """The current item's paper: level none and every automatic link rejected; all its
        rows leave the queue."""
        item = self.current()
        if item is None:
            return
        table = self.query_one("#queue", DataTable)
        for key in [k for k, i in self.items.items() if i.publication_id == item.publication_id]:
            table.remove_row(key)
            del self.items[key]
        self._update_state()
        self.write_not_relevant(item)

    @work(thread=True, group="save")
    def write_not_relevant(self, item: ReviewItem) -> None:
        try:
            with self.store.session() as s:
                done = mark_not_relevant(s, [item.publication_id], author=self.reviewer,
                                         reason=NOT_RELEVANT_REASON)
        except Exception as exc:  # the queue reloads so nothing looks saved that is not
            self.deliver(self.failed, item, str(exc))
            return
        self.deliver(self.saved_not_relevant, item, done.links_rejected)

    def saved_not_relevant(self, item: ReviewItem, links: int) -> None:
        self.store.invalidate()
        self._generation = self.store.generation
        self.notify(f"not relevant (level none, {links} links rejected): "
                    f"{clip(item.title, 50)}", markup=False, timeout=3)

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
                decide(s, item=item, accept=accept, level=level, author=self.reviewer)
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
