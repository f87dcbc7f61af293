"""``tracker queries`` (the literature search each product produces, for auditing) and
``tracker add-paper`` (one paper by PMID or DOI)."""

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


@app.command("add-paper")
def add_paper_command(
    ref: Annotated[str, typer.Argument(help="A PMID (12345678 or PMID:12345678) or a DOI (10.xxxx/...)")],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Fetch one paper (PubMed by PMID, Europe PMC by DOI) and store it; prints what was
    stored. Linking and grading follow with ``tracker process``."""
    from tracker.jobs.fetch import add_paper, paper_ref

    added = fetch_one(ref, paper_ref, lambda: add_paper(
        engine_for(database_url), settings_for(database_url), ref))
    r = added.record
    data = {"publication_id": added.publication_id, "outcome": added.outcome.value, "source": r.source,
            "source_url": r.source_url, "pmid": r.pmid, "doi": r.doi, "title": r.title,
            "journal": r.journal, "year": r.year, "is_preprint": r.is_preprint}
    if as_json:
        echo_json(data)
        return
    ids = ", ".join(f"{k.upper()} {v}" for k, v in (("pmid", r.pmid), ("doi", r.doi)) if v)
    typer.echo(f"publication {added.publication_id} ({added.outcome.value}, from {r.source}): {r.title}")
    typer.echo(f"  {r.journal or 'no journal'} {r.year or ''}; {ids}; {r.source_url}")
