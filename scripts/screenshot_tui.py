"""Save SVG screenshots of every TUI screen on a store (for the README).

Usage: python scripts/screenshot_tui.py [DATABASE_URL] [OUT_DIR]
"""

import asyncio
import sys
from pathlib import Path

from tracker.config import get_settings
from tracker.tui.app import make_app

SCREENS = {"1": "market", "2": "gaps", "3": "products", "4": "papers", "5": "review", "6": "runs"}


async def main(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = make_app(get_settings(database_url=url), author="readme")
    async with app.run_test(size=(150, 44)) as pilot:
        for key, name in SCREENS.items():
            await pilot.press(key)
            await pilot.pause(3.0)
            await app.workers.wait_for_complete()
            await pilot.pause(0.5)
            app.save_screenshot(filename=f"{name}.svg", path=str(out))
            print(out / f"{name}.svg")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "sqlite:///data/demo/tracker.db",
                     Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")))
