"""Screenshots of every screen for the README: ``python -m tracker.tui.screenshots [DB_URL] [FOLDER]``
(defaults: the demo store, ``docs/screenshots``). Runs the app headless with Textual's
pilot, opens each screen, waits for its data and saves an SVG; then the company screen of
the owner of the product with the most linked papers, and a comparison of the products with
the finding ``COMPARED_FINDING`` (the first ``MAX_COMPARED`` of them)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

MODES = ("market", "gaps", "products", "papers", "review", "runs")
COMPARED_FINDING = "Large vessel occlusion (LVO)"


async def _settle(app: Any, pilot: Any) -> None:
    for _ in range(40):  # the screens load in workers: give them time
        await pilot.pause(0.1)
        if not app.workers or all(w.is_finished for w in app.workers):
            break
    await pilot.pause(0.3)


async def take(database_url: str, folder: Path, size: tuple[int, int] = (160, 48)) -> list[Path]:
    from tracker.config import get_settings
    from tracker.tui.app import make_app

    folder.mkdir(parents=True, exist_ok=True)
    app = make_app(get_settings(database_url=database_url))
    saved = []

    def save(name: str) -> None:
        app.save_screenshot(filename=f"{name}.svg", path=str(folder))
        saved.append(folder / f"{name}.svg")

    async with app.run_test(size=size) as pilot:
        for mode in MODES:
            await app.run_action(f"switch_mode('{mode}')")
            await _settle(app, pilot)
            save(mode)
        bundle = app.store.products()
        if bundle.rows and bundle.ownership is not None:
            from tracker.tui.screens.company import CompanyScreen

            top = max(bundle.rows, key=lambda r: (r.papers, -r.id))
            app.push_screen(CompanyScreen(bundle.ownership.ultimate_parent(top.company_id)))
            await _settle(app, pilot)
            save("company")
            app.pop_screen()
        await app.run_action("switch_mode('products')")
        await _settle(app, pilot)
        if await _compare(app, pilot):
            save("compare")
    return saved


async def _compare(app: Any, pilot: Any) -> bool:
    """Filter the products by ``COMPARED_FINDING``, mark them, open the comparison."""
    from textual.widgets import Select

    from tracker.tui.screens.products import MAX_COMPARED

    finding = app.screen.query_one("#products-finding", Select)
    if COMPARED_FINDING not in {value for _, value in finding._options}:
        return False
    finding.value = COMPARED_FINDING
    await _settle(app, pilot)
    table = app.screen.query_one("#products")
    table.focus()
    for _ in range(min(table.row_count, MAX_COMPARED)):
        await pilot.press("m")
    await pilot.press("c")
    await _settle(app, pilot)
    return type(app.screen).__name__ == "CompareScreen"


def main(argv: list[str]) -> int:
    url = argv[0] if argv else "sqlite:///data/demo/tracker.db"
    folder = Path(argv[1]) if len(argv) > 1 else Path("docs/screenshots")
    for path in asyncio.run(take(url, folder)):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
