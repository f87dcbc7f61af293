"""Fuzz targets for the batch reader (``tracker.contract``): papers, products and product
facts files built from real development lines (``tests/data/dev``, ``tests/data/products``),
each line damaged as JSON (wrong types, values removed) or as bytes (cut, flipped, spliced
with line breaks, a BOM, invalid UTF-8, deep nesting), then read from a file.

The reader must never raise on any bytes, and what it keeps must be writable: every record
dumps to UTF-8 JSON, and every problem is one line naming the file and the line.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from tests.fuzzing import SPLICES, Target, mutated_bytes, mutated_json
from tracker.contract import read_papers, read_product_facts, read_products

DATA = Path(__file__).resolve().parents[1] / "data"
SEED_LINES = 4
"""Lines taken from the head of each seed file: enough shapes, small enough to fuzz fast."""


def _seed_lines(*paths: Path) -> list[bytes]:
    lines: list[bytes] = []
    for path in paths:
        with path.open("rb") as handle:
            lines += [line.rstrip(b"\n") for line in islice(handle, SEED_LINES)]
    return lines


PAPERS = _seed_lines(DATA / "dev" / "papers_a.jsonl", DATA / "dev" / "papers_c.jsonl")
PRODUCTS = _seed_lines(DATA / "dev" / "products_a.jsonl", DATA / "dev" / "products_c.jsonl")
FACTS = _seed_lines(DATA / "products" / "kind_dev.jsonl")
LINE_SPLICES = (*SPLICES, b"\\ud800", b"\\udfff\\ud800", b"NaN", b"-Infinity", b"9" * 5000,
                b"\r\n", b"\xc3", b"\xed\xa0\x80")
"""The harness's splices and the reader's own edge cases: escaped lone surrogates,
non-standard constants, a number too long to read, a truncated and an encoded surrogate."""


def _damaged(line: bytes) -> st.SearchStrategy[bytes]:
    """One seed line: as it is, damaged as JSON, or damaged as bytes."""
    as_json = mutated_json(json.loads(line)).map(
        lambda doc: json.dumps(doc, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    return st.just(line) | as_json | mutated_bytes(line, splices=LINE_SPLICES)


def _file(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """A file of 1-5 damaged seed lines (a line may repeat: duplicate ids), joined by a
    line end, with or without a byte order mark."""
    lines = st.lists(st.sampled_from(seeds).flatmap(_damaged), min_size=1, max_size=5)
    return st.tuples(st.sampled_from([b"", b"\xef\xbb\xbf"]), lines,
                     st.sampled_from([b"\n", b"\r\n"])).map(
        lambda parts: parts[0] + parts[2].join(parts[1]) + parts[2])


def _reads(read: Callable[[Path], tuple[list[Any], list[str]]]) -> Callable[[bytes], None]:
    def call(body: bytes) -> None:
        fd, name = tempfile.mkstemp(suffix=".jsonl")
        path = Path(name)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(body)
            items, problems = read(path)
        finally:
            path.unlink()
        for item in items:
            assert isinstance(item, BaseModel)
            item.model_dump_json().encode("utf-8")  # what is kept can be written
        for problem in problems:
            assert problem.startswith(f"{path}:") and "\n" not in problem, problem
    return call


TARGETS = [
    Target("batch.read_papers", _file(PAPERS), _reads(read_papers)),
    Target("batch.read_products", _file(PRODUCTS), _reads(lambda path: read_products([path]))),
    Target("batch.read_product_facts", _file(FACTS), _reads(read_product_facts)),
]
