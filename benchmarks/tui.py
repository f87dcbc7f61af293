"""Open the TUI headless on a store (by default one made by scripts/generate_large_store.py)
and print how long it takes to open and for each screen to answer a key: the time from the
key press until the screen's workers finished and the result is drawn. A benchmark that
prints figures, not a timed test.

    python scripts/generate_large_store.py --database-url sqlite:///data/large.db
    python benchmarks/tui.py --database-url sqlite:///data/large.db
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from tracker.config import get_settings
from tracker.tui.app import make_app

STEPS: list[tuple[str, list[str]]] = [
    ("baseline: a key nothing listens to (x)", ["x"]),
    ("gaps screen (2)", ["2"]),
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
    from tracker.evidence.effective import evidence_set
    from tracker.evidence.figures import store_figures
    from tracker.views.market import market_view
    from tracker.views.papers import PaperQuery, search_text
    from tracker.views.products import product_rows
    from tracker.views.review import review_queue
    from tracker.views.runs import recent_runs

    engine = open_store(url)
    calls = {
        "evidence_set (all links x grades)": lambda s: evidence_set(s),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///data/large.db")
    args = parser.parse_args()
    print("TUI (headless, 160x48): time from key press until the screen is redrawn")
    for label, seconds in asyncio.run(run(args.database_url)):
        print(f"  {label:<48} {seconds * 1000:8.0f} ms")
    print("View queries alone (warm)")
    for label, seconds in view_timings(args.database_url):
        print(f"  {label:<48} {seconds * 1000:8.0f} ms")


if __name__ == "__main__":
    main()
