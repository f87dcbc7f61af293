"""JSON Lines in and out for the batch commands (INTERFACES.md).

A bad line (not JSON, or missing a required field) is reported with its line number and
skipped; everything valid is kept. Output is written to a temp file and renamed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def read_jsonl(path: Path, parse: Callable[[Any], T]) -> tuple[list[T], list[str]]:
    """``(items, problems)``; each problem reads ``"<file>:<line>: <why>"``."""
    items: list[T] = []
    problems: list[str] = []
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                items.append(parse(json.loads(line)))
            except json.JSONDecodeError as exc:
                problems.append(f"{path}:{number}: not valid JSON ({exc.msg})")
            except (ValueError, TypeError) as exc:
                problems.append(f"{path}:{number}: {exc}")
    return items, problems


def write_jsonl_atomic(path: Path, rows: Iterable[dict[str, Any]]) -> int:
    """Write rows to ``path`` through a temp file in the same folder; returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count
