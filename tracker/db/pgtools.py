"""Where PostgreSQL's programs are: on PATH, else under Debian's
``/usr/lib/postgresql/<version>/bin`` (the server's programs, ``initdb`` and ``pg_ctl``, are
only there), the newest version first. ``tracker backup`` looks up ``pg_dump`` and
``pg_restore`` here, the test and benchmark servers ``initdb`` and ``pg_ctl``."""

from __future__ import annotations

import glob
import shutil
from pathlib import Path

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _version(path: str) -> int:
    number = Path(path).parent.parent.name
    return int(number) if number.isdigit() else 0


def find_program(name: str, *, on_path: bool = True) -> Path | None:
    """``name`` on PATH (unless ``on_path`` is false), else the newest under ``PG_BIN_GLOB``;
    None when neither has it."""
    found = shutil.which(name) if on_path else None
    if found:
        return Path(found)
    candidates = sorted(glob.glob(f"{PG_BIN_GLOB}/{name}"), key=_version)
    return Path(candidates[-1]) if candidates else None
