"""The ``tracker`` command line. Each module imported below registers its commands on
``app``; they import heavy libraries inside the command functions."""

from __future__ import annotations

from tracker.cli import core, crawl, evaluate, linking, literature, nightly, products  # noqa: F401
from tracker.cli.app import app


def main() -> None:
    app()
