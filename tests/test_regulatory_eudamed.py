"""EUDAMED: parsers, the spider on the replay snapshot, and the misspelt-filter guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.parsers.eudamed import (
    FilterIgnored,
    ce_class,
    certificate_record,
    check_filter,
    legislation,
    parse_page,
)

ROOT = Path(__file__).resolve().parents[1]
SNAP = ROOT / "data" / "snapshot" / "eudamed"
VENDORS = "AIRAmed GmbH,Quantib BV,ScreenPoint Medical B.V.,Gleamer SAS,icometrix NV,Lunit Inc.,Nobody Ltd"


def test_codes_to_values() -> None:
    assert ce_class({"code": "refdata.risk-class.class-iia"}) == "IIa"
    assert ce_class({"code": "refdata.risk-class.class-iii"}) == "III"
    assert legislation({"code": "refdata.applicable-legislation.mdr"}) == "MDR"
    assert legislation({"code": "refdata.certificate-mdr-type.quality-management-system"}) == "MDR"
    assert legislation({"code": "refdata.applicable-legislation.mdd"}) == "MDD"


def test_real_airamed_certificate() -> None:
    page = parse_page((SNAP / "certificates_airamed.json").read_bytes())
    real = next(r for r in page.rows if r["certificateNumber"] == "Z-25-052-S-IX-E")
    record = certificate_record(real, source_url="x", holder=real["actorName"], srn=real["actorSrn"])
    assert record.kind == "EUDAMED certificate" and record.regulator == "EU"
    assert record.legislation == "MDR" and record.status == "issued"
    assert record.decision_date.isoformat() == "2025-09-17" and record.extra["notified_body"] == "0633"  # type: ignore[union-attr]


def test_check_filter_catches_rows_of_other_vendors() -> None:
    rows = [{"manufacturerSrn": "NL-MF-1"}, {"manufacturerSrn": "DE-MF-2"}]
    with pytest.raises(FilterIgnored):
        check_filter(rows, key="manufacturerSrn", expected="NL-MF-1")
    check_filter(rows[:1], key="manufacturerSrn", expected="NL-MF-1")
    check_filter([{"name": "Quantib B.V."}], key="name", expected="quantib", contains=True)


def test_malformed_page_is_a_problem() -> None:
    assert parse_page(b'{"content": [').problems and parse_page(b'{"x": 1}').problems


def _rows(db_url: str, kind: str):  # type: ignore[no-untyped-def]
    from tracker.db.engine import open_store, session
    from tracker.db.models import Registration

    engine = open_store(db_url)
    with session(engine) as s:
        rows = s.exec(select(Registration).where(Registration.kind == kind)).all()
        for row in rows:
            s.expunge(row)
    engine.dispose()
    return {r.number: r for r in rows}


def test_spider_stores_devices_and_certificates_once(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    env = replay_env(replay.url)
    first = run_spider("eudamed", database_url=db_url, env=env, replay=True, args={"vendors": VENDORS})
    assert first.ok, first.error_text
    assert first.new == 17 and first.extra["report"]["actors"] == 6
    assert all("page=0" in p for p in replay.requests if "/eudamed/eos?" in p)  # pages start at 0
    devices = _rows(db_url, "EUDAMED device")
    transpara = next(r for r in devices.values() if r.device_name == "Transpara")
    assert transpara.ce_class == "IIb" and transpara.legislation == "MDR" and transpara.status == "on-the-market"
    certs = _rows(db_url, "EUDAMED certificate")
    assert certs["Z-25-052-S-IX-E"].applicant == "AIRAmed GmbH" and certs["Z-25-052-S-IX-E"].status == "issued"
    legacy = certs["2797-MDD-CE-00001"]  # a device-linked legacy certificate (Quantib ND)
    assert legacy.legislation == "MDD" and legacy.extra["device"] == "Quantib ND"
    second = run_spider("eudamed", database_url=db_url, env=env, replay=True, args={"vendors": VENDORS})
    assert second.ok and second.new == 0 and second.updated == 0 and second.unchanged == 17


def test_vendors_default_to_the_companies_in_the_store(replay, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from tracker.devtools.replay import replay_env
    from tracker.jobs.crawl import run_spider

    env = replay_env(replay.url)
    assert run_spider("fda_list", database_url=db_url, env=env, replay=True).ok
    result = run_spider("eudamed", database_url=db_url, env=env, replay=True)
    assert result.ok and result.new == 17 and result.extra["report"]["vendors"] > 300


def _ignoring_snapshot(tmp_path: Path) -> Path:
    """Composed: an API that ignores every filter and answers with everyone's rows."""
    src = tmp_path / "eudamed"
    src.mkdir()
    everyone = {"content": [{"name": "Therapanacea", "srn": "FR-MF-000007672"},
                            {"name": "Quantib B.V.", "srn": "NL-MF-000001201"}],
                "totalElements": 48830, "number": 0, "last": False}
    (src / "all.json").write_text(json.dumps(everyone))
    lines = [{"path": "/eos", "query": {}, "body": "all.json"},
             {"path": "/devices/udiDiData", "query": {}, "body": "all.json"},
             {"path": "/certificates/search/", "query": {}, "body": "all.json"}]
    (src / "manifest.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    return tmp_path


def test_misspelt_filter_fails_loudly_and_stores_nothing(tmp_path: Path, db_url: str) -> None:
    from tracker.devtools.replay import ReplayServer, replay_env
    from tracker.jobs.crawl import run_spider

    with ReplayServer(_ignoring_snapshot(tmp_path)) as server:
        result = run_spider("eudamed", database_url=db_url, env=replay_env(server.url), replay=True,
                            args={"vendors": "Quantib BV", "name_param": "nmae"})
    assert not result.ok and result.errors >= 1 and result.new == 0
    assert result.extra["report"]["filter_ignored"] == 1
