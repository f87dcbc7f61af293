"""What every top-level screen shares: header, tabs, footer, a data load in a worker thread
on first show (and again after the store's cached views changed), ``r`` to reload."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Header
from textual.worker import get_current_worker

from tracker.tui.widgets.nav import NavTabs

if TYPE_CHECKING:
    from tracker.tui.app import TrackerApp
    from tracker.tui.data import StoreData


class TrackerScreen(Screen[None]):
    MODE: ClassVar[str] = ""
    BINDINGS: ClassVar[list[BindingType]] = [Binding("r", "reload", "Reload")]

    def __init__(self) -> None:
        super().__init__()
        self._generation = -1

    @property
    def tracker(self) -> TrackerApp:
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> StoreData:
        return self.tracker.store

    def compose(self) -> Iterable[Widget]:
        yield Header()
        yield NavTabs(self.MODE)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def on_screen_resume(self) -> None:
        if self._generation != self.store.generation:
            self._generation = self.store.generation
            self.start_load()

    def action_reload(self) -> None:
        self.store.invalidate()
        self._generation = self.store.generation
        self.start_load()

    def start_load(self) -> None:
        """Start the screen's worker (subclasses decorate ``load`` with ``@work``)."""
        load = getattr(self, "load", None)
        if load is not None:
            load()

    def deliver(self, method: Any, *args: Any) -> None:
        """From a worker thread: hand results to the UI thread unless the worker was cancelled."""
        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(method, *args)
