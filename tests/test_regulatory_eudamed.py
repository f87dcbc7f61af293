"""EUDAMED: parsers, the spider on the replay snapshot, and the misspelt-filter guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from tracker.parsers.eudamed import (
    BadRecord,
    FilterIgnored,
    ce_class,
    certificate_holder,
    certificate_record,
    certificates_of,
    check_filter,
    detail_of,
    device_record,
    legislation,
    parse_page,
)
from tracker.parsers.jsonbody import BadBody

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


# ---- bad input: reported problems, never exceptions (issue 15) ------------------------------

@pytest.mark.parametrize(("body", "problem"), [
    (b'{"content": [], "totalElements": "x"}', "totalElements: expected int, got str"),
    (b'{"content": [], "number": "x"}', "number: expected int, got str"),
    (b'{"content": [], "totalElements": 1e400}', "number 1e400 is out of range"),
    (b'{"content": [], "totalElements": Infinity}', "non-standard constant Infinity"),
    (b'{"content": [], "totalElements": -1}', "totalElements: expected a count"),
    (b'{"content": [], "last": null}', "last: expected bool, got NoneType"),
    (b'{"content": {}}', "content: expected list, got dict"),
    (b"[" * 100_000, "nested too deeply"),
])
def test_unreadable_page_figures_are_a_problem(body: bytes, problem: str) -> None:
    page = parse_page(body)
    assert not page.paging_known and page.rows == [] and any(problem in p for p in page.problems), page.problems


def test_a_row_that_is_not_an_object_loses_nothing_else() -> None:
    page = parse_page(b'{"content": ["x", {"srn": "NL-MF-1"}], "totalElements": 2, "number": 0, "last": true}')
    assert page.paging_known and page.rows == [{"srn": "NL-MF-1"}] and page.total == 2
    assert page.problems == ["content[0]: expected an object, got str"]


@pytest.mark.parametrize("body", [b"[" * 100_000, b"[1]", b'{"uuid": ', b"null"])
def test_unreadable_device_detail_is_a_bad_body(body: bytes) -> None:
    with pytest.raises(BadBody):
        detail_of(body)


ROW = {"primaryDi": "00000020000001", "uuid": "u-1", "tradeName": "Quantib ND", "manufacturerName": "Quantib B.V.",
       "manufacturerSrn": "NL-MF-000001201", "riskClass": {"code": "refdata.risk-class.class-iia"}}


def test_device_detail_fields_of_the_wrong_type_are_dropped_and_said() -> None:
    problems: list[str] = []
    detail = {"riskClass": 5, "legislation": {"code": ["x"]}, "deviceCertificateInfoList": "abc"}
    device = device_record({**ROW, "basicUdi": {"x": 1}}, source_url="u", detail=detail, problems=problems)
    assert (device.number, device.ce_class, device.legislation) == ("00000020000001", "IIa", None)
    assert "basic_udi" not in device.extra and certificates_of(detail, problems) == []
    assert problems == [
        "device 00000020000001 detail: riskClass: expected a code, got int; field dropped",
        "device 00000020000001 detail: legislation.code: expected a code, got list; field dropped",
        "device 00000020000001: basicUdi: expected text, got dict; field dropped",
        "device detail: certificate list: expected a list, got str",
    ]


def test_certificate_fields_of_the_wrong_type_are_dropped_and_said() -> None:
    problems: list[str] = []
    detail = {"deviceCertificateInfoList": [3, {"certificateNumber": "2797-MDD-CE-00001", "notifiedBody": "s",
                                                "status": [1], "issueDate": {}, "certificateExpiry": "2028-05-26"}]}
    certs = certificates_of(detail, problems)
    record = certificate_record(certs[0], source_url="u", holder="Quantib B.V.", problems=problems)
    assert (record.number, record.status, record.decision_date) == ("2797-MDD-CE-00001", None, None)
    assert record.extra == {"expiry": "2028-05-26"}
    assert problems == [
        "device detail: certificate 0: expected an object, got int",
        "certificate 2797-MDD-CE-00001: notifiedBody: expected an object, got str; field dropped",
        "certificate 2797-MDD-CE-00001: issueDate: expected text, got dict; field dropped",
        "certificate 2797-MDD-CE-00001: status: expected a code, got list; field dropped",
    ]
    assert certificate_holder({"actorName": ["x"]}, "Quantib B.V.", problems) == "Quantib B.V."
    with pytest.raises(BadRecord, match="certificateNumber"):
        certificate_record({"certificateNumber": ["x"]}, source_url="u", holder="h")
    with pytest.raises(BadRecord, match="manufacturerName"):
        device_record({**ROW, "manufacturerName": {}}, source_url="u")


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


def test_spider_reports_bad_pages_and_details_and_stores_the_rest(  # type: ignore[no-untyped-def]
        replay, db_url: str, tmp_path: Path) -> None:
    from tracker.devtools.replay import Fault, replay_env
    from tracker.jobs.crawl import run_spider

    # composed: Quantib ND's detail with wrong types, Lunit's certificate page with a bad total
    replay.add_fault(Fault(path_prefix="/eudamed/devices/basicUdiData/udiDiData/00000000-0000-4000-9000-000002000001",
                           status=200, times=-1, body=b'{"riskClass": 5, "deviceCertificateInfoList": "abc"}'))
    replay.add_fault(Fault(path_prefix="/eudamed/certificates/search/", query_contains="actorSrn=KR-MF-000001205",
                           status=200, times=-1, body=b'{"content": [], "totalElements": "x"}'))
    log = tmp_path / "crawl.log"
    result = run_spider("eudamed", database_url=db_url, env=replay_env(replay.url), replay=True, log_file=log,
                        args={"vendors": "Quantib BV,Lunit Inc."})
    text = log.read_text("utf-8")
    assert not result.ok and "totalElements: expected int, got str" in text  # the page fails, loudly
    assert "riskClass: expected a code, got int; field dropped" in text
    assert "certificate list: expected a list, got str" in text
    assert "Traceback" not in text and "Spider error" not in text
    quantib_nd = _rows(db_url, "EUDAMED device")["00000020000001"]
    assert quantib_nd.ce_class == "IIa"  # the list row's class, the detail's was unreadable
