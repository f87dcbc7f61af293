"""A pushed detail screen: header, a scrolling body, footer; Esc goes back; the record is
loaded in a worker thread."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

if TYPE_CHECKING:
    from tracker.tui.app import TrackerApp


class DetailScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    @property
    def tracker(self) -> TrackerApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> Iterable[Widget]:
        yield Header()
        with VerticalScroll(classes="detail-body"):
            yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def deliver(self, method: object, *args: object) -> None:
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(method, *args)  # type: ignore[arg-type]


def features_text(features: dict[str, object]) -> str:
    """``prospective, multicentre, vendor-independent`` from a grade's booleans."""
    names = {"prospective": "prospective", "multicentre": "multicentre",
             "multinational": "multinational", "reader_study": "reader study", "rct": "RCT",
             "vendor_independent": "vendor-independent"}
    words = [label for key, label in names.items() if features.get(key) is True]
    if features.get("prospective") is False:
        words.append("retrospective")
    if features.get("vendor_independent") is False:
        words.append("vendor-involved")
    if features.get("sample_size"):
        words.append(f"n={features['sample_size']}")
    return ", ".join(words)
