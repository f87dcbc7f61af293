"""CSV / JSON / JSONL writers: UTF-8, atomic (``tracker.contract.atomic_writer``: temp file
then rename), formula-safe CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tracker.contract import atomic_writer

FORMATS = ("csv", "json", "jsonl")
# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """Text a spreadsheet would evaluate is prefixed with an apostrophe; numbers untouched."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def write_rows(rows: Iterable[dict[str, Any]], *, columns: list[str], fmt: str, out: Path) -> int:
    """Write rows in ``fmt``; returns the number written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    count = 0
    with atomic_writer(out) as handle:
        if fmt == "csv":
            writer = csv.writer(handle, lineterminator="\n")
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
