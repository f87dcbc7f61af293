"""``?``: the keys of the screen underneath and of the app, and how to move around."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

EXTRA_KEYS = frozenset({"S", "escape", "enter", "i", "7"})
"""Keys hidden from the footer that the help still lists."""

GENERAL = ("Tab / shift+Tab move between panes; arrows move in a table or tree; Enter opens "
           "a row; Esc goes back; the mouse clicks tabs, rows and column headers (to sort). "
           "Products are AI software unless 'i' puts imaging systems (scanners whose AI is a "
           "feature of the device) in; names in italics are imaging systems.")


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "dismiss", "Close", key_display="esc"),
    ]

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        seen: set[str] = set()
        self.keys: list[tuple[str, str]] = []
        for key, active in under.active_bindings.items():
            binding = active.binding
            if not binding.description or binding.description in seen:
                continue
            if not binding.show and key not in EXTRA_KEYS:
                continue
            seen.add(binding.description)
            self.keys.append((binding.key_display or key, binding.description))

    def compose(self) -> Iterable[Widget]:
        with Vertical(id="help-box"):
            yield Static("Keys", classes="pane-title")
            table: DataTable[Text] = DataTable(id="help-keys", show_cursor=False)
            table.add_columns("key", "does")
            for key, description in self.keys:
                table.add_row(Text(key, style="bold"), Text(description))
            yield table
            yield Static(GENERAL, id="help-general", markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
