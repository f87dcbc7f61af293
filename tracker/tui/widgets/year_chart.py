"""A per-year chart in the terminal (textual-plotext): lines, grouped or stacked bars."""

from __future__ import annotations

from textual_plotext import PlotextPlot


class YearChart(PlotextPlot):
    """Series by year; integer ticks, one colour per series, a title saying what is counted."""

    def show_lines(self, title: str, years: list[int], series: dict[str, list[int]]) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(title)
        for label, values in series.items():
            plt.plot(years, values, label=label, marker="hd")
        self._ticks(years)
        self.refresh()

    def show_bars(self, title: str, years: list[int], series: dict[str, list[int]]) -> None:
        plt = self.plt
        plt.clear_figure()
        plt.title(title)
        if years and series:
            plt.multiple_bar([str(y) for y in years], list(series.values()),
                             labels=list(series), width=0.8)  # type: ignore[call-arg]
        self.refresh()

    def show_stacked(self, title: str, years: list[int], series: dict[str, list[int]]) -> None:
        """One bar per year, stacked by series (empty series left out of the legend)."""
        plt = self.plt
        plt.clear_figure()
        plt.title(title)
        kept = {label: values for label, values in series.items() if any(values)}
        if years and kept:
            plt.stacked_bar([str(y) for y in years], list(kept.values()),
                            labels=list(kept), width=0.6)  # type: ignore[call-arg]
            top = max(sum(column) for column in zip(*kept.values(), strict=True))
            step = max(1, -(-top // 5))
            ticks = list(range(0, top + step, step))
            plt.yticks([float(t) for t in ticks], [str(t) for t in ticks])
        self.refresh()

    def _ticks(self, years: list[int]) -> None:
        if years:
            step = max(1, len(years) // 8)
            shown = years[::step]
            self.plt.xticks([float(y) for y in shown], [str(y) for y in shown])
