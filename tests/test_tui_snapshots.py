"""Snapshot tests: the look of each screen on the small fixed store, at a fixed terminal
size (regenerate with ``pytest tests/test_tui_snapshots.py --snapshot-update`` and review
the SVGs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from tui_store import build_store

from tracker.config import get_settings
from tracker.db.engine import open_store
from tracker.tui.app import make_app

SIZE = (160, 48)


@pytest.fixture
def tui_app(tmp_path: Path) -> Any:
    def build(start: str = "market", *, empty: bool = False) -> Any:
        url = f"sqlite:///{tmp_path / 'snap.db'}"
        engine = open_store(url)
        if not empty:
            build_store(engine)
        return make_app(get_settings(database_url=url), engine=engine, start=start, author="tester")
    return build


async def _settle(pilot: Any) -> None:
    """Until the screen is still: a pushed screen starts its worker on mount (after the first
    wait), and a DataTable fits its column widths on idle, after its rows arrived."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    # the column fit waits for idle: on a busy machine (the suite runs one worker per core)
    # one short pause was sometimes not enough
    for _ in range(3):
        await pilot.pause(0.1)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _after(*keys: str) -> Any:
    async def run_before(pilot: Any) -> None:
        await _settle(pilot)
        for key in keys:
            await pilot.press(key)
            await _settle(pilot)
    return run_before


@pytest.mark.parametrize("mode", ["market", "gaps", "products", "review", "runs"])
def test_screen_looks(snap_compare, tui_app, mode: str) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(tui_app(mode), terminal_size=SIZE, run_before=_after())


def test_paper_search_shows_markup_literally(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    keys = ("slash", *"nodules", "enter")
    assert snap_compare(tui_app("papers"), terminal_size=SIZE, run_before=_after(*keys))


def test_paper_detail(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    keys = ("slash", *"deep", "enter", "enter")
    assert snap_compare(tui_app("papers"), terminal_size=SIZE, run_before=_after(*keys))


def test_product_detail(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(tui_app("products"), terminal_size=SIZE, run_before=_after("enter"))


def test_help_overlay(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(tui_app("products"), terminal_size=SIZE, run_before=_after("question_mark"))


def test_light_theme(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(tui_app("gaps"), terminal_size=SIZE, run_before=_after("t"))


def test_empty_store(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(tui_app("products", empty=True), terminal_size=SIZE, run_before=_after())


def test_company_screen(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    """Lunit: its products (Volpara's too), evidence profile, chart, history and events."""
    keys = ("slash", *"mmg", "enter", "o")
    assert snap_compare(tui_app("products"), terminal_size=SIZE, run_before=_after(*keys))


def test_comparison(snap_compare, tui_app) -> None:  # type: ignore[no-untyped-def]
    """The first three products (marked with m) side by side."""
    assert snap_compare(tui_app("products"), terminal_size=SIZE,
                        run_before=_after("m", "m", "m", "c"))
