"""Text sorted the same way on every engine: by code point.

SQLite compares text byte by byte (``BINARY``: code point order for UTF-8). PostgreSQL sorts
by the database's collation, which a team's server may well have set to a language's rules
(``en_US.UTF-8`` puts "a-c" before "ab" before "Ab"; ``C`` puts "Ab" first). An ``ORDER BY``
on text whose order shows (an export's rows) or decides something (which registration founds
a product, and so the product's id) uses ``code_point_order(column)``: ``COLLATE "C"`` on
PostgreSQL (every database has it), the column as it is elsewhere. Python's ``sorted`` on
``str`` is code point order too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class CodePointOrder(ColumnElement[Any]):
    """A text expression to sort by code point (see the module docstring)."""

    inherit_cache = True
    _traverse_internals = [("element", InternalTraversal.dp_clauseelement)]

    def __init__(self, element: ColumnElement[Any]) -> None:
        self.element = element
        self.type = element.type


def code_point_order(column: Any) -> CodePointOrder:
    """``column``, sorted by code point on every engine."""
    return CodePointOrder(column)


@compiles(CodePointOrder)
def _as_is(element: CodePointOrder, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.element, **kw))


@compiles(CodePointOrder, "postgresql")
def _collate_c(element: CodePointOrder, compiler: Any, **kw: Any) -> str:
    return f'{compiler.process(element.element, **kw)} COLLATE "C"'
