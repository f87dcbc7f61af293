"""Open the TUI headless on a store (by default one made by scripts/generate_large_store.py)
and print how long it takes to open and for each screen to answer a key: the time from the
key press until the screen's workers finished and the result is drawn. A benchmark that
prints figures, not a timed test.

    python scripts/generate_large_store.py --database-url sqlite:///data/large.db
    python benchmarks/tui.py --database-url sqlite:///data/large.db
    python benchmarks/tui.py --database-url sqlite:///data/large.db --targets   # the two target lines only

It ends with issue 18's two targets at 100,000 papers (each under 0.5 s): the Evidence gaps
screen's first open (key ``2`` until drawn: the products bundle with the evidence counted in
SQL, the gap lists, the reference figures, and Textual composing the screen) and the grading
figures (``tracker.evidence.figures.store_figures``, cold, in a session of its own: what the
gaps screen's figures pane and ``tracker stats --evidence`` compute). ``figures(url)`` returns
them as (name, value, note) rows for ``make bench``'s table.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from tracker.config import get_settings
from tracker.tui.app import make_app

TARGET_S = 0.5
"""Issue 18: the gaps screen and the grading figures open in under half a second at 100k papers."""
GAPS_FIRST_OPEN = "gaps screen (2)"

STEPS: list[tuple[str, list[str]]] = [
    ("baseline: a key nothing listens to (x)", ["x"]),
    (GAPS_FIRST_OPEN, ["2"]),
    ("gaps: next gap list (g)", ["g"]),
    ("gaps: sort (s)", ["s"]),
    ("products screen (3)", ["3"]),
    ("products: filter '/12' (3 keys)", ["slash", "1", "2"]),
    ("products: clear filter (esc)", ["escape"]),
    ("products: sort (s)", ["s"]),
    ("products: next page (])", ["right_square_bracket"]),
    ("products: open detail (enter)", ["enter"]),
    ("detail: back (esc)", ["escape"]),
    ("papers screen (4)", ["4"]),
    ("papers: search 'stroke triage' + enter (15 keys)", ["slash", *"stroke", "space", *"triage", "enter"]),
    ("papers: next page (])", ["right_square_bracket"]),
    ("papers: open detail (enter)", ["enter"]),
    ("detail: back (esc)", ["escape"]),
    ("review screen (5)", ["5"]),
    ("review: confirm (c)", ["c"]),
    ("runs screen (6)", ["6"]),
    ("runs: next run (down)", ["down"]),
    ("market screen (1)", ["1"]),
    ("help (?)", ["question_mark"]),
    ("close help (esc)", ["escape"]),
    ("gaps again (2), cached rows", ["2"]),
]


async def _settle(app: Any, pilot: Any) -> None:
    """Until the key's own workers finished and the screen is redrawn."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def run(url: str) -> list[tuple[str, float]]:
    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    app = make_app(get_settings(database_url=url), author="benchmark")
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(app, pilot)
        timings.append(("open (market screen drawn)", time.perf_counter() - started))
        for label, keys in STEPS:
            t0 = time.perf_counter()
            await pilot.press(*keys)
            await _settle(app, pilot)
            timings.append((label, time.perf_counter() - t0))
    return timings


def view_timings(url: str) -> list[tuple[str, float]]:
    """The view queries alone (no UI), each run twice; the second (warm) run is reported."""
    from tracker.db.engine import open_store, session
    from tracker.evidence.effective import evidence_set, evidence_summary
    from tracker.evidence.figures import store_figures
    from tracker.views.market import market_view
    from tracker.views.papers import PaperQuery, search_text
    from tracker.views.products import product_rows
    from tracker.views.review import review_queue
    from tracker.views.runs import recent_runs

    engine = open_store(url)
    calls = {
        "evidence_set (all links x grades)": lambda s: evidence_set(s),
        "evidence_summary (SQL aggregates)": lambda s: evidence_summary(s),
        "reference figures (tracker.evidence.figures)": lambda s: store_figures(s),
        "product_rows (2,000 rows)": lambda s: product_rows(s),
        "market_view": lambda s: market_view(s),
        "paper search 'stroke triage'": lambda s: search_text(s, query=PaperQuery(text="stroke triage")),
        "paper search, level 3 + year 2020": lambda s: search_text(s, query=PaperQuery(level="3", year=2020)),
        "paper search in abstracts": lambda s: search_text(s, query=PaperQuery(text="zzz", abstracts=True)),
        "review_queue": lambda s: review_queue(s, threshold=0.6),
        "recent_runs": lambda s: recent_runs(s),
    }
    out = []
    with session(engine) as s:
        for label, call in calls.items():
            call(s)
            t0 = time.perf_counter()
            call(s)
            out.append((label, time.perf_counter() - t0))
    engine.dispose()
    return out


async def _gaps_first_open(url: str) -> float:
    """A fresh app: the market screen drawn, then ``2`` until the gaps screen is drawn."""
    app = make_app(get_settings(database_url=url), author="benchmark")
    async with app.run_test(size=(160, 48)) as pilot:
        await _settle(app, pilot)
        t0 = time.perf_counter()
        await pilot.press("2")
        await _settle(app, pilot)
        return time.perf_counter() - t0


def gaps_data_seconds(url: str) -> float:
    """What the gaps screen's worker computes, cold and without the UI: the products bundle
    (evidence counted in SQL, ownership, rows), the gap lists and the reference figures."""
    from tracker.evidence.figures import store_figures
    from tracker.tui.data import StoreData
    from tracker.views.gaps import evidence_gaps

    store = StoreData(get_settings(database_url=url))
    with store.session() as s:
        s.connection()  # the engine open and migrated before the clock starts
    t0 = time.perf_counter()
    bundle = store.products()
    evidence_gaps(bundle.rows, bundle.summary)
    with store.session() as s:
        store_figures(s, bundle.summary, include_systems=store.include_systems)
    seconds = time.perf_counter() - t0
    store.close()
    return seconds


def figures_seconds(url: str) -> float:
    """The grading figures (``store_figures``), cold: a fresh engine and session."""
    from tracker.db.engine import open_store, session
    from tracker.evidence.figures import store_figures

    engine = open_store(url)
    with session(engine) as s:
        s.connection()
        t0 = time.perf_counter()
        store_figures(s)
        seconds = time.perf_counter() - t0
    engine.dispose()
    return seconds


def _papers(url: str) -> int:
    from sqlalchemy import func, select

    from tracker.db.engine import open_store, session
    from tracker.db.models import Publication

    engine = open_store(url)
    with session(engine) as s:
        n = int(s.execute(select(func.count()).select_from(Publication)).scalar_one())
    engine.dispose()
    return n


def _value(seconds: float) -> str:
    return f"{seconds:.2f} s"


def _verdict(seconds: float) -> str:
    return f"target < {TARGET_S} s: {'met' if seconds < TARGET_S else 'NOT met'}"


def figures(database_url: str, *, first_open: float | None = None) -> list[tuple[str, str, str]]:
    """(name, value, note) rows for ``make bench``'s table: the two targets of issue 18 and
    the gaps screen's data alone (to tell the queries from Textual's drawing)."""
    n = _papers(database_url)
    if first_open is None:
        first_open = asyncio.run(_gaps_first_open(database_url))
    data = gaps_data_seconds(database_url)
    figs = figures_seconds(database_url)
    where = f"{n:,} papers, {database_url.rsplit('/', 1)[-1]}"
    return [
        ("TUI gaps screen, first open", _value(first_open),
         f"key 2 until drawn, headless 160x48, {where}; {_verdict(first_open)}"),
        ("TUI grading figures", _value(figs),
         f"tracker.evidence.figures.store_figures, cold, SQL aggregates, {where}; "
         f"{_verdict(figs)}"),
        ("TUI gaps screen data, no UI", _value(data),
         "products bundle (evidence_summary, ownership, rows) + gap lists + figures, cold"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///data/large.db")
    parser.add_argument("--targets", action="store_true",
                        help="only issue 18's two target lines (gaps screen, grading figures)")
    args = parser.parse_args()
    first_open = None
    if not args.targets:
        print("TUI (headless, 160x48): time from key press until the screen is redrawn")
        for label, seconds in asyncio.run(run(args.database_url)):
            print(f"  {label:<48} {seconds * 1000:8.0f} ms")
            if label == GAPS_FIRST_OPEN:
                first_open = seconds
        print("View queries alone (warm)")
        for label, seconds in view_timings(args.database_url):
            print(f"  {label:<48} {seconds * 1000:8.0f} ms")
    print(f"Issue 18 targets (each under {TARGET_S} s)")
    for name, value, note in figures(args.database_url, first_open=first_open):
        print(f"  {name:<32} {value:>8}  {note}")


if __name__ == "__main__":
    main()
