# mypy: disable-error-code="arg-type,return-value"
# (SQLModel ids are int | None until a row is flushed)
"""The TUI's review screen: ranked by expected value (shown in the first column), ``n`` marks
the current paper not relevant, and decisions are recorded by the ``reviewer`` setting."""

from __future__ import annotations

from typing import Any

import pytest
from rich.text import Text
from sqlmodel import select
from textual.widgets import DataTable
from tui_store import MARKUP_TITLE, build_store

from tracker.config import get_settings
from tracker.db.models import Override
from tracker.tui.app import make_app
from tracker.tui.screens.review import NOT_RELEVANT_REASON

SIZE = (160, 48)
PIXYL = "Reproducibility of Pixyl.Neuro lesion segmentation"
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def ids(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return build_store(engine)


def _app(engine: Any, db_url: str) -> Any:
    return make_app(get_settings(database_url=db_url), engine=engine, author="tester",
                    start="review")


async def _settle(app: Any, pilot: Any) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def _rows(table: DataTable[Any]) -> list[list[str]]:
    return [[c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


async def test_queue_shows_the_value_most_valuable_first(engine, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        rows = _rows(app.screen.query_one("#queue", DataTable))
    values = [float(r[0]) for r in rows]
    assert values == sorted(values, reverse=True) and len(rows) == 6
    assert rows[0][1:4] == ["link", "0.55", "Pixyl.Neuro"]  # Pixyl has no other evidence
    assert rows[0][4] == "0"
    assert rows[-1][5] == "Artificial intelligence in radiology: a review"  # far from 0.6


async def test_n_marks_the_paper_not_relevant(engine, db, db_url, ids) -> None:  # type: ignore[no-untyped-def]
    app = _app(engine, db_url)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        queue = app.screen.query_one("#queue", DataTable)
        assert PIXYL in _rows(queue)[0][5]
        await pilot.press("n")
        await _settle(app, pilot)
        titles = [r[5] for r in _rows(queue)]
        assert len(titles) == 4 and not any(PIXYL in t for t in titles)  # link and grade left
        assert MARKUP_TITLE[:20] in " ".join(titles)
    rows = db.exec(select(Override).order_by(Override.id)).all()
    assert [(o.target, o.publication_id, o.product_id, o.value) for o in rows] == [
        ("grade", ids[PIXYL], None, None), ("link", ids[PIXYL], ids["pixyl-neuro"], False)]
    assert {(o.author, o.reason) for o in rows} == {("tester", NOT_RELEVANT_REASON)}


async def test_decisions_are_recorded_by_the_reviewer_setting(engine, db, db_url, ids,
                                                              monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("TRACKER_REVIEWER", "dr.lee")
    app = _app(engine, db_url)
    async with app.run_test(size=SIZE) as pilot:
        await _settle(app, pilot)
        await pilot.press("x")  # reject the first link (Pixyl)
        await _settle(app, pilot)
        status = str(app.screen.query_one("#review-status").render())
        assert "by dr.lee" in status
    rows = db.exec(select(Override)).all()
    assert [(o.target, o.value, o.author) for o in rows] == [("link", False, "dr.lee")]
