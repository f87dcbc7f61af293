"""``tracker digest`` (what changed since a moment) and ``tracker watch`` (watchlists)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for, settings_for

watch_app = typer.Typer(help="Watch products, companies or keyword queries: their changes "
                             "get their own section at the top of the digest.",
                        no_args_is_help=True)
app.add_typer(watch_app, name="watch")


@app.command()
def digest(
    since: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD or an ISO date and time (UTC unless a zone is given). Default: the start "
             "of the last successful nightly run before the latest one, else 24 hours ago.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write digest-<time>.md, .html and .json into this folder.")] = None,
    include_systems: Annotated[bool, typer.Option(
        "--include-systems", help="Count imaging systems too (AI software only by default).")] = False,
    limit: Annotated[int, typer.Option(
        "--limit", min=0, help="Items shown per section in the Markdown (0: all; the JSON has all).")] = 50,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """What changed in the store since a moment: new clearances and CE registrations, products,
    companies, paper links, level changes and market events, each with its source."""
    from tracker.digest.period import PeriodError, parse_since
    from tracker.digest.render import to_json, to_markdown, write_files
    from tracker.digest.run import make_digest

    try:
        start = parse_since(since) if since else None
    except PeriodError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    settings = settings_for(database_url)
    result = make_digest(engine_for(database_url), settings, since=start, include_systems=include_systems)
    if out is not None:
        paths = write_files(result, out)
        typer.echo("\n".join(f"{fmt}: {path}" for fmt, path in paths.items()), err=True)
    typer.echo(to_json(result) if as_json else to_markdown(result, limit=limit), nl=False)


@watch_app.command("add")
def watch_add(
    kind: Annotated[str, typer.Argument(help="product, company or query")],
    value: Annotated[str, typer.Argument(help="A product's slug, name or alias; a company's name or "
                                              "alias; or the words of a query (all must appear).")],
    by: Annotated[str | None, typer.Option("--by", help="Who adds it (default: the reviewer setting).")] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Watch a product, a company (with the brands it owns) or a keyword query on new papers."""
    from tracker.db.engine import session
    from tracker.digest.watchlist import WatchError, add_watch

    settings = settings_for(database_url)
    with session(engine_for(database_url)) as s:
        try:
            watch = add_watch(s, kind=kind, value=value, author=by or settings.reviewer)
        except WatchError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"watch {watch.id}: {watch.kind} {watch.label}"
               + (f" ({watch.value})" if watch.kind == "product" else ""))


@watch_app.command("list")
def watch_list(database_url: DatabaseUrl = None, as_json: AsJson = False) -> None:
    """The watches, oldest first."""
    from tracker.db.engine import session
    from tracker.digest.watchlist import list_watches, watch_dict

    with session(engine_for(database_url)) as s:
        watches = list_watches(s)
    if as_json:
        echo_json([watch_dict(w) for w in watches])
        return
    if not watches:
        typer.echo("no watches")
    for w in watches:
        typer.echo(f"{w.id:>4}  {w.kind:<8} {w.label}"
                   + (f" ({w.value})" if w.kind == "product" else "") + (f"  by {w.author}" if w.author else ""))


@watch_app.command("remove")
def watch_remove(
    watch_id: Annotated[int, typer.Argument(metavar="ID", help="The watch's id (tracker watch list).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Stop watching."""
    from tracker.db.engine import session
    from tracker.digest.watchlist import WatchError, remove_watch

    with session(engine_for(database_url)) as s:
        try:
            watch = remove_watch(s, watch_id)
        except WatchError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
    typer.echo(f"removed watch {watch_id}: {watch.kind} {watch.label}")
