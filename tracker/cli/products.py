"""``tracker add-product`` (a user's own product, or one FDA decision fetched from openFDA with
``--fda``) and ``tracker resolve`` (group registrations into products by hand; crawls of
regulatory sources do it themselves), ``tracker classify-products`` and ``tracker eval
products`` (kind and taxonomy of a products file, and their figures on labels)."""

from __future__ import annotations

from pathlib import Path
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
from tracker.cli.evaluate import eval_app


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


@app.command("classify-products")
def classify_products_command(
    products: Annotated[Path, typer.Option("--products", exists=True, dir_okay=False,
                                           help="products.jsonl (docs/interfaces.md), optionally with "
                                                "product_code, panel and device_names")],
    out: Annotated[Path, typer.Option("--out", help="Where to write one line per product")],
) -> None:
    """Kind (software or imaging-system), product type, modality, subspecialty, findings and
    family of every product of a JSONL file, each with the rule behind it."""
    from tracker.contract import read_product_facts, write_jsonl
    from tracker.products.batch import classify_records

    items, problems = read_product_facts(products)
    for problem in problems:
        typer.echo(f"{problem} (skipped)", err=True)
    rows = classify_records(items)
    write_jsonl(out, rows)
    typer.echo(f"{out}: {len(rows)} products classified"
               + (f", {len(problems)} lines skipped" if problems else ""), err=True)
    if problems:
        raise typer.Exit(3)


@eval_app.command("products")
def eval_products(
    gold: Annotated[Path, typer.Option("--gold", exists=True, dir_okay=False,
                                       help="labelled products: gold_kind, gold_modality, "
                                            "gold_subspecialty, gold_product_type")],
    as_json: AsJson = False,
) -> None:
    """Kind accuracy (against the product-code-only rule), modality and subspecialty fill
    rates of software products, and agreement with the taxonomy labels."""
    from tracker.contract import read_product_facts
    from tracker.products.batch import evaluate

    items, problems = read_product_facts(gold)
    for problem in problems:
        typer.echo(f"{problem} (skipped)", err=True)
    figures = evaluate(items)
    if as_json:
        echo_json(figures)
        return
    kind = figures["kind"]
    typer.echo(f"products {figures['products']} (software {figures['software_products']})")
    typer.echo(f"kind accuracy {kind['accuracy']} on {kind['labelled']} labelled "
               f"(product code only: {kind['code_only_accuracy']})")
    for cell, count in kind["confusion"].items():
        typer.echo(f"  {cell}: {count}")
    for error in kind["errors"][:20]:
        typer.echo(f"  wrong: {error['name']} ({error['product_id']}): gold {error['gold']}, {error['why']}")
    fill = figures["fill_rate"]
    typer.echo(f"fill rate on software: modality {fill['modality']}, subspecialty {fill['subspecialty']}, "
               f"product type {fill['product_type']}")
    for name, agreement in figures["agreement"].items():
        if agreement["labelled"]:
            typer.echo(f"{name} agreement {agreement['accuracy']} on {agreement['labelled']} labelled"
                       + (f" (first value in gold {agreement['first_value_in_gold']})"
                          if "first_value_in_gold" in agreement else ""))
