"""``tracker tui``: the terminal UI (Textual is imported inside the command)."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.app import DatabaseUrl, app, settings_for

SCREENS = ("market", "gaps", "products", "papers", "review", "runs")


@app.command()
def tui(
    database_url: DatabaseUrl = None,
    screen: Annotated[str, typer.Option(help=f"First screen: {', '.join(SCREENS)}.")] = "market",
) -> None:
    """Open the terminal UI: market, evidence gaps, products, papers, review queue, runs."""
    if screen not in SCREENS:
        raise typer.BadParameter(f"choose one of {', '.join(SCREENS)}", param_hint="--screen")
    from tracker.tui.app import make_app

    make_app(settings_for(database_url), start=screen).run()
