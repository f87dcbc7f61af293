"""One strict reading of JSON text, for response bodies (``tracker.parsers.jsonbody``) and
batch lines (``tracker.contract``) alike.

:func:`strict_loads` raises :class:`JsonError`, whose message is the reason in one line
(callers prefix it with what they were reading), for:

- text that is not JSON (``json``'s own message, with line and column);
- the non-standard constants ``NaN``, ``Infinity`` and ``-Infinity``;
- a number no float holds (``1e400``) or an integer too long for Python to read (over
  4,300 digits);
- nesting deeper than the parser's recursion limit (100,000 ``[`` in a row is a
  ``RecursionError`` in :mod:`json`).
"""

from __future__ import annotations

import json
import math
from typing import Any


class JsonError(ValueError):
    """JSON text that cannot be read; the message is the reason in one line."""


def _no_constant(name: str) -> Any:
    raise JsonError(f"non-standard constant {name}")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):  # 1e400: valid JSON, but no float holds it
        raise JsonError(f"number {text[:20]} is out of range")
    return value


def strict_loads(text: str) -> Any:
    """The value of standard JSON ``text``; raises :class:`JsonError` (see the module)."""
    try:
        return json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except JsonError:
        raise
    except RecursionError:
        raise JsonError("nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise JsonError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError:  # Python reads no integer of more than 4,300 digits
        raise JsonError("a number too long to read") from None
