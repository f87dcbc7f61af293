"""``e`` on a table: the rows and columns on screen (after filters and sort, full text, not
clipped) as CSV under ``<data_dir>/exports/``, through the project's CSV writer (formula
cells neutralised, CRLF rows). The file name says the screen and the time (UTC)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from textual.app import App

from tracker.config import Settings
from tracker.exports.writers import write_rows


def export_path(settings: Settings, name: str, *, now: datetime | None = None) -> Path:
    """``<data_dir>/exports/tui-<name>-<YYYYmmdd-HHMMSS-ffffff>.csv``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S-%f")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "table"
    return Path(settings.data_dir) / "exports" / f"tui-{safe}-{stamp}.csv"


def write_table(settings: Settings, name: str, columns: list[str],
                rows: Sequence[Mapping[str, object]]) -> tuple[Path, int]:
    """Write ``rows`` (dicts keyed by ``columns``) as CSV; returns the path and the count."""
    out = export_path(settings, name)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = write_rows((dict(row) for row in rows), columns=columns, fmt="csv", out=out)
    return out, count


def export_shown(app: App[object], settings: Settings, name: str, columns: list[str],
                 rows: Sequence[Mapping[str, object]]) -> Path | None:
    """Write the table and tell the person where it went (or why it could not be written)."""
    try:
        path, count = write_table(settings, name, columns, rows)
    except OSError as exc:
        app.notify(f"Export failed: {exc}", severity="error", markup=False)
        return None
    app.notify(f"Exported {count} rows to {path}", markup=False, timeout=8)
    return path
