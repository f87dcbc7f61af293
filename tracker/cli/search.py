"""``tracker search "query"``: find papers in the store by keyword or by meaning.

Keyword search is ``tracker.views.papers.search_text`` (every word in the title or abstract,
newest first); semantic search is ``search_semantic`` (the nearest papers of the paper index,
the saved one or one built from the store alone, best first). ``auto`` runs semantic search
when a paper index can be had, else keyword search, and says which ran. Filters are those of
``PaperQuery`` (effective levels, links and vendor independence: a person's overrides win).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, engine_for, settings_for

if TYPE_CHECKING:
    from tracker.views.papers import PaperHit

MODES = ("keyword", "semantic", "auto")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _cell(value: Any, width: int | None = None) -> str:
    """Scraped text on one line, control characters (terminal escapes) dropped, clipped."""
    text = "" if value is None else _CONTROL.sub(" ", str(value)).strip()
    text = " ".join(text.split())
    if width is not None and len(text) > width:
        text = text[:width - 1] + "…"
    return text


def _hit_json(hit: PaperHit, method: str) -> dict[str, Any]:
    """One hit for ``--json``: ``url`` is the paper's canonical page, ``source_url`` the URL the
    store recorded it from (its canonical page when none was recorded)."""
    return {"publication_id": hit.id, "pmid": hit.pmid, "doi": hit.doi, "title": hit.title,
            "year": hit.year, "journal": hit.journal, "level": hit.level,
            "vendor_independent": hit.vendor_independent, "products": hit.products,
            "score": None if hit.score is None else round(hit.score, 4), "method": method,
            "url": hit.url, "source_url": hit.source_url or hit.url}


def _table(hits: list[PaperHit]) -> list[str]:
    """A fixed-width table: id, year, level, title, journal, products, score."""
    head = ("id", "year", "level", "title", "journal", "products", "score")
    rows = [(str(h.id), str(h.year or ""), h.level or "-", _cell(h.title, 60), _cell(h.journal, 24),
             _cell(", ".join(h.products), 32), "" if h.score is None else f"{h.score:.3f}")
            for h in hits]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in [head, *rows]]


@app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="Words to find, a question (semantic), a PMID or a DOI.")],
    mode: Annotated[str, typer.Option("--mode", help="keyword, semantic or auto (semantic when a "
                                      "paper index can be had, else keyword).")] = "auto",
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="Most papers shown.")] = 20,
    level: Annotated[str | None, typer.Option("--level", help="Only papers at this efficacy level (1t, 1c, 2..6).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only papers of this year.")] = None,
    product: Annotated[str, typer.Option("--product", help="Only papers linked to a product whose "
                                         "name contains this (or whose slug is this).")] = "",
    independent: Annotated[bool | None, typer.Option(
        "--independent/--not-independent", help="Only vendor-independent (or only not) papers.",
        show_default=False)] = None,
    titles_only: Annotated[bool, typer.Option("--titles-only", help="Keyword search in titles only "
                                              "(default: titles and abstracts).")] = False,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Search the stored papers by keyword or by meaning, with their levels and products."""
    from sqlalchemy import func, select

    from tracker.db.engine import session
    from tracker.db.models import Publication
    from tracker.evidence.vocabulary import normalize_level
    from tracker.views.papers import PaperQuery, search_semantic, search_text, semantic_available

    if mode not in MODES:
        typer.echo(f"--mode takes {', '.join(MODES)}, not {mode!r}", err=True)
        raise typer.Exit(2)
    try:
        wanted_level = normalize_level(level) if level is not None else None
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if not query.strip():
        typer.echo("give words to search for", err=True)
        raise typer.Exit(2)
    settings = settings_for(database_url)
    engine = engine_for(database_url)
    paper_query = PaperQuery(text=query, level=wanted_level, year=year, product=product,
                             vendor_independent=independent, abstracts=not titles_only, limit=limit)
    note = ""
    with session(engine) as s:
        if not s.execute(select(func.count()).select_from(Publication)).scalar_one():
            if as_json:
                echo_json([])
            typer.echo("the store holds no papers yet", err=as_json)
            return
        method = "keyword" if mode == "keyword" else "semantic"
        if mode == "auto":
            reason = semantic_available(s, settings=settings)
            if reason is not None:
                method, note = "keyword", f"{reason}; keyword search ran"
        if method == "semantic":
            page = search_semantic(s, query=paper_query, settings=settings)
            if page.method != "semantic":
                if mode == "semantic":
                    typer.echo(page.method, err=True)
                    raise typer.Exit(1)
                method, note = "keyword", f"{page.method}; keyword search ran"
        if method == "keyword":
            page = search_text(s, query=paper_query)
    if as_json:
        if note:
            typer.echo(note, err=True)
        echo_json([_hit_json(hit, method) for hit in page.hits])
        return
    if note:
        typer.echo(note)
    if not page.hits:
        typer.echo(f"no papers found ({method} search)")
        return
    for line in _table(page.hits):
        typer.echo(line)
    if method == "semantic":
        typer.echo(f"{len(page.hits)} best of the {page.total} nearest papers that pass the filters "
                   "(semantic search, by cosine similarity)")
    else:
        total = f"{page.total}{'+' if page.capped else ''}"
        typer.echo(f"{len(page.hits)} of {total} papers (keyword search, newest first)")
