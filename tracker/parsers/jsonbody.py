"""One way to read a JSON response body: bounded, strict, and failing with one clear message.

Every JSON parser (openFDA, EUDAMED, Europe PMC, the news pages' JSON-LD) reads its body
through :func:`load_json`, which raises :class:`BadBody` (a ``ValueError``) for:

- a body larger than ``max_bytes`` (default :data:`MAX_JSON_BYTES`);
- bytes that are not UTF-8 (a UTF-8 byte order mark is accepted);
- text that is not strict JSON (``tracker.jsontext.strict_loads``: no ``NaN``/``Infinity``,
  no ``1e400``, no recursion crash on deep nesting).

Shapes are then checked by each parser (pydantic models or :func:`expect`), so a field of the
wrong type is a problem with its name, never a ``TypeError`` deep in a parser.
"""

from __future__ import annotations

from typing import Any

from tracker.jsontext import JsonError, strict_loads

MAX_JSON_BYTES = 64 * 1024 * 1024
"""The largest JSON body read (64 MiB): far above any real page of these APIs (an openFDA
page of 1,000 records is about 5 MB), small enough that a runaway body cannot exhaust memory."""


class BadBody(ValueError):
    """A body that cannot be read as JSON; the message says why in one line."""


def load_json(body: bytes | str, *, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """The JSON value of ``body``; raises :class:`BadBody` with a one-line reason."""
    if len(body) > max_bytes:
        raise BadBody(f"body of {len(body):,} bytes is over the {max_bytes:,}-byte limit")
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadBody(f"not UTF-8 (byte {exc.start})") from None
    else:
        text = body.removeprefix("\ufeff")
    try:
        return strict_loads(text)
    except JsonError as exc:
        raise BadBody(f"not valid JSON: {exc}") from None


def expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    """``value`` when it is of ``kind`` (``bool`` is never a number); else :class:`BadBody`
    naming ``where`` and what came instead."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    is_bool = isinstance(value, bool)
    if isinstance(value, kinds) and (not is_bool or bool in kinds):
        return value
    raise BadBody(f"{where}: expected {' or '.join(k.__name__ for k in kinds)}, got {type(value).__name__}")


def loose_text(value: Any, where: str) -> str:
    """A text field as these APIs send it: a string (stripped), or a number read as its
    digits (``2`` -> ``"2"``); absent (null) is ``""``. Any other type (object, list,
    boolean) raises :class:`BadBody` ``"<where>: expected text, got <type>"``, which a parser
    reports as a dropped field."""
    if value is None or isinstance(value, str):
        return (value or "").strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise BadBody(f"{where}: expected text, got {type(value).__name__}")


def loose_object(value: Any, where: str) -> dict[str, Any]:
    """An object field; absent (null) is ``{}``; any other type raises :class:`BadBody`
    ``"<where>: expected an object, got <type>"``."""
    if value is None or isinstance(value, dict):
        return value or {}
    raise BadBody(f"{where}: expected an object, got {type(value).__name__}")
