"""The application: six screens as modes, switched with 1-6 (or the tabs), ``?`` for help,
``t`` for the light/dark theme. ``make_app(settings)`` is the one factory used by ``tui.py``,
``tracker tui`` and the tests."""

from __future__ import annotations

import getpass
from typing import Any, ClassVar

from sqlalchemy.engine import Engine
from textual.app import App
from textual.binding import Binding, BindingType

from tracker.config import Settings
from tracker.tui.data import StoreData
from tracker.tui.screens.base import TrackerScreen
from tracker.tui.screens.gaps import GapsScreen
from tracker.tui.screens.help import HelpScreen
from tracker.tui.screens.market import MarketScreen
from tracker.tui.screens.papers import PapersScreen
from tracker.tui.screens.platforms import PlatformsScreen
from tracker.tui.screens.products import ProductsScreen
from tracker.tui.screens.review import ReviewScreen
from tracker.tui.screens.runs import RunsScreen

DARK, LIGHT = "textual-dark", "textual-light"


class TrackerApp(App[None]):
    """radai-tracker: market consolidation and evidence gaps of radiology AI."""

    CSS_PATH = "app.tcss"
    TITLE = "radai-tracker"
    ENABLE_COMMAND_PALETTE = False
    MODES: ClassVar[dict[str, Any]] = {
        "market": MarketScreen, "gaps": GapsScreen, "products": ProductsScreen,
        "papers": PapersScreen, "review": ReviewScreen, "runs": RunsScreen,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('market')", "Market"),
        Binding("2", "switch_mode('gaps')", "Gaps"),
        Binding("3", "switch_mode('products')", "Products"),
        Binding("4", "switch_mode('papers')", "Papers"),
        Binding("5", "switch_mode('review')", "Review"),
        Binding("6", "switch_mode('runs')", "Runs"),
        Binding("7", "platforms", "Platforms", show=False),
        Binding("slash", "search", "Search papers", key_display="/", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("t", "toggle_theme", "Theme"),
        Binding("i", "toggle_systems", "Systems", show=False),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, store: StoreData, *, start: str = "market", author: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.start_mode = start
        self.author = author or _user()
        self.theme = DARK

    def on_mount(self) -> None:
        self.switch_mode(self.start_mode)

    def action_platforms(self) -> None:
        if not isinstance(self.screen, PlatformsScreen):
            self.push_screen(PlatformsScreen())

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    async def action_search(self) -> None:
        """``/`` on a screen without its own search: go to the papers search."""
        await self.run_action("switch_mode('papers')")
        self.call_after_refresh(self._focus_paper_search)

    def _focus_paper_search(self) -> None:
        search = getattr(self.screen, "action_focus_search", None)
        if search is not None:
            search()

    def action_toggle_systems(self) -> None:
        """Imaging systems (scanners whose AI is a device feature) in or out of every figure."""
        shown = self.store.toggle_systems()
        self.notify("Counting AI software and imaging systems" if shown else "Counting AI software only")
        screen = self.screen
        if isinstance(screen, TrackerScreen):
            screen.on_screen_resume()

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def on_unmount(self) -> None:
        self.store.close()


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "analyst"


def make_app(settings: Settings, *, engine: Engine | None = None, start: str = "market",
             author: str | None = None) -> TrackerApp:
    """The TUI on the store named by ``settings.database_url`` (or an open ``engine``)."""
    return TrackerApp(StoreData(settings, engine), start=start, author=author)
