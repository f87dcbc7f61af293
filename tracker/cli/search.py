"""``tracker search``: see the module that registers it below."""

from __future__ import annotations

from tracker.cli.app import app  # noqa: F401
