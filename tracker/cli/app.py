"""The typer application and options shared by every command.

Command modules import ``app`` from here and register themselves; heavy libraries are
imported inside command functions so ``tracker --help`` stays instant.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

T = TypeVar("T")

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

app = typer.Typer(
    name="tracker",
    help="Evidence tracker for AI in radiology: products, owners and the evidence for each.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", help="SQLAlchemy URL; overrides TRACKER_DATABASE_URL."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def settings_for(database_url: str | None = None, **overrides: Any) -> Settings:
    from tracker.config import get_settings

    return get_settings(database_url=database_url, **overrides)


def engine_for(database_url: str | None = None) -> Engine:
    """An up-to-date store for the URL (flag > environment > default)."""
    from tracker.db.engine import open_store

    return open_store(settings_for(database_url).database_url)


def fetch_one(ref: str, check: Callable[[str], object], fetch: Callable[[], T]) -> T:
    """One record over the network for ``add-paper``/``add-product --fda``: a malformed
    reference exits 2, a failed fetch exits 1 saying that nothing was stored."""
    from tracker.jobs.fetch import FetchError

    try:
        check(ref)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    try:
        return fetch()
    except FetchError as exc:
        typer.echo(f"nothing stored: {exc}", err=True)
        raise typer.Exit(1) from exc


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("alembic", "faiss.loader", "sentence_transformers", "httpx"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@app.callback()
def _root(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    setup_logging(verbose)
