"""The typer application and options shared by every command.

Command modules import ``app`` from here and register themselves; heavy libraries are
imported inside command functions so ``tracker --help`` stays instant.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

T = TypeVar("T")

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from tracker.config import Settings

def os_error_line(exc: OSError) -> str:
    """An I/O error in one line: what failed and on which path."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    if isinstance(exc, FileExistsError) and exc.filename and Path(exc.filename).is_file():
        reason = "a file is in the way of a folder"  # mkdir(parents=True) under a file
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{reason}: {' -> '.join(paths)}" if paths else reason


class _Commands(TyperGroup):
    """Every command ends an I/O error (an unwritable output, a missing input, a full disk)
    with one line on stderr and exit status 2, never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            typer.echo(f"error: {os_error_line(exc)}", err=True)
            raise typer.Exit(2) from exc
        except RuntimeError as exc:
            from tracker.embeddings import BackendUnavailable  # only on failure: --help stays light

            if not isinstance(exc, BackendUnavailable):
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc


app = typer.Typer(
    cls=_Commands,
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
