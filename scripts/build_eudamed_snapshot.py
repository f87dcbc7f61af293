"""Build the EUDAMED replay snapshot (``data/snapshot/eudamed/``).

    python scripts/build_eudamed_snapshot.py

Real records (from AG-Kollotzek/eudamed-api-field-guide's live probes, via the shared data
folder): the AIRAmed GmbH certificate, the Scheftner device search entry, the unfiltered
actor and certificate totals (48,830 and 4,538). Everything else is composed for a handful of
real radiology-AI vendors (real company and product names; identifiers, classes and
certificate details made up) and carries ``"_provenance": "composed"`` in its body; see
PROVENANCE.md. Shapes follow the openregulatory OpenAPI description (MIT) and the probes.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "data" / "snapshot" / "eudamed"
SHARED = ROOT.parent / "shared" / "data" / "eudamed"
COMPOSED = "composed for radai-tracker tests: not a real EUDAMED record"
SIZE = 100

# (search name, actor name, SRN, country, [(trade name, class, legislation, legacy MDD cert)], [certs])
VENDORS: list[tuple[str, str, str, str, list[tuple[str, str, str, str | None]], list[tuple[str, str, str, str]]]] = [
    ("airamed", "AIRAmed GmbH", "DE-MF-000006413", "DE", [("AIRAscore", "class-iia", "mdr", None)], []),
    ("quantib", "Quantib B.V.", "NL-MF-000001201", "NL",
     [("Quantib ND", "class-iia", "mdr", "2797-MDD-CE-00001"), ("Quantib Prostate", "class-iia", "mdr", None)],
     [("2797-MDR-QMS-00001", "0344", "quality-management-system", "issued")]),
    ("screenpoint medical", "ScreenPoint Medical B.V.", "NL-MF-000001202", "NL",
     [("Transpara", "class-iib", "mdr", None)],
     [("2797-MDR-TD-00002", "2797", "technical-documentation", "issued")]),
    ("gleamer", "Gleamer", "FR-MF-000001203", "FR",
     [("BoneView", "class-iia", "mdr", None), ("ChestView", "class-iia", "mdr", None)],
     [("0459-MDR-TD-00003", "0459", "technical-documentation", "issued"),
      ("0459-MDR-QMS-00004", "0459", "quality-management-system", "supplemented")]),
    ("icometrix", "icometrix NV", "BE-MF-000001204", "BE", [("icobrain", "class-iia", "mdr", None)],
     [("0123-MDR-QMS-00005", "0123", "quality-management-system", "issued")]),
    ("lunit", "Lunit Inc.", "KR-MF-000001205", "KR",
     [("Lunit INSIGHT CXR", "class-iia", "mdr", None), ("Lunit INSIGHT MMG", "class-iia", "mdr", None)],
     [("2797-MDR-TD-00006", "2797", "technical-documentation", "issued")]),
]


def page(content: list[dict[str, Any]], total: int | None = None, **extra: Any) -> dict[str, Any]:
    total = len(content) if total is None else total
    return {**extra, "content": content, "first": True, "last": True, "number": 0,
            "numberOfElements": len(content), "size": SIZE, "totalElements": total,
            "totalPages": 1 if total else 0}


class Manifest:
    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []

    def add(self, path: str, query: dict[str, Any], body: Any, name: str, status: int = 200) -> None:
        (OUT / name).write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", "utf-8")
        self.lines.append({"method": "GET", "path": path, "query": {k: str(v) for k, v in query.items()},
                           "status": status, "headers": {"Content-Type": "application/json"}, "body": name})


def listing(**params: Any) -> dict[str, Any]:
    size = params.pop("size", SIZE)
    return {**params, "page": 0, "pageSize": size, "size": size, "languageIso2Code": "en"}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json"):
        old.unlink()
    real_device = json.loads((SHARED / "eudamed_udiDiData_search_entry_probe.json").read_text("utf-8"))
    real_cert = json.loads((SHARED / "eudamed_certificate_search_entry_airamed_probe.json").read_text("utf-8"))
    m = Manifest()
    therapanacea = {"name": "Therapanacea", "srn": "FR-MF-000007672", "countryIso2Code": "FR",
                    "actorType": {"code": "refdata.actor-type.manufacturer"}}
    m.add("/eos", listing(size=1), page([therapanacea], 48830, _provenance="totals real (probe); row: SRN and name from the field guide"), "probe_eos.json")
    m.add("/devices/udiDiData", {**listing(size=1), "iso2Code": "en"},
          page([real_device], 1500000, _provenance="row real (probe); totalElements composed"), "probe_devices.json")
    m.add("/certificates/search/", listing(size=1), page([real_cert], 4538, _provenance="real (probe 06)"),
          "probe_certificates.json")
    m.add("/eos", {}, page([]), "eos_no_match.json")  # a name with no actor: an empty page
    for n, (search, actor, srn, country, devices, certs) in enumerate(VENDORS, 1):
        slug = search.replace(" ", "_")
        m.add("/eos", listing(name=search), page([{
            "uuid": f"00000000-0000-4000-8000-{n:012d}", "name": actor, "srn": srn, "countryIso2Code": country,
            "actorType": {"code": "refdata.actor-type.manufacturer"},
            "status": {"code": "refdata.actor-status.active"}}],
            _provenance="SRN real (probe)" if srn == real_cert["actorSrn"] else COMPOSED), f"eos_{slug}.json")
        rows = []
        for d, (trade, risk, law, legacy) in enumerate(devices, 1):
            uuid = f"00000000-0000-4000-9000-{n:06d}{d:06d}"
            rows.append({"basicUdi": f"{srn[:2]}{n:02d}{d:02d}RADAI{d}", "primaryDi": f"0{n:06d}{d:07d}",
                         "uuid": uuid, "riskClass": {"code": f"refdata.risk-class.{risk}"}, "tradeName": trade,
                         "manufacturerName": actor, "manufacturerSrn": srn,
                         "deviceStatusType": {"code": "refdata.device-model-status.on-the-market"},
                         "latestVersion": True, "versionNumber": 1, "applicableLegislation": None})
            detail: dict[str, Any] = {"_provenance": COMPOSED, "uuid": uuid,
                                      "legislation": {"code": f"refdata.applicable-legislation.{law}"},
                                      "riskClass": {"code": f"refdata.risk-class.{risk}"},
                                      "deviceCertificateInfoList": []}
            if legacy:
                detail["legislation"] = {"code": "refdata.applicable-legislation.mdd", "legacyDirective": True}
                detail["deviceCertificateInfoList"] = [{
                    "certificateNumber": legacy, "certificateExpiry": "2028-05-26", "issueDate": "2019-05-27",
                    "status": {"code": "refdata.certificate-status.issued"},
                    "notifiedBody": {"srn": legacy[:4], "name": "composed notified body"}}]
            m.add(f"/devices/basicUdiData/udiDiData/{uuid}", {"languageIso2Code": "en"}, detail,
                  f"device_{slug}_{d}.json")
        m.add("/devices/udiDiData", {**listing(srn=srn), "iso2Code": "en"}, page(rows, _provenance=COMPOSED),
              f"devices_{slug}.json")
        cert_rows = [real_cert] if srn == real_cert["actorSrn"] else []
        for number, nb, kind, state in certs:
            cert_rows.append({"uuid": f"00000000-0000-4000-a000-{zlib.crc32(number.encode()):012d}",
                              "notifiedBodySrn": nb, "actorSrn": srn, "actorName": actor,
                              "certificateNumber": number,
                              "certificateType": {"code": f"refdata.certificate-mdr-type.{kind}"},
                              "issueDate": "2024-03-01T00:00:00", "expiryDate": "2029-02-28T00:00:00",
                              "certificateStatus": {"code": f"refdata.certificate-status.{state}"},
                              "latestVersion": True, "versionNumber": 1})
        m.add("/certificates/search/", listing(actorSrn=srn),
              page(cert_rows, _provenance="AIRAmed row real (probe 06)" if srn == real_cert["actorSrn"] else COMPOSED),
              f"certificates_{slug}.json")
    (OUT / "manifest.jsonl").write_text("".join(json.dumps(x) + "\n" for x in m.lines), "utf-8")
    print(f"{len(m.lines)} exchanges -> {OUT}")


if __name__ == "__main__":
    main()
