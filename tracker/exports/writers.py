"""CSV / JSON / JSONL writers: UTF-8, atomic (``tracker.contract.atomic_writer``: temp file
then rename), formula-safe CSV.

CSV follows RFC 4180: rows end in CRLF, so any cell holding a CR or an LF is quoted (with a
bare ``\n`` terminator Python's writer leaves a lone CR unquoted, and a spreadsheet then
starts a new row inside the cell). A cell a spreadsheet would run as a formula, also after
leading spaces or control characters, is prefixed with an apostrophe."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tracker.contract import atomic_writer

FORMATS = ("csv", "json", "jsonl")
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@")
# Cells starting with these are treated as formulas by some tools too (OWASP CSV injection).
_RISKY_START = ("\t", "\r", "\n")


def _skips(char: str) -> bool:
    """Characters a spreadsheet skips before it sees a formula: spaces and control codes."""
    return char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Zs")


def neutralize_cell(value: Any) -> Any:
    """Text a spreadsheet would evaluate is prefixed with an apostrophe; numbers untouched.
    A formula is caught also after leading whitespace or control characters."""
    if not isinstance(value, str):
        return value
    start = 0
    while start < len(value) and _skips(value[start]):
        start += 1
    if value.startswith(_RISKY_START) or value[start:].startswith(_FORMULA_START):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    """Dates as ISO 8601; times in UTC with their offset, whichever engine read them (SQLite
    hands back naive UTC times, PostgreSQL aware ones)."""
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_rows(rows: Iterable[dict[str, Any]], *, columns: list[str], fmt: str, out: Path) -> int:
    """Write rows in ``fmt``; returns the number written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    count = 0
    with atomic_writer(out) as handle:
        if fmt == "csv":
            writer = csv.writer(handle, lineterminator="\r\n")
            writer.writerow(columns)
            for row in rows:
                cells = []
                for name in columns:
                    value = _plain(row.get(name))
                    if isinstance(value, bool):
                        value = "true" if value else "false"
                    cells.append("" if value is None else neutralize_cell(value))
                writer.writerow(cells)
                count += 1
        elif fmt == "jsonl":
            for row in rows:
                handle.write(json.dumps({k: _plain(row.get(k)) for k in columns}, ensure_ascii=False) + "\n")
                count += 1
        else:
            handle.write("[\n")
            for row in rows:
                if count:
                    handle.write(",\n")
                handle.write(json.dumps({k: _plain(row.get(k)) for k in columns}, ensure_ascii=False))
                count += 1
            handle.write("\n]\n")
    return count
