"""Open the tracker's terminal UI: ``python tui.py [--database-url URL]``.

The same app as ``tracker tui``; settings come from the environment (TRACKER_*), an
optional tracker.toml, and the flag.
"""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="radai-tracker terminal UI")
    parser.add_argument("--database-url", help="SQLAlchemy URL; overrides TRACKER_DATABASE_URL")
    args = parser.parse_args(argv)
    from tracker.config import get_settings
    from tracker.tui.app import make_app

    make_app(get_settings(database_url=args.database_url)).run()


if __name__ == "__main__":
    main()
