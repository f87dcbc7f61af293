"""Which products a figure counts: AI software by default, imaging systems on request.

Every figure, gap list, market metric, view and export that counts products filters them
through ``counted(include_systems)`` so scanners whose AI is a device feature are never
silently mixed in with standalone AI software (``--include-systems`` / the TUI toggle turn
them on).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import true

from tracker.db.models import Product

SOFTWARE = "software"
IMAGING_SYSTEM = "imaging-system"
KINDS = (SOFTWARE, IMAGING_SYSTEM)


def counted(include_systems: bool = False) -> Any:
    """A WHERE clause on ``Product``: software only, or every product."""
    if include_systems:
        return true()
    return Product.kind == SOFTWARE  # type: ignore[arg-type]


def is_counted(kind: str | None, include_systems: bool = False) -> bool:
    """The same rule for a product already loaded."""
    return include_systems or (kind or SOFTWARE) == SOFTWARE
