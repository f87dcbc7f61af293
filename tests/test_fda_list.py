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


HEADER = "Date of Final Decision,Submission Number,Device,Company,Panel (Lead),Primary Product Code"


def test_bare_cr_in_an_unquoted_cell_is_reported_and_the_neighbours_kept() -> None:
    text = "\r\n".join([HEADER, '03/30/2026,K254207,"Two\r\nlines",Co,Radiology,QIH',
                         "03/29/2026,K254208,Bro\rken,Co,Radiology,QIH",
                         "03/28/2026,K254209,Third,Co,Radiology,QIH", ""])
    parsed = parse_fda_csv(text, panel="Radiology")
    assert [r.number for r in parsed.records] == ["K254207", "K254209"]
    assert parsed.records[0].device_name == "Two\r\nlines"  # CR LF inside quotes stay in the cell
    assert parsed.problems == ["line 4: 3 cells, expected 6", "line 5: 4 cells, expected 6"]


def test_a_cell_over_the_csv_field_limit_loses_only_its_row() -> None:
    text = f'{HEADER}\n03/30/2026,K254207,"{"x" * 200_000}",Co,Radiology,QIH\n03/29/2026,K254208,Ok,Co,Radiology,QIH\n'
    parsed = parse_fda_csv(text)
    assert [r.number for r in parsed.records] == ["K254208"] and "field larger" in parsed.problems[0]


def test_spider_crawls_the_snapshot_once(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    first = run_spider("fda_list", database_url=db_url, env=replay_env(replay.url), replay=True)
    assert first.ok and first.new == 1164
    second = run_spider("fda_list", database_url=db_url, env=replay_env(replay.url), replay=True)
    # the file did not change: it is not parsed again (see test_regulatory_fda_list.py)
    assert second.ok and second.new == 0 and second.updated == 0
