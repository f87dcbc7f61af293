"""Fuzz targets for every parser and batch reader, shared by the bounded property tests
(``tests/test_fuzz.py``, run in CI) and the long run (``make fuzz``: ``scripts/fuzz.py``).

A :class:`Target` is a name, a hypothesis strategy of inputs and a call that must never
raise: a parser answers bad input with reported problems (``Parsed.problems``, a
``BadBody``/``ValueError`` it documents), never a crash. Each area keeps its targets in a
module of this package with a ``TARGETS`` list; :func:`all_targets` collects them.

The strategies start from recorded real bodies and damage them (:func:`mutated_json`,
:func:`mutated_bytes`): random JSON in random places, wrong types, cut-off and spliced
bytes, so the search spends its time near the shapes the services really send.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

AREAS = ("tests.fuzzing.json_parsers", "tests.fuzzing.text_parsers", "tests.fuzzing.batch")

SETTINGS = dict(deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@dataclass(frozen=True)
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    call: Callable[[Any], object]
    """Runs the parser on one input; raises only when the parser crashed. It may also
    assert what a parser promises (e.g. every record has a source URL)."""
    allowed: tuple[type[BaseException], ...] = ()
    """Exceptions the parser documents as its way of reporting a bad body."""

    def run(self, value: Any) -> None:
        with contextlib.suppress(*self.allowed):
            self.call(value)


def all_targets() -> list[Target]:
    targets: list[Target] = []
    for area in AREAS:
        try:
            module = importlib.import_module(area)
        except ModuleNotFoundError as exc:
            if exc.name != area:
                raise
            continue
        targets.extend(module.TARGETS)
    return targets


# --- strategies -----------------------------------------------------------------------------

def json_values(max_leaves: int = 12) -> st.SearchStrategy[Any]:
    """Any JSON value, with the edge cases parsers trip on (huge and negative numbers,
    infinities as floats, lone surrogates are left out: JSON text cannot carry them)."""
    scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
               | st.text(max_size=30) | st.sampled_from(["", " ", "0", "-1", "1e309", "²", "null",
                                                         "2020-13-45", "20231231", "<b>x</b>"]))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=12), inner, max_size=4),
                        max_leaves=max_leaves)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc[:3]):
            out += _paths(value, (*prefix, index))
    return out


def _replace(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(doc, dict):
        copy = dict(doc)
        copy[head] = _replace(doc[head], rest, value)
        return copy
    copy_list = list(doc)
    copy_list[head] = _replace(doc[head], rest, value)
    return copy_list


@st.composite
def mutated_json(draw: st.DrawFn, doc: Any, *, max_changes: int = 3) -> Any:
    """``doc`` (a recorded body, parsed) with up to ``max_changes`` values anywhere in it
    replaced by random JSON or deleted."""
    for _ in range(draw(st.integers(1, max_changes))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        if path and draw(st.booleans()) and isinstance(_parent(doc, path), dict):
            doc = _replace(doc, path[:-1], {k: v for k, v in _parent(doc, path).items() if k != path[-1]})
        else:
            doc = _replace(doc, path, draw(json_values()))
    return doc


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


@st.composite
def mutated_bytes(draw: st.DrawFn, raw: bytes, *, splices: tuple[bytes, ...] = ()) -> bytes:
    """``raw`` cut, with bytes flipped, or with a splice (random bytes, or one of
    ``splices``: markup, entities, control characters) inserted at a random place."""
    data = bytearray(raw)
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["cut", "flip", "insert", "splice", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "cut":
            del data[at:]
        elif action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "insert":
            data[at:at] = draw(st.binary(max_size=16))
        elif action == "splice" and splices:
            data[at:at] = draw(st.sampled_from(splices))
        elif action == "delete":
            del data[at:at + draw(st.integers(1, 64))]
    return bytes(data)


SPLICES = (b"\r", b"\n", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"&#xD800;", b"&#0;", b"&amp",
           b"<![CDATA[", b"]]>", b"<!--", b"</", b"<body>", b"\"", b"'", b",", b"\\",
           b"\xe2\x80\xa8", b"\xc2\x85", b"[" * 50, b"{" * 50, b"=cmd|' /C calc'!A0")


# --- running ---------------------------------------------------------------------------------

@dataclass
class FuzzReport:
    name: str
    tried: int = 0
    seconds: float = 0.0
    crashes: dict[str, str] = field(default_factory=dict)
    """One example per distinct crash (exception type and where it was raised)."""


def _signature(exc: BaseException) -> str:
    tb = exc.__traceback__
    where = "?"
    while tb is not None:
        where = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    return f"{type(exc).__name__} at {where}: {str(exc)[:120]}"


def fuzz_for(target: Target, seconds: float, batch: int = 200) -> FuzzReport:
    """Run ``target`` on fresh random inputs for ``seconds``; every crash is recorded (one
    example per distinct crash) and the search goes on."""
    report = FuzzReport(target.name)
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    @settings(max_examples=batch, phases=[Phase.generate], **SETTINGS)  # type: ignore[arg-type]
    @given(target.strategy)
    def one(value: Any) -> None:
        if time.monotonic() > deadline:
            return
        report.tried += 1
        try:
            target.run(value)
        except Exception as exc:  # a crash: keep looking for others
            report.crashes.setdefault(_signature(exc), repr(value)[:300])

    while time.monotonic() < deadline:
        one()
    report.seconds = time.monotonic() - started
    return report
