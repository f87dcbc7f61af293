"""Screenshots of every screen for the README: ``python -m tracker.tui.screenshots [DB_URL] [FOLDER]``
(defaults: the demo store, ``docs/screenshots``). Runs the app headless with Textual's
pilot, opens each screen, waits for its data and saves an SVG."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

MODES = ("market", "gaps", "products", "papers", "review", "runs")


async def take(database_url: str, folder: Path, size: tuple[int, int] = (160, 48)) -> list[Path]:
    from tracker.config import get_settings
    from tracker.tui.app import make_app

    folder.mkdir(parents=True, exist_ok=True)
    app = make_app(get_settings(database_url=database_url))
    saved = []
    async with app.run_test(size=size) as pilot:
        for mode in MODES:
            await app.run_action(f"switch_mode('{mode}')")
            for _ in range(40):  # the screens load in workers: give them time
                await pilot.pause(0.1)
                if not app.workers or all(w.is_finished for w in app.workers):
                    break
            await pilot.pause(0.3)
            path = folder / f"{mode}.svg"
            app.save_screenshot(filename=path.name, path=str(folder))
            saved.append(path)
    return saved


def main(argv: list[str]) -> int:
    url = argv[0] if argv else "sqlite:///data/demo/tracker.db"
    folder = Path(argv[1]) if len(argv) > 1 else Path("docs/screenshots")
    for path in asyncio.run(take(url, folder)):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
