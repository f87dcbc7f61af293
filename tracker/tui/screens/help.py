"""``?``: the keys of the screen underneath and of the app, how to move around, and a
glossary: the efficacy levels (``tracker.evidence.vocabulary``; docs/domain.md, "Efficacy
levels": the hierarchical model of efficacy of Fryback & Thornbury, adapted by van Leeuwen
et al. 2021) and the gap lists with the rule of each (``tracker.views.gaps``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tracker.evidence.vocabulary import BUCKETS, LEVEL_NAMES, LEVELS
from tracker.views.gaps import GAP_RULES, GAP_TITLES

EXTRA_KEYS = frozenset({"S", "escape", "enter", "i", "7"})
"""Keys hidden from the footer that the help still lists."""

GENERAL = ("Tab / shift+Tab move between panes; arrows move in a table or tree; Enter opens "
           "a row; Esc goes back; the mouse clicks tabs, rows and column headers (to sort). "
           "Products are AI software unless 'i' puts imaging systems (scanners whose AI is a "
           "feature of the device) in; names in italics are imaging systems.")

LEVEL_MEANINGS: dict[str, str] = {
    "1t": "the software works reproducibly",
    "1c": "the output agrees with accepted measures",
    "2": "standalone performance against a reference standard",
    "3": "readers perform better, or differently, with the AI",
    "4": "patient management changes",
    "5": "patients do better",
    "6": "costs and benefits to society",
}
"""What each level measures (docs/domain.md, section 1, "what it measures")."""

LEVELS_NOTE = ("Levels: the hierarchical model of efficacy (Fryback & Thornbury 1991, adapted "
               "by van Leeuwen et al., Eur Radiol 2021). A paper gets the highest level it "
               "demonstrates; a lower level is needed for the next but does not prove it. No "
               "level: not a primary evaluation (review, editorial, in-house algorithm), never "
               "evidence. Evidence paper: linked, not retracted, with a level; gap lists count "
               "peer-reviewed ones (not preprints).")


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
        with VerticalScroll(id="help-box"):  # focused: arrows and page keys scroll it
            yield Static("Keys", classes="pane-title")
            table: DataTable[Text] = DataTable(id="help-keys", show_cursor=False)
            table.add_columns("key", "does")
            for key, description in self.keys:
                table.add_row(Text(key, style="bold"), Text(description))
            table.can_focus = False
            yield table
            yield Static(GENERAL, id="help-general", markup=False)
            yield Static("Efficacy levels", classes="pane-title")
            levels: DataTable[Text] = DataTable(id="help-levels", show_cursor=False)
            levels.add_columns("level", "name", "bucket", "what it measures")
            for level in LEVELS:
                levels.add_row(Text(level, style="bold"), Text(LEVEL_NAMES[level]),
                               Text(BUCKETS[level]), Text(LEVEL_MEANINGS[level]))
            levels.can_focus = False
            yield levels
            yield Static(LEVELS_NOTE, classes="help-note", markup=False)
            yield Static("Gap lists (a product is on the list when…)", classes="pane-title")
            gaps: DataTable[Text] = DataTable(id="help-gaps", show_cursor=False)
            gaps.add_columns("list", "rule")
            for key, rule in GAP_RULES.items():
                gaps.add_row(Text(GAP_TITLES[key], style="bold"), Text(rule))
            gaps.can_focus = False
            yield gaps

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
