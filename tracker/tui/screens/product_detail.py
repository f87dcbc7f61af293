"""One product: registrations, linked papers (level, features, supporting sentence, score),
papers that mention it without evaluating it (role, sentence; not evidence), news and the
company's ownership history. Enter on a paper opens it; ``o`` opens the company."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Label, Static

from tracker.tui.screens.detail_base import DetailScreen, features_text
from tracker.tui.text import cell, clip
from tracker.views.product_detail import ProductDetail, product_detail


class ProductDetailScreen(DetailScreen):
    AUTO_FOCUS = "#product-papers"
    BINDINGS: ClassVar[list[BindingType]] = [
        *DetailScreen.BINDINGS, Binding("o", "open_company", "Company"),
    ]

    def __init__(self, product_id: int) -> None:
        super().__init__()
        self.product_id = product_id
        self._mention_ids: list[int] = []  # the paper of each "mentioned in" row

    def compose_body(self) -> Iterable[Widget]:
        yield Static("Loading…", id="product-title", classes="detail-text", markup=False)
        yield Label("Registrations", classes="pane-title")
        yield DataTable(id="product-registrations", cursor_type="row")
        yield Label("Linked papers (Enter opens one)", classes="pane-title")
        yield DataTable(id="product-papers", cursor_type="row", zebra_stripes=True)
        yield Label("Mentioned in (named, not evaluated: not evidence)", classes="pane-title")
        yield DataTable(id="product-mentions", cursor_type="row")
        yield Label("News naming the product or its company", classes="pane-title")
        yield DataTable(id="product-news", cursor_type="row")
        yield Label("Ownership history of the company", classes="pane-title")
        yield DataTable(id="product-ownership", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#product-registrations", DataTable).add_columns(
            "regulator", "kind", "number", "decision", "class", "device name", "source")
        self.query_one("#product-papers", DataTable).add_columns(
            "year", "level", "title", "features", "supporting sentence", "score", "method", "review")
        self.query_one("#product-mentions", DataTable).add_columns(
            "year", "role", "title", "sentence naming the product")
        self.query_one("#product-news", DataTable).add_columns("date", "publisher", "title", "url")
        self.query_one("#product-ownership", DataTable).add_columns("since", "owner", "event", "source")
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        with self.tracker.store.session() as s:
            detail = product_detail(s, product_id=self.product_id,
                                    min_confidence=self.tracker.store.settings.event_min_confidence)
        self.deliver(self.show, detail)

    def show(self, detail: ProductDetail | None) -> None:
        title = self.query_one("#product-title", Static)
        if detail is None:
            title.update("This product is no longer in the store.")
            return
        self.sub_title = detail.name
        head = Text(detail.name, style="bold")
        head.append(f"  by {detail.company}")
        if detail.kind != "software":
            head.append(f"  [{detail.kind}: the AI is a feature of the device]", style="italic")
        for label, value in (("modality", detail.modality), ("subspecialty", detail.subspecialty),
                             ("type", detail.product_type), ("family", detail.family)):
            if value:
                head.append(f" · {label}: {value}")
        if detail.findings:
            head.append(f"\nfindings ({len(detail.findings)}): {', '.join(detail.findings)}")
        if detail.platforms:
            head.append(f"\non platforms: {', '.join(detail.platforms)}")
        why = "; ".join(f"{name}: {value.get('source', '')}" for name, value in sorted(detail.taxonomy.items())
                        if isinstance(value, dict))
        if why:
            head.append(f"\nwhy: {why}", style="dim")
        if detail.composed:
            head.append("\ncomposed: every record behind it was composed for the recorded snapshot",
                        style="bold yellow")
        if detail.source_url:
            head.append(f"\n{detail.source_url}", style="dim")
        if detail.description:
            head.append(f"\n{detail.description}")
        title.update(head)
        regs = self.query_one("#product-registrations", DataTable)
        for r in detail.registrations:
            regs.add_row(*map(cell, (r["regulator"], r["kind"], r["number"], r["decision_date"],
                                     r["ce_class"], clip(r["device_name"], 30), r["url"])))
        papers = self.query_one("#product-papers", DataTable)
        for p in detail.papers:
            papers.add_row(cell(p.year), cell(p.level or "not evidence"), cell(clip(p.title, 60)),
                           cell(features_text(p.features)), cell(clip(p.sentence, 60)),
                           cell(p.score), cell(p.method), cell(p.decided),
                           key=str(p.publication_id))
        mentions = self.query_one("#product-mentions", DataTable)
        self._mention_ids = [m.publication_id for m in detail.mentioned_in]
        for m in detail.mentioned_in:
            mentions.add_row(cell(m.year), cell(m.role), cell(clip(m.title, 60)),
                             cell(clip(m.sentence, 80)))
        news = self.query_one("#product-news", DataTable)
        for n in detail.news:
            news.add_row(*map(cell, (n["date"], n["publisher"], clip(n["title"], 60), n["url"])))
        owners = self.query_one("#product-ownership", DataTable)
        for o in detail.ownership:
            owners.add_row(*map(cell, (o["since"], o["owner"], f"event {o['event_id']}", o["url"])))
        if not detail.ownership:
            owners.add_row(cell("–"), cell("independent (no acquisition recorded)"), cell(""), cell(""))

    @on(DataTable.RowSelected, "#product-papers")
    def open_paper(self, event: DataTable.RowSelected) -> None:
        self._open(int(str(event.row_key.value)))

    @on(DataTable.RowSelected, "#product-mentions")
    def open_mentioning_paper(self, event: DataTable.RowSelected) -> None:
        self._open(self._mention_ids[event.cursor_row])

    def action_open_company(self) -> None:
        self.open_company()

    @work(thread=True, exclusive=True, group="company")
    def open_company(self) -> None:
        """The product's company (looked up in a worker: it may read the store)."""
        company_id = self.tracker.store.company_of(self.product_id)
        if company_id is not None:
            self.deliver(self._push_company, company_id)

    def _push_company(self, company_id: int) -> None:
        from tracker.tui.screens.company import CompanyScreen

        self.app.push_screen(CompanyScreen(company_id))

    def _open(self, publication_id: int) -> None:
        from tracker.tui.screens.paper_detail import PaperDetailScreen

        self.app.push_screen(PaperDetailScreen(publication_id))
