"""The ``tracker`` command line. Each module imported below registers its commands on
``app``; they import heavy libraries inside the command functions."""

from __future__ import annotations

from tracker.cli import (  # noqa: F401
    backup,
    companies,
    core,
    crawl,
    digest,
    evaluate,
    grading,
    linking,
    literature,
    market,
    nightly,
    platforms,
    products,
    report,
    review,
    search,
    tui,
)
from tracker.cli.app import app


def main() -> None:
    app()
