"""``tracker add-product`` (a user's own product) and ``tracker resolve`` (group registrations
into products by hand; crawls of regulatory sources do it themselves)."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.app import DatabaseUrl, app, echo_json, engine_for


@app.command("add-product")
def add_product_command(
    name: Annotated[str, typer.Argument(help="Product name, e.g. 'Veye Lung Nodules'")],
    company: Annotated[str, typer.Option("--company", help="Vendor name (matched to its aliases)")],
    alias: Annotated[list[str] | None, typer.Option("--alias", help="Another name (repeatable)")] = None,
    modality: Annotated[str | None, typer.Option(help="CT, MR, X-ray, Mammography, US, NM, RT")] = None,
    source: Annotated[str, typer.Option("--source", help="Where you saw it: a URL or a note")] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Add your own product (one no regulator lists yet), with its provenance."""
    from tracker.db.engine import session
    from tracker.products.manual import add_product

    if not source.strip():
        typer.echo("give --source (a URL or a note): every product must say where it came from", err=True)
        raise typer.Exit(2)
    with session(engine_for(database_url)) as s:
        product, created = add_product(s, name=name, company=company, aliases=alias or [],
                                       modality=modality, source_note=source)
        typer.echo(f"{'added' if created else 'updated'} {product.slug} (id {product.id})")


@app.command()
def resolve(database_url: DatabaseUrl = None) -> None:
    """Group registrations into products and merge company legal entities (idempotent)."""
    from tracker.db.engine import session
    from tracker.products.resolution import resolve_products

    with session(engine_for(database_url)) as s:
        echo_json(resolve_products(s))
