"""``tracker seed-events``, ``tracker extract-events`` and ``tracker owner``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for, settings_for


@app.command("seed-events")
def seed_events(
    database_url: DatabaseUrl = None,
    file: Annotated[Path | None, typer.Option("--file", help="Seed file (default: the setting, else the packaged list).")] = None,
    as_json: AsJson = False,
) -> None:
    """Load the known market events (acquisitions, closures, ...) into the store; idempotent."""
    from tracker.market.pipeline import seed_events_step
    from tracker.market.seed import SeedError

    settings = settings_for(database_url, market_events_file=file)
    try:
        result = seed_events_step(engine_for(database_url), settings)
    except SeedError as exc:
        typer.echo(f"seed file: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        echo_json(result)
    else:
        typer.echo(", ".join(f"{v} {k}" for k, v in result["seed"].items()) or "nothing to seed")


@app.command("extract-events")
def extract_events(
    database_url: DatabaseUrl = None,
    full: Annotated[bool, typer.Option("--full", help="Read every news item again, not only new ones.")] = False,
    as_json: AsJson = False,
) -> None:
    """Extract market events from the stored news items (new ones by default)."""
    from tracker.market.pipeline import extract_events_new

    settings = settings_for(database_url)
    result = extract_events_new(engine_for(database_url), settings, full=full)
    if as_json:
        echo_json(result)
    else:
        events = result["events"]
        typer.echo(f"{result['news_items']} news items read: " + (", ".join(f"{v} {k}" for k, v in events.items()) or "no events"))


@app.command("owner")
def owner(
    name: Annotated[str, typer.Argument(help="Company name or alias")],
    on: Annotated[str | None, typer.Option(help="Date YYYY-MM-DD (default: today)")] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Who owns a company on a date, up to its ultimate parent, with the events behind it."""
    from tracker.db.engine import session
    from tracker.market.ownership import OwnershipGraph
    from tracker.market.resolve import CompanyResolver

    when = date.fromisoformat(on) if on else None
    with session(engine_for(database_url)) as s:
        found = CompanyResolver(s).resolve(name)
        if found.company_id is None:
            typer.echo(f"no company named {name!r} in the store", err=True)
            raise typer.Exit(1)
        graph = OwnershipGraph.load(s, min_confidence=settings_for(database_url).event_min_confidence)
        chain = graph.chain(found.company_id, when)
        data: dict[str, Any] = {"company": found.name, "on": str(when or "today"),
                "independent": not chain, "closed": graph.closed(found.company_id, when),
                "owners": [{"owner": graph.names.get(c.owner_id), "since": c.since, "event_id": c.event_id,
                            "via": c.event_type} for c in chain],
                "ultimate_parent": graph.names.get(graph.ultimate_parent(found.company_id, when))}
    if as_json:
        echo_json(data)
        return
    typer.echo(f"{data['company']} on {data['on']}: " + ("independent" if not chain else
               " -> ".join(f"{o['owner']} (since {o['since']}, event {o['event_id']})" for o in data["owners"])))
