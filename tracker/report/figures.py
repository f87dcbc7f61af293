"""What the report is made of: sections holding tables and charts, each with its provenance.

The data here is plain (strings, numbers, links); the HTML template renders it with
autoescaping, so scraped text (product, company and paper names) is never markup. A chart
holds an SVG string made by :mod:`tracker.report.plots` from numbers only, which the
template inlines as is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SAFE_SCHEMES = ("https://", "http://")
"""Schemes of a source URL rendered as a link; any other (``javascript:``, ``record:``) is shown as text."""


@dataclass(frozen=True)
class Link:
    """A cell that points at its source: rendered as ``<a href>`` only for http(s) URLs."""

    text: str
    href: str

    @property
    def safe(self) -> bool:
        return self.href.lower().startswith(SAFE_SCHEMES)


@dataclass(frozen=True)
class Ids:
    """A cell listing record ids (rendered folded: how many, then the ids)."""

    kind: str  # product | paper | event | company
    ids: tuple[int, ...]


Cell = str | int | float | Link | list[Link] | Ids | None


@dataclass(frozen=True)
class Provenance:
    """Where a figure or a table comes from: the rule, the module that computed it, and
    the records behind it (ids, or where its source URLs are)."""

    rule: str
    module: str
    records: str = ""
    published: str = ""  # the published figures beside the store's, where the repo has them


@dataclass
class Chart:
    """A picture of its table's numbers (the table and its provenance sit below it)."""

    id: str
    title: str
    svg: str  # inline SVG from tracker.report.plots (numbers and escaped labels only)
    description: str = ""  # what the chart shows, for readers without the picture


@dataclass
class Table:
    """A table with its provenance and, when there is something to draw, its chart."""

    id: str
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    provenance: Provenance
    note: str = ""
    empty: str = "nothing in the store for this table"
    chart: Chart | None = None


@dataclass
class Note:
    text: str


Block = Table | Note


@dataclass
class Section:
    id: str
    title: str
    intro: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Report:
    """The whole report: header facts, then the sections in order."""

    title: str
    store_url: str  # password masked
    generated_at: datetime
    counts: dict[str, int]
    sections: list[Section]
    notice: str = ""  # set when the store holds nothing to report
    include_systems: bool = False
    tasks: list[str] = field(default_factory=list)
