"""Charts as inline SVG strings, drawn with matplotlib's SVG backend.

Rules: no pyplot (no global figure state, no GUI backend), text kept as SVG text (small
files; the browser's sans-serif draws it), no mathtext (a ``$`` in a vendor's name stays a
dollar sign), a fixed hash salt and no date in the metadata (the same store gives the same
bytes), and every id inside an SVG prefixed with the chart's id so several SVGs can sit in
one HTML page without clashing. matplotlib is imported inside the functions.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Sequence
from typing import Any

LEVEL_COLOURS: dict[str, str] = {
    "none": "#d9d9d9", "1t": "#c6dbef", "1c": "#9ecae1", "2": "#6baed6",
    "3": "#fdae6b", "4": "#fd8d3c", "5": "#e6550d", "6": "#a63603",
}
"""One colour per efficacy level (blues: technical 1t-2; oranges: clinical 3-5 and societal 6)."""

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")

RC: Any = {  # matplotlib types rc keys as literals
    "svg.fonttype": "none",
    "svg.hashsalt": "tracker-report",
    "text.parse_math": False,
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _svg(fig: Any, prefix: str) -> str:
    """The figure as an inline ``<svg>`` element with ids prefixed and no XML prolog."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)
    return text.replace("<svg ", '<svg role="img" class="chart" ', 1)


def _new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _short(label: str, width: int = 32) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def stacked_bars(prefix: str, categories: Sequence[str], series: dict[str, Sequence[int]], *,
                 colours: dict[str, str] | None = None, horizontal: bool = False,
                 xlabel: str = "", ylabel: str = "", title: str = "",
                 width: float = 7.0, height: float | None = None) -> str:
    """Bars per category, one stacked segment per series (legend in series order)."""
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(RC):
        labels = [_short(c) for c in categories]
        if height is None:
            height = max(2.4, 0.28 * len(labels) + 1.2) if horizontal else 3.4
        fig = _new_figure(width, height)
        ax = fig.add_subplot()
        positions = list(range(len(labels)))
        base = [0.0] * len(labels)
        for n, (name, values) in enumerate(series.items()):
            colour = (colours or {}).get(name, PALETTE[n % len(PALETTE)])
            if horizontal:
                ax.barh(positions, values, left=base, color=colour, label=name)
            else:
                ax.bar(positions, values, bottom=base, color=colour, label=name)
            base = [b + v for b, v in zip(base, values, strict=True)]
        (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
        if horizontal:
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
        else:
            ax.set_xticks(positions, labels, rotation=45 if len(labels) > 8 else 0,
                          ha="right" if len(labels) > 8 else "center")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        if len(series) > 1:
            ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig, prefix)


def grouped_bars(prefix: str, categories: Sequence[str], series: dict[str, Sequence[float | None]],
                 *, ylabel: str = "", percent: bool = False, width: float = 7.0,
                 height: float = 3.2) -> str:
    """Bars side by side per category, one per series; a ``None`` value is left out."""
    import matplotlib

    with matplotlib.rc_context(RC):
        fig = _new_figure(width, height)
        ax = fig.add_subplot()
        step = 0.8 / max(1, len(series))
        for n, (name, values) in enumerate(series.items()):
            xs = [i - 0.4 + step * (n + 0.5) for i, v in enumerate(values) if v is not None]
            ys = [v for v in values if v is not None]
            ax.bar(xs, ys, width=step * 0.95, color=PALETTE[n % len(PALETTE)], label=name)
        ax.set_xticks(range(len(categories)), [textwrap.fill(_short(c, 40), 16) for c in categories])
        ax.set_ylabel(ylabel)
        if percent:
            ax.set_ylim(0, 100)
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return _svg(fig, prefix)


def line_chart(prefix: str, xs: Sequence[int], series: dict[str, Sequence[int]], *,
               xlabel: str = "", ylabel: str = "", width: float = 7.0, height: float = 3.2) -> str:
    """One line with markers per series over integer x values (years)."""
    import matplotlib
    from matplotlib.ticker import MaxNLocator

    with matplotlib.rc_context(RC):
        fig = _new_figure(width, height)
        ax = fig.add_subplot()
        for n, (name, values) in enumerate(series.items()):
            ax.plot(list(xs), list(values), marker="o", markersize=3,
                    color=PALETTE[n % len(PALETTE)], label=name)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=7, frameon=False)
        return _svg(fig, prefix)
