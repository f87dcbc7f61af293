"""FDA AI list: the XML export and the CSV agree; the spider is incremental."""

from __future__ import annotations

import json
from pathlib import Path

from tracker.names import normalize_company
from tracker.parsers.fda_list import parse_fda_csv, parse_fda_xml

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv"
XML = ROOT / "tests" / "fixtures" / "regulatory" / "fda_ai_devices_2025-09.xml"
FIELDS = ("kind", "device_name", "decision_date", "panel", "product_code")


def _by_number(records):  # type: ignore[no-untyped-def]
    # the FDA re-cased a few company names between releases ("Tyto Care Ltd." / "Tyto Care ,
    # Ltd."): the same company is the same normalised name
    return {r.number: (*(getattr(r, f) for f in FIELDS), normalize_company(r.applicant))
            for r in records}


def test_xml_export_and_csv_give_the_same_registrations() -> None:
    xml = parse_fda_xml(XML.read_bytes())
    csv = parse_fda_csv(CSV.read_text("utf-8"))
    assert xml.problems == [] and len(xml.records) == 1357
    xml_rows, csv_rows = _by_number(xml.records), _by_number(csv.records)
    shared = set(xml_rows) & set(csv_rows)
    assert len(shared) >= 1300  # the CSV (to 2026-03) contains the XML export (to 2025-09)
    differing = {n: (xml_rows[n], csv_rows[n]) for n in shared if xml_rows[n] != csv_rows[n]}
    assert differing == {}
    # numbers came out of the HYPERLINK formulas, not the URL inside them
    assert "K252054" in xml_rows and all("HYPERLINK" not in n for n in xml_rows)


def test_xml_radiology_panel_filter_matches_csv_rows() -> None:
    xml = _by_number(parse_fda_xml(XML.read_bytes(), panel="Radiology").records)
    csv = _by_number(parse_fda_csv(CSV.read_text("utf-8"), panel="Radiology").records)
    assert set(xml) <= set(csv)
    assert all(xml[n] == csv[n] for n in xml)


def test_second_crawl_skips_an_unchanged_file_and_reports_it(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.db.engine import open_store, session
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider
    from tracker.store.runs import get_watermark

    env = replay_env(replay.url)
    first = run_spider("fda_list", database_url=db_url, env=env, replay=True)
    assert first.ok and first.new == 1164
    report = first.extra["report"]
    assert report["newest"] == "2026-03-30" and report["rows"] == 1164 and report["rows_newer"] == 1164
    engine = open_store(db_url)
    with session(engine) as s:
        mark = json.loads(get_watermark(s, source="fda_list") or "{}")
    engine.dispose()
    assert mark["newest"] == "2026-03-30" and len(mark["sha256"]) == 64
    second = run_spider("fda_list", database_url=db_url, env=env, replay=True)
    assert second.ok and second.new == 0 and second.updated == 0
    assert second.extra["report"]["file_unchanged"] == 1
    forced = run_spider("fda_list", database_url=db_url, env=env, replay=True, args={"full": "1"})
    assert forced.ok and forced.new == 0 and forced.updated == 0 and forced.unchanged == 1164
