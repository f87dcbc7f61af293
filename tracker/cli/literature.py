"""``tracker queries``: the literature search each product produces, for auditing."""

from __future__ import annotations

from typing import Annotated

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for


@app.command()
def queries(
    product: Annotated[str | None, typer.Option("--product", help="Only this product (its slug).")] = None,
    source: Annotated[str, typer.Option(help="pubmed or europepmc syntax.")] = "pubmed",
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Print the search query each product in the store produces (what the literature
    spiders send, ORed together per request)."""
    from tracker.db.engine import session
    from tracker.literature.queries import SOURCES, product_queries

    if source not in SOURCES:
        raise typer.BadParameter(f"source must be one of {', '.join(SOURCES)}")
    with session(engine_for(database_url)) as s:
        found = product_queries(s, slug=product)
    if not found:
        typer.echo(f"no product {product!r} in the store" if product else
                   "no products in the store: crawl regulatory sources or add products first", err=True)
        raise typer.Exit(1)
    if as_json:
        echo_json([{"slug": q.slug, "product": q.product, "company": q.company, "names": q.names,
                    "names_needing_company": q.names_needing_company, "company_names": q.company_names,
                    "query": q.query(source)} for q in found])
        return
    for q in found:
        typer.echo(f"# {q.slug}: {q.product} ({q.company})")
        if q.names_needing_company:
            typer.echo(f"#   one-word names searched only with a company name: {', '.join(q.names_needing_company)}")
        typer.echo(q.query(source))
        typer.echo("")
