"""Regenerate the initial migration from the models (before the first release only).

Usage: python scripts/regen_initial_migration.py
"""

import tempfile
from pathlib import Path

from alembic import command

from tracker.db.engine import MIGRATIONS_DIR, alembic_config

versions = MIGRATIONS_DIR / "versions"
for old in versions.glob("0001_*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    cfg = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
print(sorted(p.name for p in versions.glob("0001_*.py")))
