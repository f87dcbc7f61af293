"""``tracker report``: the self-contained HTML report (figures, market, vendors, tasks)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from tracker.cli.app import DatabaseUrl, app, engine_for, settings_for


def _moment(value: str | None) -> datetime:
    """The report's generation time: now, or the given ISO time (UTC unless a zone is given)."""
    if not value:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        typer.echo(f"--generated-at takes an ISO date and time, not {value!r}", err=True)
        raise typer.Exit(2) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def report(
    out: Annotated[Path | None, typer.Option(
        "--out", help="The HTML file to write (default: <data dir>/exports/report.html).")] = None,
    task: Annotated[list[str] | None, typer.Option(
        "--task", metavar="FINDING",
        help="A task (finding) to compare products on; repeat for several. Default: the most "
             "common findings, large vessel occlusion first when the store has it.")] = None,
    include_systems: Annotated[bool, typer.Option(
        "--include-systems", help="Count imaging systems too (AI software only by default).")] = False,
    generated_at: Annotated[str | None, typer.Option(
        "--generated-at", help="The generation time shown (ISO; default now): for reproducible output.",
        hidden=True)] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Write one self-contained HTML report built only from the store: the published reviews'
    tables recomputed, the market, an evidence profile per vendor and products compared per
    task, every figure with its rule and provenance."""
    from tracker.report.build import write_report

    settings = settings_for(database_url)
    target = out or Path(settings.data_dir) / "exports" / "report.html"
    moment = _moment(generated_at)
    result = write_report(engine_for(database_url), target, generated_at=moment,
                          store_url=settings.database_url, tasks=task or None,
                          include_systems=include_systems,
                          min_confidence=settings.event_min_confidence)
    if result.notice:
        typer.echo(result.notice, err=True)
    typer.echo(f"report ({target.stat().st_size // 1024} KiB, tasks: "
               f"{'; '.join(result.tasks) or 'none'}) -> {target}")
