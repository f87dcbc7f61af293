"""``tracker add-product`` (a user's own product, or one FDA decision fetched from openFDA with
``--fda``) and ``tracker resolve`` (group registrations into products by hand; crawls of
regulatory sources do it themselves)."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.app import (
    AsJson,
    DatabaseUrl,
    app,
    echo_json,
    engine_for,
    fetch_one,
    settings_for,
)


@app.command("add-product")
def add_product_command(
    name: Annotated[str | None, typer.Argument(help="Product name, e.g. 'Veye Lung Nodules'")] = None,
    company: Annotated[str | None, typer.Option("--company", help="Vendor name (matched to its aliases)")] = None,
    alias: Annotated[list[str] | None, typer.Option("--alias", help="Another name (repeatable)")] = None,
    modality: Annotated[str | None, typer.Option(help="CT, MR, X-ray, Mammography, US, NM, RT")] = None,
    source: Annotated[str, typer.Option("--source", help="Where you saw it: a URL or a note")] = "",
    fda: Annotated[str | None, typer.Option(
        "--fda", help="Instead: fetch this FDA decision from openFDA (K123456, DEN123456, P123456[/S012])")] = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Add your own product (one no regulator lists yet) with its provenance, or, with
    ``--fda``, fetch one FDA decision from openFDA, store it and resolve it into a product."""
    if fda is not None:
        if name or company or alias or modality or source:
            typer.echo("--fda takes the product from openFDA: give no name, --company, --alias, "
                       "--modality or --source with it", err=True)
            raise typer.Exit(2)
        _add_fda(fda, database_url, as_json)
        return
    from tracker.db.engine import session
    from tracker.products.manual import add_product

    if not name or not company:
        typer.echo("give a product NAME and --company (or --fda NUMBER)", err=True)
        raise typer.Exit(2)
    if not source.strip():
        typer.echo("give --source (a URL or a note): every product must say where it came from", err=True)
        raise typer.Exit(2)
    with session(engine_for(database_url)) as s:
        product, created = add_product(s, name=name, company=company, aliases=alias or [],
                                       modality=modality, source_note=source)
        if as_json:
            echo_json({"product_id": product.id, "slug": product.slug, "created": created})
            return
        typer.echo(f"{'added' if created else 'updated'} {product.slug} (id {product.id})")


def _add_fda(number: str, database_url: str | None, as_json: bool) -> None:
    from tracker.jobs.fetch import add_fda_registration, fda_number

    added = fetch_one(number, fda_number, lambda: add_fda_registration(
        engine_for(database_url), settings_for(database_url), number))
    r = added.record
    data = {"registration_id": added.registration_id, "outcome": added.outcome.value,
            "number": r.number, "kind": r.kind, "device_name": r.device_name, "applicant": r.applicant,
            "decision_date": r.decision_date, "source_url": r.source_url,
            "product_id": added.product_id, "product_slug": added.product_slug,
            "product_name": added.product_name}
    if as_json:
        echo_json(data)
        return
    typer.echo(f"registration {r.number} ({r.kind}, {added.outcome.value}): {r.device_name} by "
               f"{r.applicant}, decided {r.decision_date or 'on an unknown date'}")
    if added.product_slug:
        typer.echo(f"  product {added.product_slug} (id {added.product_id}): {added.product_name}")
    else:
        typer.echo("  not resolved into a product (no company on the record)")
    typer.echo(f"  {r.source_url}")


@app.command()
def resolve(database_url: DatabaseUrl = None) -> None:
    """Group registrations into products and merge company legal entities (idempotent)."""
    from tracker.db.engine import session
    from tracker.products.resolution import resolve_products

    with session(engine_for(database_url)) as s:
        echo_json(resolve_products(s))
