"""Event dates with their precision: a source that says "2021" or "November 2021" is stored
as the first day of that year or month *and* the precision (``year``, ``month``, ``day``), so
it is shown as "2021" or "2021-11", never as 1 January or the 1st."""

from __future__ import annotations

from datetime import date
from typing import Any

DAY, MONTH, YEAR = "day", "month", "year"
PRECISIONS = (DAY, MONTH, YEAR)


class DateError(ValueError):
    """A date that is not ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``."""


def parse_dated(value: Any) -> tuple[date | None, str | None]:
    """``"2021"`` -> (2021-01-01, "year"); ``"2021-11"`` -> (2021-11-01, "month");
    ``"2021-11-04"`` or a date -> (that day, "day"); empty -> (None, None)."""
    if value in (None, ""):
        return None, None
    if isinstance(value, date):
        return value, DAY
    text = str(value).strip()
    try:
        parts = [int(p) for p in text.split("-")]
    except ValueError as exc:
        raise DateError(f"bad date {text!r}") from exc
    if not 1 <= len(parts) <= 3 or not 1900 <= parts[0] <= 2100:
        raise DateError(f"bad date {text!r}")
    try:
        when = date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError as exc:
        raise DateError(f"bad date {text!r}: {exc}") from exc
    return when, PRECISIONS[3 - len(parts)]


def date_label(when: date | None, precision: str | None = DAY) -> str:
    """The date as precise as it is known: "2021", "2021-11" or "2021-11-04"; "" if undated."""
    if when is None:
        return ""
    if precision == YEAR:
        return f"{when.year}"
    if precision == MONTH:
        return f"{when.year}-{when.month:02d}"
    return when.isoformat()


def latest_day(when: date, precision: str | None) -> date:
    """The last day the imprecise date may stand for (2021 -> 2021-12-31)."""
    if precision == YEAR:
        return date(when.year, 12, 31)
    if precision == MONTH:
        following = date(when.year + (when.month == 12), when.month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1)
    return when
