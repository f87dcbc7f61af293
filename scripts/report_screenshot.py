"""Render ``tracker report`` from a store and save a PNG of its top in headless Chromium
(the README's picture).

Usage: python scripts/report_screenshot.py [--database-url URL] [--out docs/screenshots/report.png]
       [--html report.html] [--width 1400] [--height 1800] [--task FINDING ...]

Needs Debian's ``chromium`` and ``chromedriver`` (``.ci/run`` installs them) and selenium.
The generation time shown is the store's newest crawl start when ``--generated-at`` is not
given, so the picture does not change with the clock.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # tests/browser.py: the one way the project starts Chromium


def _generated_at(engine: object, given: str | None) -> datetime:
    from sqlalchemy import func, select

    from tracker.db.engine import session
    from tracker.db.models import CrawlRun

    if given:
        moment = datetime.fromisoformat(given)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    with session(engine) as s:  # type: ignore[arg-type]
        latest = s.execute(select(func.max(CrawlRun.started_at))).scalar_one_or_none()
    if latest is None:
        return datetime.now(UTC).replace(microsecond=0)
    return (latest if latest.tzinfo else latest.replace(tzinfo=UTC)).replace(microsecond=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="sqlite:///data/demo/tracker.db")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "report.png")
    parser.add_argument("--html", type=Path, default=None, help="keep the rendered HTML here")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1800)
    parser.add_argument("--task", action="append", default=None, metavar="FINDING")
    parser.add_argument("--generated-at", default=None)
    args = parser.parse_args()

    from browser import chromium_driver, missing_reason, set_viewport, severe_entries

    reason = missing_reason()
    if reason:
        print(f"cannot take the screenshot: {reason}", file=sys.stderr)
        return 2
    from tracker.db.engine import open_store
    from tracker.report.build import write_report

    engine = open_store(args.database_url)
    with tempfile.TemporaryDirectory() as folder:
        html = args.html or Path(folder) / "report.html"
        report = write_report(engine, html, generated_at=_generated_at(engine, args.generated_at),
                              store_url=args.database_url, tasks=args.task)
        with chromium_driver(args.width, args.height) as driver:
            set_viewport(driver, args.width, args.height)
            driver.get(html.resolve().as_uri())
            args.out.parent.mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(args.out))
            errors = severe_entries(driver.get_log("browser"))
        size = html.stat().st_size
    print(f"{args.out} ({args.width}x{args.height}); report {size // 1024} KiB, "
          f"tasks: {'; '.join(report.tasks) or 'none'}")
    if errors:
        print(f"browser errors: {errors}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
