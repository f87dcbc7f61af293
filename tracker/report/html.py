"""Render a :class:`~tracker.report.figures.Report` as one self-contained HTML page.

The template (``report.html.j2``, package data) is rendered with autoescaping on: every
string from the store (names, titles, URLs) is escaped; only the charts' SVG, made by
:mod:`tracker.report.plots` from numbers and escaped labels, is inlined as markup. No
script, no external stylesheet, font or image: the page works offline and from file://.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from tracker.report.figures import Ids, Link, Note, Report, Table

TEMPLATE = "report.html.j2"


def _kind(block: object) -> str:
    return {Table: "table", Note: "note"}[type(block)]


def _cell_kind(cell: object) -> str:
    if isinstance(cell, Link):
        return "link"
    if isinstance(cell, Ids):
        return "ids"
    if isinstance(cell, list):
        return "links"
    return "text"


def environment() -> Any:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["kind"] = _kind
    env.filters["cell_kind"] = _cell_kind
    return env


def render_report(report: Report) -> str:
    """The report as HTML text."""
    from markupsafe import Markup

    source = files("tracker.report").joinpath(TEMPLATE).read_text(encoding="utf-8")
    template = environment().from_string(source)
    charts = {id(block.chart): Markup(block.chart.svg) for section in report.sections
              for block in section.blocks if isinstance(block, Table) and block.chart is not None}
    return template.render(report=report, svg=lambda chart: charts[id(chart)])
