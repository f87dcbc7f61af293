"""The digest of changes and watchlists: since-filters, relinks, level changes, overrides,
watches (CLI and the watched section), escaping, the JSON shape, the nightly and its hook."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import select
from typer.testing import CliRunner

from tracker.config import get_settings
from tracker.db.engine import session
from tracker.db.models import (
    Company,
    CompanyEvent,
    CrawlRun,
    EvidenceGrade,
    PaperProductLink,
    Product,
    Publication,
    Registration,
)
from tracker.digest.period import Period
from tracker.digest.render import to_html, to_json, to_markdown
from tracker.digest.run import make_digest

sys.path.insert(0, str(Path(__file__).parent))
from tui_store import FIXED, build_store  # noqa: E402

SINCE = datetime(2025, 6, 1, tzinfo=UTC)
NEW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
NOW = datetime(2025, 6, 3, tzinfo=UTC)
VEYE_READER = "Veye Lung Nodules in lung cancer screening: a reader study"
HOOK = """
import shutil, sys
shutil.copyfile(sys.argv[1], sys.argv[2])
"""


@pytest.fixture
def store(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The fixed TUI store, every row first recorded at FIXED (before SINCE)."""
    ids = build_store(engine)
    with session(engine) as s:
        s.exec(update(Registration).values(created_at=FIXED))  # type: ignore[call-overload]
        s.exec(update(CompanyEvent).values(created_at=FIXED))  # type: ignore[call-overload]
        s.commit()
    return ids


def _digest(engine, **kw: Any):  # type: ignore[no-untyped-def]
    kw.setdefault("now", NOW)
    return make_digest(engine, get_settings(), since=kw.pop("since", SINCE), **kw)


def _keys(digest: Any, section: str) -> list[str]:
    return [i.key for i in digest.changes.sections[section]]


def _add_new_rows(engine, ids: dict[str, Any]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A new clearance (decided long ago), a new company with a product, an imaging system,
    a new market event, all first recorded at NEW."""
    with session(engine) as s:
        reg = Registration(source="test", fetched_at=NEW, created_at=NEW, regulator="FDA", kind="510(k)",
                           number="K250099", device_name="Veye Lung Nodules 3", applicant="Aidence",
                           product_id=ids["veye-lung-nodules"], decision_date=date(2024, 12, 1),
                           source_url="https://example.org/reg/K250099")
        company = Company(name="Newco Imaging", normalized_name="newco imaging", source="test", created_at=NEW)
        s.add_all([reg, company])
        s.flush()
        product = Product(slug="newco-detect", company_id=company.id or 0, name="Newco Detect",
                          normalized_name="newco detect", source="test", created_at=NEW,
                          source_url="https://example.org/products/newco-detect")
        scanner = Product(slug="newco-scanner", company_id=company.id or 0, name="Newco Scanner",
                          normalized_name="newco scanner", kind="imaging-system", source="test", created_at=NEW)
        event = CompanyEvent(event_type="acquisition", company_id=ids["Pixyl"], counterparty_id=ids["Lunit"],
                             event_date=date(2025, 5, 30), status="completed", origin="seed",
                             natural_key="seed-new", source="seed", source_url="https://example.org/lunit-pixyl",
                             fetched_at=NEW, created_at=NEW)
        old_refetched = s.exec(select(Registration).where(Registration.number == "K200001")).one()
        old_refetched.fetched_at = NEW  # a re-fetch moves fetched_at, not created_at
        s.add_all([product, scanner, event, old_refetched])
        s.commit()
        return {"registration": reg.id or 0, "company": company.id or 0, "product": product.id or 0,
                "scanner": scanner.id or 0, "event": event.id or 0}


# ---- what changed ------------------------------------------------------------------------

def test_since_reports_rows_first_recorded_in_the_period_only(engine, store) -> None:  # type: ignore[no-untyped-def]
    assert _digest(engine).empty
    assert "No changes since 2025-06-01 00:00 UTC." in to_markdown(_digest(engine))
    new = _add_new_rows(engine, store)
    digest = _digest(engine)
    assert _keys(digest, "fda_clearances") == [f"registration/{new['registration']}"]  # not the re-fetched K200001
    item = digest.changes.sections["fda_clearances"][0]
    assert item.details["decision_date"] == "2024-12-01"  # decided before the period, recorded in it
    assert item.provenance == {"source_url": "https://example.org/reg/K250099",
                               "record": f"registration/{new['registration']}",
                               "rule": "Registration.created_at in the period (first recorded by the store)"}
    assert _keys(digest, "products") == [f"product/{new['product']}"]  # the imaging system is left out
    assert _keys(digest, "companies") == [f"company/{new['company']}"]
    assert _keys(digest, "market_events") == [f"event/{new['event']}"]
    assert _keys(digest, "paper_links") == [] and _keys(digest, "ce_registrations") == []
    with_systems = _digest(engine, include_systems=True)
    assert f"product/{new['scanner']}" in _keys(with_systems, "products")
    assert _digest(engine, since=NEW + timedelta(seconds=1)).empty  # later start: nothing


def test_a_relink_is_not_a_new_link(engine, store) -> None:  # type: ignore[no-untyped-def]
    from tracker.contract import paper_from_row
    from tracker.linking.linker import Link, PaperResult
    from tracker.linking.pipeline import _store

    pub_id, veye, cxr = store[VEYE_READER], store["veye-lung-nodules"], store["lunit-insight-cxr"]
    with session(engine) as s:
        paper = paper_from_row(s.get(Publication, pub_id))
    links = [Link(paper=paper.id, product=str(pid), score=0.9, method="mention", evidence="evaluated")
             for pid in (veye, cxr)]
    _store(engine, [PaperResult(paper=paper, links=links, rejected=[])], {pub_id: "h"}, "linker-test")
    with session(engine) as s:
        rows = {r.product_id: r for r in s.exec(select(PaperProductLink)
                                                 .where(PaperProductLink.publication_id == pub_id))}
    assert set(rows) == {veye, cxr}
    assert rows[veye].model_version == "linker-test"  # the row was replaced ...
    assert rows[veye].created_at.replace(tzinfo=UTC) == FIXED  # ... and kept its first date
    digest = _digest(engine, now=None)
    assert [(i.details["paper"]["id"], i.product_ids) for i in digest.changes.sections["paper_links"]] == [
        (pub_id, {cxr})]
    assert digest.changes.sections["paper_links"][0].details["action"] == "linked"


def _regrade(engine, pub_id: int, level: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.grading.pipeline import _save

    fields = ("confidence", "prospective", "multicentre", "multinational", "reader_study", "rct",
              "sample_size", "vendor_independent", "needs_review", "model_version", "relevance",
              "relevance_reason")
    grade = SimpleNamespace(level=level, cues=[], **{f: None for f in fields})
    grade.confidence, grade.needs_review, grade.model_version, grade.relevance_reason = 0.8, False, "g2", ""
    with session(engine) as s:
        row = s.exec(select(EvidenceGrade).where(EvidenceGrade.publication_id == pub_id)).one()
        _save(s, row, pub_id, grade)  # type: ignore[arg-type]
        s.commit()


def test_a_level_change_is_reported_old_to_new(engine, store) -> None:  # type: ignore[no-untyped-def]
    pub_id = store[VEYE_READER]
    _regrade(engine, pub_id, "3")  # same level: no change recorded
    with session(engine) as s:
        grade = s.exec(select(EvidenceGrade).where(EvidenceGrade.publication_id == pub_id)).one()
        assert grade.previous_level is None and grade.level_changed_at is None
    _regrade(engine, pub_id, "4")
    with session(engine) as s:
        grade = s.exec(select(EvidenceGrade).where(EvidenceGrade.publication_id == pub_id)).one()
        assert (grade.previous_level, grade.level) == ("3", "4") and grade.level_changed_at is not None
    digest = _digest(engine, now=None)
    [item] = digest.changes.sections["level_changes"]
    assert (item.details["old"], item.details["new"], item.details["by"]) == ("3", "4", "grader")
    assert item.product_ids == {store["veye-lung-nodules"]} and item.key == f"grade/{grade.id}"
    assert "level 3 → 4 by grader" in to_markdown(digest)


def test_overrides_are_reported_with_who_made_them(engine, store) -> None:  # type: ignore[no-untyped-def]
    from tracker.evidence.overrides import override_grade, override_link

    pub_id = store[VEYE_READER]
    boneview_paper = store["BoneView fracture detection: multicentre reader study"]
    with session(engine) as s:
        level = override_grade(s, publication_id=pub_id, field_name="level", value="5", author="alice",
                               reason="cost study")
        hand = override_link(s, publication_id=pub_id, product_id=store["quantib-prostate"], accept=True,
                             author="alice")
        reject = override_link(s, publication_id=boneview_paper, product_id=store["gleamer-boneview"],
                               accept=False, author="bob", reason="wrong product")
    digest = _digest(engine, now=None)
    [change] = digest.changes.sections["level_changes"]
    assert (change.details["old"], change.details["new"], change.details["by"]) == ("3", "5", "alice")
    assert change.key == f"override/{level.id}" and change.provenance["rule"].startswith(f"Override #{level.id} by alice")
    links = {i.key: i.details["action"] for i in digest.changes.sections["paper_links"]}
    assert links == {f"override/{hand.id}": "hand link", f"override/{reject.id}": "rejected"}
    text = to_markdown(digest)
    assert f"Override \\#{hand.id} by alice" in text and "rejected by bob" in text


# ---- watchlists --------------------------------------------------------------------------

def _cli(db_url: str, *args: str) -> Any:
    from tracker.cli import app

    return CliRunner().invoke(app, [*args, "--database-url", db_url])


def test_watch_add_list_remove_through_the_cli(engine, store, db_url: str) -> None:  # type: ignore[no-untyped-def]
    added = _cli(db_url, "watch", "add", "product", "Veye Lung Nodules", "--by", "alice")
    assert added.exit_code == 0, added.output
    assert "watch 1: product Veye Lung Nodules (veye-lung-nodules)" in added.output
    ambiguous = _cli(db_url, "watch", "add", "product", "insight")
    assert ambiguous.exit_code == 2
    assert "2 products match 'insight'" in ambiguous.output
    assert "lunit-insight-cxr" in ambiguous.output and "lunit-insight-mmg" in ambiguous.output
    unknown = _cli(db_url, "watch", "add", "company", "No Such Vendor")
    assert unknown.exit_code == 2 and "no company matches 'No Such Vendor'" in unknown.output
    assert _cli(db_url, "watch", "add", "product", "lunit-insight-cxr").exit_code == 0  # the slug picks one
    assert _cli(db_url, "watch", "add", "company", "radnet").exit_code == 0
    assert _cli(db_url, "watch", "add", "query", "breast  screening").exit_code == 0
    again = _cli(db_url, "watch", "add", "product", "veye-lung-nodules")
    assert again.exit_code == 2 and "watched already (watch 1)" in again.output
    assert _cli(db_url, "watch", "add", "vendor", "x").exit_code == 2
    listed = json.loads(_cli(db_url, "watch", "list", "--json").output)
    assert [(w["kind"], w["value"], w["label"]) for w in listed] == [
        ("product", "veye-lung-nodules", "Veye Lung Nodules"),
        ("product", "lunit-insight-cxr", "Lunit INSIGHT CXR"),
        ("company", "radnet", "RadNet"), ("query", "breast screening", "breast screening")]
    assert listed[0]["author"] == "alice"
    removed = _cli(db_url, "watch", "remove", "1")
    assert removed.exit_code == 0 and "removed watch 1" in removed.output
    assert _cli(db_url, "watch", "remove", "1").exit_code == 2
    assert "Veye" not in _cli(db_url, "watch", "list").output


def test_watched_items_get_their_own_section(engine, store) -> None:  # type: ignore[no-untyped-def]
    from tracker.digest.watchlist import add_watch

    new = _add_new_rows(engine, store)
    with session(engine) as s:
        s.add(Publication(title="Deep learning for screening of breast cancer", normalized_title="x1",
                          abstract="A retrospective study.", source="test", created_at=NEW, pmid="39000001"))
        s.add(Publication(title="Breast density in CT", normalized_title="x2", abstract="No match here.",
                          source="test", created_at=NEW, pmid="39000002"))
        s.commit()
        radnet = add_watch(s, kind="company", value="RadNet")
        lunit = add_watch(s, kind="company", value="Lunit")
        query = add_watch(s, kind="query", value="screening BREAST")
        detection = add_watch(s, kind="query", value="ct detection")
    digest = _digest(engine)
    watched = {m.watch.id: [i.key for i in m.items] for m in digest.watched}
    # RadNet owns DeepHealth, which owns Aidence: the new Veye clearance is RadNet's
    assert watched[radnet.id] == [f"registration/{new['registration']}"]
    assert watched[lunit.id] == [f"event/{new['event']}"]  # Lunit is the acquirer (counterparty)
    assert [i.title for m in digest.watched if m.watch.id == query.id for i in m.items] == [
        "Deep learning for screening of breast cancer"]
    assert watched[detection.id] == []  # whole words: "CT" is not in "detection"
    text = to_markdown(digest)
    assert text.index("## Watched") < text.index("## New FDA clearances")
    assert "### company: RadNet (watch" in text and "Nothing new." in text


# ---- files -------------------------------------------------------------------------------

def test_html_and_markdown_never_turn_scraped_text_into_markup(engine, store) -> None:  # type: ignore[no-untyped-def]
    title = '<script>alert("x")</script> <b>bold</b> [link](javascript:alert(1)) & more'
    with session(engine) as s:
        pub = Publication(title=title, normalized_title="evil", source="test", created_at=NEW,
                          source_url="javascript:alert(1)")
        s.add(pub)
        s.flush()
        s.add(PaperProductLink(publication_id=pub.id or 0, product_id=store["red-dot"], score=0.9,
                               method="mention", created_at=NEW))
        s.commit()
    digest = _digest(engine)
    page = to_html(digest)
    assert "<script>" not in page and "<b>bold" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&amp; more" in page
    text = to_markdown(digest)
    assert "\\<script\\>" in text and "\\[link\\](javascript:alert(1))" in text and "(javascript" not in text.replace(
        "\\[link\\](javascript", "")


def test_json_shape_and_provenance(engine, store) -> None:  # type: ignore[no-untyped-def]
    _add_new_rows(engine, store)
    data = json.loads(to_json(_digest(engine)))
    assert list(data) == ["schema", "generated_at", "since", "until", "since_rule", "include_systems",
                          "empty", "counts", "watched", "sections"]
    assert data["schema"] == "radai-tracker/digest@1" and data["since"] == SINCE.isoformat()
    assert list(data["sections"]) == ["fda_clearances", "ce_registrations", "products", "companies",
                                      "paper_links", "level_changes", "market_events"]
    assert data["counts"] == {"fda_clearances": 1, "ce_registrations": 0, "products": 1, "companies": 1,
                              "paper_links": 0, "level_changes": 0, "market_events": 1, "watched": 0}
    for section in data["sections"].values():
        assert set(section) == {"title", "rule", "items"}
        for item in section["items"]:
            assert list(item) == ["section", "key", "title", "recorded_at", "date", "details", "products",
                                  "companies", "provenance"]
            assert set(item["provenance"]) == {"source_url", "record", "rule"}
            assert item["provenance"]["record"] == item["key"] and item["provenance"]["rule"]


def test_digest_command_prints_and_writes_files(engine, store, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _add_new_rows(engine, store)
    out = tmp_path / "out"
    result = _cli(db_url, "digest", "--since", "2025-06-01", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "## New FDA clearances (1)" in result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 3 and {Path(f).suffix for f in files} == {".md", ".html", ".json"}
    assert all(f.startswith("digest-") for f in files)
    as_json = _cli(db_url, "digest", "--since", "2025-06-01T00:00:00Z", "--json")
    assert json.loads(as_json.output)["counts"]["fda_clearances"] == 1
    assert _cli(db_url, "digest", "--since", "yesterday").exit_code == 2


def test_default_since_is_the_previous_successful_nightly(engine) -> None:  # type: ignore[no-untyped-def]
    from tracker.digest.period import period

    now = datetime(2025, 6, 10, 4, 0, tzinfo=UTC)
    with session(engine) as s:
        assert period(s, now=now).since == now - timedelta(hours=24)
        s.add(CrawlRun(kind="nightly", status="ok", started_at=datetime(2025, 6, 8, 3, 0, tzinfo=UTC)))
        s.add(CrawlRun(kind="nightly", status="failed", started_at=datetime(2025, 6, 9, 3, 0, tzinfo=UTC)))
        s.add(CrawlRun(kind="nightly", status="running", started_at=datetime(2025, 6, 10, 3, 0, tzinfo=UTC)))
        s.commit()
        found = period(s, now=now)
    assert found.since == datetime(2025, 6, 8, 3, 0, tzinfo=UTC) and "run 1" in found.rule


def test_default_since_continues_where_the_last_digest_ended(engine) -> None:  # type: ignore[no-untyped-def]
    """Consecutive nightly digests neither repeat nor miss: the next one starts where the last
    one written ended, also after a failed run (its digest was written too)."""
    from tracker.digest.period import period

    now = datetime(2025, 6, 10, 4, 0, tzinfo=UTC)
    ended = datetime(2025, 6, 9, 3, 40, tzinfo=UTC)
    with session(engine) as s:
        s.add(CrawlRun(kind="nightly", status="ok", started_at=datetime(2025, 6, 8, 3, 0, tzinfo=UTC),
                       report={"digest": {"until": "2025-06-08T03:35:00+00:00"}}))
        s.add(CrawlRun(kind="nightly", status="failed", started_at=datetime(2025, 6, 9, 3, 0, tzinfo=UTC),
                       report={"digest": {"until": ended.isoformat()}}))
        s.add(CrawlRun(kind="nightly", status="ok", started_at=datetime(2025, 6, 9, 5, 0, tzinfo=UTC),
                       report={"digest": {"until": "not a time"}}))  # unreadable: skipped
        s.add(CrawlRun(kind="nightly", status="running", started_at=datetime(2025, 6, 10, 3, 0, tzinfo=UTC)))
        s.commit()
        found = period(s, now=now)
    assert found.since == ended and "run 2" in found.rule


# ---- the nightly and its hook ------------------------------------------------------------

def _nightly(monkeypatch, tmp_path: Path, db_url: str, hook: str | None, **extra: Any):  # type: ignore[no-untyped-def]
    from tracker.jobs import nightly

    monkeypatch.setattr(nightly, "PROCESS_STEPS", {})
    monkeypatch.setattr(nightly, "BEFORE_CRAWL", [])
    settings = get_settings(database_url=db_url, data_dir=tmp_path / "data", enabled_sources=[],
                            digest_hook=hook, **extra)
    return nightly.run_nightly(settings, export_dir=tmp_path / "exports")


def test_the_nightly_writes_the_digest_and_runs_the_hook(engine, store, db_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                         monkeypatch) -> None:
    _add_new_rows(engine, store)
    with session(engine) as s:
        s.add(CrawlRun(kind="nightly", status="ok", started_at=SINCE))
        s.commit()
    script = tmp_path / "hook.py"
    script.write_text(HOOK, "utf-8")
    delivered = tmp_path / "delivered.md"
    report = _nightly(monkeypatch, tmp_path, db_url, f"{sys.executable} {script} {{md}} {delivered}")
    assert report.ok, report.steps
    # the HTML report is written beside the exports too
    assert report.steps["report"]["path"] == str(tmp_path / "exports" / "report.html")
    assert (tmp_path / "exports" / "report.html").read_text("utf-8").startswith("<!DOCTYPE html>")
    assert report.digest["since"] == SINCE.isoformat()
    paths = report.digest["paths"]
    assert {Path(p).parent for p in paths.values()} == {tmp_path / "exports"}
    assert report.digest["counts"]["fda_clearances"] == 1 and report.steps["digest"]["status"] == "ok"
    assert delivered.read_text("utf-8") == Path(paths["md"]).read_text("utf-8")
    assert "K250099" in delivered.read_text("utf-8")
    assert report.steps["digest_hook"]["status"] == "ok"
    with session(engine) as s:
        run = s.get(CrawlRun, report.run_id)
        assert run is not None and run.status == "ok" and run.report["digest"]["paths"] == paths


def test_a_failing_hook_is_a_failed_step_and_the_digest_stays(engine, store, db_url: str,  # type: ignore[no-untyped-def]
                                                              tmp_path: Path, monkeypatch) -> None:
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('smtp refused', file=sys.stderr)\nsys.exit(3)\n", "utf-8")
    report = _nightly(monkeypatch, tmp_path, db_url, f"{sys.executable} {script}")
    assert report.failed == ["digest_hook"] and not report.ok
    assert "exited with status 3: smtp refused" in report.steps["digest_hook"]["error"]
    assert all(Path(p).exists() for p in report.digest["paths"].values())


def test_hook_command_placeholders_without_a_shell(tmp_path: Path) -> None:
    from tracker.digest.hook import HookError, hook_command, run_hook

    paths = {"md": "/x/d.md", "html": "/x/d.html", "json": "/x/d.json"}
    assert hook_command("notify --file={json} 'a; rm -rf /'", paths) == ["notify", "--file=/x/d.json", "a; rm -rf /"]
    assert hook_command("mail -s digest team@example.org", paths)[-1] == "/x/d.md"
    with pytest.raises(HookError, match="did not finish within 0.5 s"):
        run_hook(f"{sys.executable} -c 'import time; time.sleep(5)'", paths, timeout=0.5)
    with pytest.raises(HookError, match="could not run"):
        run_hook(str(tmp_path / "no-such-command"), paths, timeout=5)
    with pytest.raises(HookError, match="uses {report}, which this run did not write"):
        hook_command("send {report}", paths)
    assert hook_command("send {report} {md}", {**paths, "report": "/x/report.html"}) == [
        "send", "/x/report.html", "/x/d.md"]


def test_migration_backfills_first_recorded_from_fetched_at(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import text

    from tracker.db.engine import alembic_config, make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    eng = make_engine(url)
    cfg = alembic_config(url)
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
    with eng.begin() as conn:
        conn.execute(text("INSERT INTO company (name, normalized_name, source, source_url, created_at, composed) "
                          "VALUES ('A', 'a', 't', '', '2024-01-01 00:00:00.000000', 0)"))
        conn.execute(text("INSERT INTO registration (source, source_url, fetched_at, raw, content_hash, composed, "
                          "regulator, kind, number, device_name, applicant, company_id, extra) VALUES "
                          "('t', '', '2024-02-03 04:05:06.000000', '{}', '', 0, 'FDA', '510(k)', 'K1', 'd', 'a', 1, '{}')"))
        conn.execute(text("INSERT INTO companyevent (event_type, company_id, uncertain, note, origin, confidence, "
                          "confirmed, natural_key, source, source_url, fetched_at) VALUES "
                          "('funding', 1, 0, '', 'seed', 1.0, 0, 'k', 's', '', '2024-03-03 00:00:00.000000')"))
    with eng.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with session(eng) as s:
        reg = s.exec(select(Registration)).one()
        event = s.exec(select(CompanyEvent)).one()
    assert reg.created_at == reg.fetched_at == datetime(2024, 2, 3, 4, 5, 6)
    assert event.created_at == datetime(2024, 3, 3)
    eng.dispose()


def test_period_type_is_plain(engine) -> None:  # type: ignore[no-untyped-def]
    """A digest made for an explicit period keeps it (the nightly passes none)."""
    digest = make_digest(engine, get_settings(), since=SINCE, now=NOW)
    assert digest.period == Period(SINCE, NOW, "given (--since)")


def test_long_sections_are_cut_in_markdown_and_html_never_in_json(engine, store) -> None:  # type: ignore[no-untyped-def]
    _add_new_rows(engine, store)
    digest = _digest(engine)
    assert len(digest.changes.sections["products"]) == 1
    text = to_markdown(digest, limit=1)
    assert "| New products | 1 |" in text  # the count of every section comes first
    assert "more: every item is in" not in text  # one item under a limit of one: nothing cut
    everything = _digest(engine, since=datetime(2000, 1, 1, tzinfo=UTC))
    regs = len(everything.changes.sections["fda_clearances"])
    assert regs >= 2
    cut = to_markdown(everything, limit=1)
    assert f"… and {regs - 1} more: every item is in digest-" in cut
    fda = cut[cut.index("## New FDA clearances"):]
    fda = fda[:fda.index("\n## ")]
    assert sum(line.startswith("- ") for line in fda.splitlines()) == 1
    assert f"… and {regs - 1} more" in to_html(everything, limit=1)
    assert len(json.loads(to_json(everything))["sections"]["fda_clearances"]["items"]) == regs
    assert "more: every item" not in to_markdown(everything, limit=0)
