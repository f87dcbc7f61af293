"""The row of screen tabs at the top: click one (or press 1-6) to switch screens."""

from __future__ import annotations

from textual.widgets import Tab, Tabs

SCREENS: tuple[tuple[str, str], ...] = (
    ("market", "1 Market"), ("gaps", "2 Evidence gaps"), ("products", "3 Products"),
    ("papers", "4 Papers"), ("review", "5 Review"), ("runs", "6 Runs"),
)


class NavTabs(Tabs):
    """Tabs naming the app's modes; they never take the keyboard focus."""

    can_focus = False

    def __init__(self, active: str) -> None:
        super().__init__(*[Tab(label, id=f"nav-{mode}") for mode, label in SCREENS],
                         active=f"nav-{active}")
        self._mode = active

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        mode = (event.tab.id or "").removeprefix("nav-")
        if mode and mode != self._mode:
            self.active = f"nav-{self._mode}"  # the screen of the other mode shows its own tabs
            self.app.switch_mode(mode)
