"""Built stores shared between tests: a test that starts from one gets a private copy."""

from __future__ import annotations

import shutil
from pathlib import Path


def copy_store(template: Path, folder: Path) -> str:
    """A private copy of a closed SQLite store file; returns its URL."""

    target = folder / "tracker.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"
