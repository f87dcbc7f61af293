"""``tracker backup`` and ``tracker restore``: copies of the store (see docs/team.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import AsJson, DatabaseUrl, app, echo_json, settings_for


@app.command()
def backup(
    out: Annotated[Path, typer.Argument(
        help="Backup file to write (replaced only once the new copy is checked), or an "
             "existing folder for a dated tracker-<UTC time>.db|.dump in it.")],
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Copy the store into one file, safely while a nightly or the TUI writes: SQLite through
    its online backup API, PostgreSQL with pg_dump (custom format). The copy is read back
    and checked before it takes OUT's place; exit status 1 when no backup was made."""
    from tracker.jobs.backup import BackupError, backup_store, format_backup

    try:
        report = backup_store(settings_for(database_url).database_url, out)
    except BackupError as exc:
        typer.echo(f"no backup: {exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        echo_json(report.to_dict())
    else:
        typer.echo(format_backup(report))


@app.command()
def restore(
    backup_file: Annotated[Path, typer.Argument(
        metavar="FILE", help="A file written by tracker backup (SQLite copy or pg_dump archive).")],
    database_url: DatabaseUrl = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a store that already holds rows.")] = False,
    as_json: AsJson = False,
) -> None:
    """Put a backup in place as the store, then upgrade its schema to this tracker's newest
    migration (an older backup opens in a newer tracker). SQLite: copied in through the backup
    API; PostgreSQL: pg_restore --clean --if-exists --no-owner in one transaction. A store
    that holds rows is left alone unless --force; exit status 1 when nothing was restored."""
    from tracker.jobs.backup import BackupError, format_restore, restore_store

    try:
        report = restore_store(backup_file, settings_for(database_url).database_url, force=force)
    except BackupError as exc:
        typer.echo(f"not restored: {exc}", err=True)
        raise typer.Exit(1) from exc
    if as_json:
        echo_json(report.to_dict())
    else:
        typer.echo(format_restore(report))
