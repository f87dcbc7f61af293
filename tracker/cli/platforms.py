"""``tracker platforms`` (platforms and what each carries), ``tracker seed-platforms`` and
``tracker import-products`` (an analyst's product list into the store)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for
from tracker.products.importer import MAPPING_HELP


@app.command("platforms")
def platforms_command(
    slug: Annotated[str | None, typer.Argument(help="A platform's slug: list what it carries")] = None,
    include_systems: Annotated[bool, typer.Option("--include-systems", help="Count imaging systems too.")] = False,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Platforms and marketplaces with the products and vendors each carries (each carriage
    with its source URL)."""
    from dataclasses import asdict

    from sqlmodel import select

    from tracker.db.engine import session
    from tracker.db.models import Platform
    from tracker.views.platforms import format_since, platform_detail, platform_rows

    with session(engine_for(database_url)) as s:
        if slug is None:
            rows = platform_rows(s, include_systems=include_systems)
            if as_json:
                echo_json([asdict(r) for r in rows])
                return
            for r in rows:
                typer.echo(f"{r.slug:30} {r.kind:19} {r.products:4} products {r.vendors:4} vendors  {r.source_url}")
            return
        platform = s.exec(select(Platform).where(Platform.slug == slug)).first()
        detail = platform_detail(s, platform.id or 0, include_systems=include_systems) if platform else None
        if detail is None:
            typer.echo(f"no platform {slug!r} (see `tracker platforms`)", err=True)
            raise typer.Exit(2)
        if as_json:
            echo_json(asdict(detail))
            return
        p = detail.platform
        typer.echo(f"{p.name} ({p.kind}, operated by {p.operator or 'unknown'})  {p.source_url}")
        for item in detail.carried:
            typer.echo(f"  {item.product} [{item.company}] since {format_since(item.since, item.since_precision) or '?'}"
                       f" ({item.origin})  {item.source_url}")


@app.command("seed-platforms")
def seed_platforms_command(
    file: Annotated[Path | None, typer.Option("--file", help="Platforms file (default: the packaged list).")] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Load the known platforms and their carriages, then read stored news for more; idempotent."""
    from tracker.db.engine import session
    from tracker.products.platforms import PlatformSeedError, platforms_step

    try:
        with session(engine_for(database_url)) as s:
            result = platforms_step(s, path=file)
    except PlatformSeedError as exc:
        typer.echo(f"platforms file: {exc}", err=True)
        raise typer.Exit(2) from exc
    if as_json:
        echo_json(result)
        return
    seeded = {k: v for k, v in result["seed"].items() if k != "unresolved"}
    typer.echo(", ".join(f"{v} {k}" for k, v in sorted(seeded.items())) or "nothing to seed")
    for name in result["seed"]["unresolved"]:
        typer.echo(f"  not in the store yet: {name}")
    typer.echo(", ".join(f"{v} {k}" for k, v in sorted(result["extracted"].items())))


@app.command("import-products", help=f"""Import an analyst's product list (a CE registry export, a
spreadsheet) as CSV, a JSON array or JSON Lines. Each row resolves to a stored product (company
by the store's company keys and aliases, then product by name or alias) or creates it, with
--source as its provenance and the row's url. Every row is checked first: bad rows are
reported as FILE:LINE: reason and nothing is imported (exit 3). Importing again changes nothing.

Default columns (case, spaces, '-' and '_' ignored; the first present wins): {MAPPING_HELP}.
Aliases are ';'- or '|'-separated; modality ';', ',' or '/'. A row with a UDI adds the EU
registration it identifies (CE class, CE date).""")
def import_products_command(
    file: Annotated[Path, typer.Argument(help="CSV, JSON or JSONL file", exists=False)],
    fmt: Annotated[str | None, typer.Option("--format", help="csv, json or jsonl (default: from the file's extension)")] = None,
    mapping: Annotated[str | None, typer.Option(
        "--mapping", help="COLUMN=FIELD,... for columns the defaults do not know, e.g. 'Trade name=name'")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Name of this list, stored as each new record's source")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and count, store nothing.")] = False,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    from tracker.db.engine import session
    from tracker.products.importer import ImportUsageError, import_file

    try:
        with session(engine_for(database_url)) as s:
            result = import_file(s, file, fmt=fmt, mapping=mapping, source=source, dry_run=dry_run)
    except ImportUsageError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    for error in result.errors:
        typer.echo(error, err=True)
    if not result.ok:
        typer.echo(f"{len(result.errors)} bad row(s) of {result.rows}: nothing imported", err=True)
        raise typer.Exit(3)
    counts = {"rows": result.rows, **result.counts}
    if as_json:
        echo_json({**counts, "dry_run": dry_run})
        return
    prefix = "dry run, nothing stored: " if dry_run else ""
    typer.echo(prefix + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items()))
