"""Pure parsers: a response body in, records (and reported problems) out. No network."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Parsed(Generic[T]):
    """Records parsed from one body, and the rows that could not be parsed (with where)."""

    records: list[T] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
