"""Marked products side by side (``c`` on the Products screen): one column per product, one
row per attribute (``tracker.views.compare.compare_products``): company and owner, modality,
subspecialty, type, findings, FDA clearances (numbers and dates), CE class, papers by level,
vendor-independent / multicentre / prospective papers, sample sizes and the highest level.
The evidence rows follow the rule of ``tracker.views.company.evidence_profile`` (shown under
the table); ``e`` exports the table as shown."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Static

from tracker.evidence.vocabulary import LEVELS
from tracker.tui.export import export_shown
from tracker.tui.screens.detail_base import DetailScreen
from tracker.tui.text import NONE, cell, distinct_clips
from tracker.tui.widgets.evidence_profile import sample_summary
from tracker.views.company import PROFILE_RULE
from tracker.views.compare import ProductComparison, compare_products

LABEL_WIDTH = 28
MIN_WIDTH, MAX_WIDTH = 18, 48


def comparison_rows(items: list[ProductComparison]) -> list[tuple[str, list[str]]]:
    """``(attribute, value per product)``, in the order shown; values in full text."""
    def each(get: object) -> list[str]:
        return [get(item) for item in items]  # type: ignore[operator]

    def fda(item: ProductComparison) -> str:
        regs = [c for c in item.clearances if c["regulator"] == "FDA"]
        return "\n".join(f"{c['number']} {c['kind']} {c['decision_date'] or 'date unknown'}"
                         for c in regs)

    def ce(item: ProductComparison) -> str:
        regs = [c for c in item.clearances if c["regulator"] != "FDA"]
        return "\n".join(f"{c['ce_class'] or c.get('device_class') or '?'} ({c['number']}, "
                         f"{c['decision_date'] or 'date unknown'})" for c in regs)

    def levels(item: ProductComparison) -> str:
        by = item.profile.by_level
        return ", ".join(f"{lv}: {by[lv]}" for lv in LEVELS if by.get(lv))

    def share(count: int, item: ProductComparison) -> str:
        return f"{count} of {item.profile.papers}" if item.profile.papers else str(count)

    return [
        ("company / owner", each(lambda i: f"{i.row.company} / {i.row.owner}")),
        ("modality", each(lambda i: i.row.modality)),
        ("subspecialty", each(lambda i: i.row.subspecialty)),
        ("type", each(lambda i: i.row.product_type)),
        ("findings", each(lambda i: ", ".join(i.findings))),
        ("FDA clearances", each(fda)),
        ("CE class (certificate, date)", each(ce)),
        ("evidence papers", each(lambda i: f"{i.profile.papers} ({i.profile.peer_reviewed} "
                                           f"peer-reviewed)")),
        ("papers by level", each(levels)),
        ("vendor-independent", each(lambda i: share(i.profile.vendor_independent, i))),
        ("multicentre", each(lambda i: share(i.profile.multicentre, i))),
        ("prospective", each(lambda i: share(i.profile.prospective, i))),
        ("sample sizes min/med/max", each(lambda i: sample_summary(i.profile.sample_sizes))),
        ("highest level", each(lambda i: i.row.highest or "")),
        ("product id · source", each(lambda i: f"{i.row.id} · {i.row.source_url}")),
    ]


class CompareScreen(DetailScreen):
    AUTO_FOCUS = "#compare"
    BINDINGS: ClassVar[list[BindingType]] = [
        *DetailScreen.BINDINGS, Binding("e", "export", "Export CSV"),
    ]

    def __init__(self, product_ids: list[int]) -> None:
        super().__init__()
        self.product_ids = product_ids
        self.items: list[ProductComparison] = []
        self.names: list[str] = []

    def compose_body(self) -> Iterable[Widget]:
        yield Static("Loading…", id="compare-title", classes="detail-text", markup=False)
        yield DataTable(id="compare", cursor_type="row", zebra_stripes=True)
        yield Static(f"Evidence rows: {PROFILE_RULE}.", id="compare-rule",
                     classes="status-line", markup=False)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        store = self.tracker.store
        bundle = store.products()
        with store.session() as s:
            items = compare_products(s, self.product_ids, evidence=bundle.evidence,
                                     ownership=bundle.ownership)
        self.deliver(self.show, items)

    def show(self, items: list[ProductComparison]) -> None:
        self.items = items
        self.names = [i.row.name for i in items]
        self.sub_title = f"{len(items)} products side by side"
        self.query_one("#compare-title", Static).update(
            Text(f"Comparing {len(items)} products: " + "; ".join(self.names), style="bold"))
        table = self.query_one("#compare", DataTable)
        table.clear(columns=True)
        available = (self.app.size.width - LABEL_WIDTH - 6) // max(1, len(items)) - 2
        width = max(MIN_WIDTH, min(MAX_WIDTH, available))
        labels = distinct_clips(self.names, width)
        table.add_column("", key="attribute", width=LABEL_WIDTH)
        for item in items:
            table.add_column(Text(labels[item.row.name], style="bold"), key=str(item.row.id),
                             width=width)
        for label, values in comparison_rows(items):
            table.add_row(Text(label, style="bold"),
                          *[cell(v) if v else Text(NONE, style="dim") for v in values],
                          height=None, key=label)

    def action_export(self) -> None:
        columns = ["attribute", *self.names]
        rows = [dict(zip(columns, [label, *values], strict=True))
                for label, values in comparison_rows(self.items)]
        export_shown(self.app, self.tracker.store.settings, "compare", columns, rows)
