"""``tracker report``: one self-contained HTML file built from a small fixed store
(tests/tui_store.py). Structural tests read the HTML with the standard library's parser;
the browser test opens the file in the real headless Chromium (tests/browser.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser import browser_log, chromium_driver, missing_reason, severe_entries
from tui_store import FIXED, build_store
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db.engine import session
from tracker.db.models import Company, CompanyEvent, Product

WHEN = datetime(2025, 1, 15, 3, 0, tzinfo=UTC)
EVIL = "<script>alert('owned')</script> Stroke <b>Triage</b>"
EVIL_COMPANY = "Evil & <i>Co</i>"
SECTIONS = ("overview", "contents", "reviews", "market", "vendors", "tasks")
TABLES = ("reviews-figures", "reviews-highest", "reviews-years", "reviews-shares",
          "reviews-subspecialty", "reviews-type", "market-headline", "market-timeline",
          "vendors-table", "task-1-large-vessel-occlusion-lvo")


class Page(HTMLParser):
    """Every start tag with its attributes, the ids, and the text of each ``dl.provenance``."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: list[str] = []
        self.provenance: list[str] = []
        self._in_dl = 0
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.append((tag, found))
        if "id" in found:
            self.ids.append(found["id"])
        if tag == "dl" and "provenance" in found.get("class", ""):
            self._in_dl = 1
            self.provenance.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "dl":
            self._in_dl = 0

    def handle_data(self, data: str) -> None:
        if self._in_dl:
            self.provenance[-1] += data


@pytest.fixture
def store(engine: Any) -> dict[str, Any]:
    """The fixed store plus findings (a task to compare), a product and a company whose names
    are markup, and an event whose source URL is a script."""
    ids = build_store(engine)
    with session(engine) as s:
        for slug in ("rapid-lvo", "pixyl-neuro"):
            product = s.get(Product, ids[slug])
            product.findings = ["Large vessel occlusion"] if slug == "rapid-lvo" else ["lesions"]
            s.add(product)
        evil = Company(name=EVIL_COMPANY, normalized_name="evil co", source="test", created_at=FIXED)
        s.add(evil)
        s.flush()
        s.add(Product(slug="evil", company_id=evil.id, name=EVIL, normalized_name="evil",
                      findings=["large vessel occlusion"], source="test",
                      source_url="javascript:alert(1)", created_at=FIXED))
        s.add(CompanyEvent(event_type="acquisition", company_id=evil.id,
                           counterparty_id=ids["Lunit"], status="completed", origin="seed",
                           natural_key="seed-evil", source="seed", source_url="javascript:alert(2)",
                           fetched_at=FIXED))
        s.commit()
    return ids


def _html(engine: Any, **kwargs: Any) -> str:
    from tracker.report.build import build_report
    from tracker.report.html import render_report

    return render_report(build_report(engine, generated_at=WHEN, **kwargs))


def test_every_section_and_table_is_there_with_its_provenance(engine: Any, store: dict[str, Any]) -> None:
    html = _html(engine)
    page = Page(html)
    for wanted in (*SECTIONS, *TABLES):
        assert page.ids.count(wanted) == 1, wanted
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"
    blocks = [a["id"] for tag, a in page.tags if tag == "figure"]
    assert set(TABLES) <= set(blocks)
    assert len(page.provenance) == len(blocks)  # one provenance per table
    for text in page.provenance:
        assert "Rule" in text and "Computed by" in text and "tracker." in text
    # the contents link to every table
    hrefs = {a.get("href") for tag, a in page.tags if tag == "a"}
    assert {f"#{i}" for i in (*SECTIONS[2:], *TABLES)} <= hrefs
    # the published values beside the store's, with their source
    assert "van Leeuwen et al., Eur Radiol 2021" in html and "36%" in html and "66%" in html
    assert 'class="generated">2025-01-15T03:00:00+00:00<' in html


def test_figures_are_inline_svg_and_nothing_is_fetched(engine: Any, store: dict[str, Any]) -> None:
    html = _html(engine)
    page = Page(html)
    charts = [a["id"] for tag, a in page.tags if tag == "div" and a.get("class") == "chart"]
    assert len(charts) >= 8, charts
    assert html.count("<svg ") == len(charts)
    for tag, attrs in page.tags:
        assert tag not in ("script", "img", "link", "iframe", "object", "embed"), tag
        assert "src" not in attrs, (tag, attrs)
        if "href" in attrs and tag != "a":  # links inside the SVGs point at their own ids
            assert attrs["href"].startswith("#"), (tag, attrs)
        if "xlink:href" in attrs:
            assert attrs["xlink:href"].startswith("#"), (tag, attrs)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", html)
    # each SVG's ids are prefixed with its chart's id, so SVGs don't clash in one page
    svg_ids = [i for i in page.ids if i not in charts and "-chart-" in i]
    assert svg_ids and all(any(i.startswith(c + "-") for c in charts) for i in svg_ids)


def test_scraped_text_is_escaped_and_script_urls_are_not_links(engine: Any, store: dict[str, Any]) -> None:
    html = _html(engine)
    assert "<script" not in html.lower()
    assert "<b>Triage" not in html and "<i>Co</i>" not in html
    assert "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt; Stroke &lt;b&gt;Triage&lt;/b&gt;" in html
    assert "Evil &amp; &lt;i&gt;Co&lt;/i&gt;" in html
    assert 'href="javascript' not in html.lower()
    # the event's script URL is shown as text, not as a link
    assert "javascript:alert(2)" in html
    hrefs = [a["href"] for tag, a in Page(html).tags if tag == "a"]
    assert all(h.startswith(("#", "https://", "http://")) for h in hrefs), hrefs


def test_task_table_compares_every_product_of_the_finding(engine: Any, store: dict[str, Any]) -> None:
    html = _html(engine, tasks=["large vessel occlusion"])
    task = html[html.index('id="task-1-large-vessel-occlusion"'):]
    task = task[:task.index("</figure>")]
    assert "Task: large vessel occlusion (2 products)" in task
    # Rapid LVO: its De Novo with number, date and source; the 6 level paper; independent
    assert "DEN180005 (De Novo, 2018-02-13)" in task
    assert 'href="https://example.org/reg/DEN180005"' in task
    assert "6: 1" in task and "iSchemaView" in task
    assert "&lt;script&gt;" in task  # the second product, escaped
    # the rows: most evidence first
    assert task.index("Rapid LVO") < task.index("&lt;script&gt;")


def test_default_tasks_put_large_vessel_occlusion_first() -> None:
    from tracker.report.sections import default_tasks

    catalogue = [("lesions", 9), ("fracture", 5), ("Large vessel occlusion (LVO)", 2), ("x", 1)]
    assert default_tasks(catalogue) == ["Large vessel occlusion (LVO)", "lesions", "fracture"]
    assert default_tasks([("a", 3), ("b", 1)]) == ["a", "b"]
    assert default_tasks([]) == []


def test_counts_and_store_url_in_the_header(engine: Any, store: dict[str, Any]) -> None:
    html = _html(engine, store_url="postgresql://analyst:s3cret@db.example/tracker")
    assert "s3cret" not in html
    assert "postgresql://analyst:***@db.example/tracker" in html
    header = html[html.index('id="overview"'):html.index("</header>")]
    assert '"value">10</span> <span class="name">AI software products<' in header  # 9 + the evil one
    assert '"value">7</span> <span class="name">market events<' in header


def test_the_same_store_gives_the_same_bytes(engine: Any, store: dict[str, Any]) -> None:
    assert _html(engine) == _html(engine)


def test_an_empty_store_gives_a_report_that_says_what_to_run(engine: Any) -> None:
    html = _html(engine)
    page = Page(html)
    for wanted in SECTIONS:
        assert wanted in page.ids
    assert "empty-store" in page.ids and "tracker demo" in html
    assert "<svg" not in html
    assert "No product in the store names a clinical task yet" in html


def test_cli_writes_the_report_and_refuses_a_path_under_a_file(db_url: str, store: dict[str, Any],
                                                               tmp_path: Path) -> None:
    out = tmp_path / "out" / "report.html"
    result = CliRunner().invoke(app, ["report", "--database-url", db_url, "--out", str(out),
                                      "--task", "large vessel occlusion", "--task", "lesions",
                                      "--generated-at", "2025-01-15T03:00:00"])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "2025-01-15T03:00:00+00:00" in text
    assert 'id="task-2-lesions"' in text and "Pixyl.Neuro" in text
    assert "tasks: large vessel occlusion; lesions" in result.output
    # default output: the exports folder of the data dir (TRACKER_DATA_DIR in conftest)
    default = CliRunner().invoke(app, ["report", "--database-url", db_url])
    assert default.exit_code == 0, default.output
    assert (tmp_path / "data" / "exports" / "report.html").stat().st_size > 10_000
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    refused = CliRunner().invoke(app, ["report", "--database-url", db_url,
                                       "--out", str(blocker / "report.html")])
    assert refused.exit_code == 2
    assert "error:" in refused.output and "a-file" in refused.output
    bad = CliRunner().invoke(app, ["report", "--database-url", db_url, "--generated-at", "soon"])
    assert bad.exit_code == 2


def test_report_renders_in_headless_chromium(engine: Any, store: dict[str, Any], tmp_path: Path) -> None:
    reason = missing_reason()
    if reason:
        pytest.skip(reason)
    from selenium.webdriver.common.by import By

    path = tmp_path / "report.html"
    path.write_text(_html(engine), encoding="utf-8")
    shot = tmp_path / "report.png"
    with chromium_driver(1400, 1800) as driver:
        driver.get(path.as_uri())
        assert driver.title == "AI in radiology: products, market and evidence"
        for wanted in (*SECTIONS, *TABLES):
            element = driver.find_element(By.ID, wanted)
            assert element.is_displayed(), wanted
            assert element.size["width"] > 0 and element.size["height"] > 0, wanted
        svgs = driver.find_elements(By.CSS_SELECTOR, "div.chart svg")
        assert len(svgs) >= 8
        for svg in svgs:
            assert svg.size["width"] > 100 and svg.size["height"] > 50, svg.get_attribute("outerHTML")[:80]
        # the escaped names show as text, not as markup
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "<script>alert('owned')</script> Stroke <b>Triage</b>" in body
        assert driver.execute_script("return document.scripts.length") == 0
        assert driver.save_screenshot(str(shot))
        log = browser_log(driver)
    assert severe_entries(log) == [], log
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
