"""FDA AI-enabled list: CSV and XML parsers on the real files, and the spider on replay."""

from pathlib import Path

from tracker.parsers.fda_list import clean_number, parse_fda_csv, parse_fda_xml

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv"


def test_csv_radiology_rows() -> None:
    parsed = parse_fda_csv(CSV.read_text("utf-8"), panel="Radiology")
    assert len(parsed.records) == 1164 and parsed.problems == []
    first = parsed.records[0]
    assert first.number == "K254207" and first.applicant == "ViTAA Medical Solutions, Inc."
    assert first.decision_date.isoformat() == "2026-03-30" and first.product_code == "QIH"


def test_hyperlink_formula_numbers() -> None:
    cell = '=HYPERLINK("https://www.accessdata.fda.gov/scripts/cdrh/cfdocs/cfPMN/pmn.cfm?ID=K252054", "K252054")'
    assert clean_number(cell) == "K252054"
    assert clean_number(" den200022 ") == "DEN200022"


def test_malformed_xml_is_a_problem_not_a_crash() -> None:
    parsed = parse_fda_xml(b"<data><row><Device>x</row>")
    assert parsed.records == [] and parsed.problems and "malformed XML" in parsed.problems[0]


def test_spider_crawls_the_snapshot_once(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    first = run_spider("fda_list", database_url=db_url, env=replay_env(replay.url), replay=True)
    assert first.ok and first.new == 1164
    second = run_spider("fda_list", database_url=db_url, env=replay_env(replay.url), replay=True)
    # the file did not change: it is not parsed again (see test_regulatory_fda_list.py)
    assert second.ok and second.new == 0 and second.updated == 0
