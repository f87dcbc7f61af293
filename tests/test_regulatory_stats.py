"""``tracker stats`` sections checked against counts computed independently from the raw CSV."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv"


def _raw_radiology_rows() -> list[dict[str, str]]:
    with open(CSV, encoding="utf-8-sig", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["Panel (Lead)"] == "Radiology"]


def test_stats_sections_match_the_raw_file(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.cli import app

    runner = CliRunner()
    crawled = runner.invoke(app, ["crawl", "fda_list", "--database-url", db_url, "--replay", str(ROOT / "data/snapshot")])
    assert crawled.exit_code == 0, crawled.output
    stats = runner.invoke(app, ["stats", "--json", "--include-systems", "--database-url", db_url])
    assert stats.exit_code == 0, stats.output
    data = json.loads(stats.stdout)
    rows = _raw_radiology_rows()
    # registrations per decision year: the CSV's MM/DD/YYYY year column, counted by hand
    by_year = Counter(r["Date of Final Decision"][-4:] for r in rows)
    assert data["registrations_by_source_year"] == {"fda_ai_list": dict(sorted(by_year.items()))}
    assert sum(by_year.values()) == 1164
    # products per company (imaging systems included): distinct device names of each vendor,
    # counted straight from the raw rows with the vendor's spellings matched by hand (an
    # independent, cruder grouping gives an upper bound; known families give exact numbers)
    top = data["products_per_company"]
    lunit = {r["Device"].split(" (")[0].split(" v1")[0] for r in rows if r["Company"].lower().startswith("lunit")}
    assert lunit == {"Lunit INSIGHT DBT", "Lunit INSIGHT MMG", "Lunit INSIGHT CXR Triage"}
    ge_rows = [r for r in rows if r["Company"].lower().startswith("ge ")]
    ge_names = {r["Device"].strip().lower() for r in ge_rows}
    assert 50 < top["GE HealthCare"] <= len(ge_names)
    siemens_names = {r["Device"].strip().lower() for r in rows if r["Company"].lower().startswith("siemens")}
    assert 30 < top["Siemens Healthineers"] <= len(siemens_names)
    assert list(top)[0] == "GE HealthCare"  # the most products in the list
    assert data["counts"]["products"] > 700
    # by default only AI software counts: most of GE's and Siemens' products are scanners
    software = json.loads(runner.invoke(app, ["stats", "--json", "--database-url", db_url]).stdout)
    kinds = software["products_by_kind"]
    assert kinds["software"] + kinds["imaging-system"] == data["counts"]["products"]
    assert software["products_per_company"].get("GE HealthCare", 0) < top["GE HealthCare"] / 2
    from tracker.db.engine import open_store, session
    from tracker.products.stats import products_per_company

    engine = open_store(db_url)
    with session(engine) as s:
        every = products_per_company(s, top=10_000, include_systems=True)
        ai = products_per_company(s, top=10_000)
    engine.dispose()
    assert every["Lunit"] == ai["Lunit"] == len(lunit)
    assert sum(every.values()) == data["counts"]["products"]
    assert sum(ai.values()) == kinds["software"]


def test_text_output_has_the_sections(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.cli import app

    runner = CliRunner()
    runner.invoke(app, ["crawl", "fda_list", "--database-url", db_url, "--replay", str(ROOT / "data/snapshot")])
    out = runner.invoke(app, ["stats", "--database-url", db_url]).stdout
    assert "Products per company" in out and "GE HealthCare" in out and "fda_ai_list" in out
