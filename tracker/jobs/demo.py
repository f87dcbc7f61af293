"""The demo's closing summary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from tracker.db.engine import open_store, session
from tracker.jobs.nightly import NightlyReport, format_report
from tracker.store.stats import table_counts

if TYPE_CHECKING:
    from tracker.config import Settings

SHOWN = ("products", "companies", "registrations", "publications", "links", "grades", "events", "news_items")


def summarize(settings: Settings, report: NightlyReport) -> str:
    engine = open_store(settings.database_url)
    with session(engine) as s:
        counts = table_counts(s)
        figures = _headline(s)
    engine.dispose()
    lines = [format_report(report), "", "Store now holds:"]
    lines += [f"  {name:<14} {counts[name]:>6}" for name in SHOWN]
    if figures:
        lines += ["", "Headline evidence figures (computed from the store):"]
        lines += [f"  {k}: {v}" for k, v in figures.items()]
    lines.append("")
    if report.changed == 0:
        lines.append("Nothing changed: the store already held this snapshot.")
    else:
        lines.append(f"{report.changed} records created or changed by this run.")
    lines += [
        f"Exports: {report.export_dir}",
        f"Open the TUI:  .venv/bin/tracker tui --database-url {settings.database_url}",
    ]
    return "\n".join(lines)


def _headline(s: Session) -> dict[str, Any]:
    from tracker.evidence.figures import headline_figures

    return headline_figures(s)
