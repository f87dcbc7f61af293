"""Choose the efficacy level that replaces an automatic grade: one key per level
(t = 1t, c = 1c, 2-6, n = not evidence), or click / arrows + Enter; Esc cancels."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tracker.evidence.vocabulary import LEVEL_NAMES, LEVELS

NOT_EVIDENCE = "none"
KEYS = {"1t": "t", "1c": "c", **{lv: lv for lv in ("2", "3", "4", "5", "6")}, NOT_EVIDENCE: "n"}


class LevelPicker(ModalScreen[str | None]):
    """Dismisses with a level, ``"none"`` (not a primary evaluation) or None (cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        *[Binding(key, f"pick('{level}')", show=False) for level, key in KEYS.items()],
    ]

    def __init__(self, title: str, current: str | None) -> None:
        super().__init__()
        self.paper_title = title
        self.current = current

    def compose(self) -> Iterable[Widget]:
        with Vertical(id="picker-box"):
            head = Text("Set the level of\n", style="bold")
            head.append(self.paper_title)
            head.append(f"\n(automatic: {self.current or 'none'})", style="dim")
            yield Static(head, markup=False)
            options = [Option(Text(f"{KEYS[lv]}  {lv:<3} {LEVEL_NAMES[lv]}"), id=lv) for lv in LEVELS]
            options.append(Option(Text("n  not evidence (review, editorial, method paper)"),
                                  id=NOT_EVIDENCE))
            yield OptionList(*options, id="picker-options")

    def action_pick(self, level: str) -> None:
        self.dismiss(level)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
