"""Company page, vendor evidence profiles, product comparison and the finding filter, on the
small fixed store (tests/tui_store.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session
from tui_store import PAPERS, build_store

from tracker.db.models import Product
from tracker.evidence.effective import evidence_set
from tracker.evidence.overrides import override_grade, override_link
from tracker.evidence.vocabulary import LEVELS
from tracker.views.company import company_profile, evidence_profile, vendor_profiles
from tracker.views.compare import compare_products, findings_catalogue, task_products
from tracker.views.products import filter_rows, finding_matches, product_rows

FINDINGS = {
    "rapid-lvo": ["LVO", "ICH"],
    "veye-lung-nodules": ["Lung nodules"],
    "lunit-insight-cxr": ["Pneumothorax", "lung  Nodules", "Suspected LVOX"],
    "pixyl-neuro": ["lvo"],
}


@pytest.fixture
def ids(engine) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    found = build_store(engine)
    with Session(engine) as s:
        for slug, findings in FINDINGS.items():
            product = s.get(Product, found[slug])
            assert product is not None
            product.findings = findings
            s.add(product)
        red_dot = s.get(Product, found["red-dot"])
        assert red_dot is not None
        red_dot.kind, red_dot.findings = "imaging-system", ["LVO"]
        s.add(red_dot)
        s.commit()
    return found


def _pub(title_start: str, ids: dict[str, Any]) -> int:
    title = next(p[0] for p in PAPERS if p[0].startswith(title_start))
    return int(ids[title])


def test_company_profile_counts_owned_brands_and_each_paper_once(db, ids) -> None:  # type: ignore[no-untyped-def]
    radnet = company_profile(db, ids["RadNet"])
    assert radnet is not None and radnet.owner is None
    assert radnet.brands == ["Aidence", "DeepHealth", "Quantib"]  # DeepHealth's brands too
    assert sorted(r.slug for r in radnet.products) == ["quantib-prostate", "veye-lung-nodules"]
    p = radnet.profile
    assert (p.products, p.products_with_evidence, p.papers, p.peer_reviewed) == (2, 1, 3, 3)
    assert list(p.by_level) == list(LEVELS)
    assert p.by_level == {"1t": 0, "1c": 1, "2": 1, "3": 1, "4": 0, "5": 0, "6": 0}
    assert p.highest["3"] == 1 and p.highest["none"] == 1 and sum(p.highest.values()) == 2
    assert (p.vendor_independent, p.multicentre, p.prospective) == (2, 1, 1)
    review = _pub("Artificial intelligence in radiology", ids)
    assert review not in p.paper_ids  # linked but no level: not evidence
    assert "tracker.evidence.effective" in p.rule

    lunit = company_profile(db, ids["Lunit"])
    assert lunit is not None and lunit.brands == ["Volpara Health"]
    # the head-to-head paper is linked to Lunit INSIGHT CXR (and red dot): counted once
    assert lunit.profile.papers == 3 and lunit.profile.by_level["2"] == 2
    assert lunit.profile.by_level["4"] == 1 and lunit.profile.vendor_independent == 2


def test_company_profile_history_events_and_owner(db, ids) -> None:  # type: ignore[no-untyped-def]
    aidence = company_profile(db, ids["Aidence"])
    assert aidence is not None
    assert aidence.owner == "RadNet" and aidence.brands == []
    assert [(h["parent"], h["child"], h["type"], h["date"].isoformat()) for h in aidence.history] == [
        ("DeepHealth", "Aidence", "acquisition", "2022-01-24")]
    assert aidence.history[0]["source_url"] == "https://www.auntminnie.com/"
    assert [(e["type"], e["company"], e["counterparty"]) for e in aidence.events] == [
        ("acquisition", "Aidence", "DeepHealth")]

    deephealth = company_profile(db, ids["DeepHealth"])
    assert deephealth is not None and deephealth.owner == "RadNet"
    assert deephealth.brands == ["Aidence", "Quantib"]
    assert [(h["parent"], h["child"]) for h in deephealth.history] == [
        ("RadNet", "DeepHealth"), ("DeepHealth", "Aidence"), ("DeepHealth", "Quantib")]
    assert len(deephealth.events) == 3 and all(e["source_url"] for e in deephealth.events)

    behold = company_profile(db, ids["Behold.ai"])
    assert behold is not None and behold.closed is not None
    assert behold.closed["date"].isoformat() == "2025-01-05"
    assert company_profile(db, 999_999) is None


def test_vendor_profiles_group_by_current_owner(db, ids) -> None:  # type: ignore[no-untyped-def]
    vendors = vendor_profiles(db)
    names = [name for _, name, _ in vendors]
    # Lunit and RadNet both have 3 papers; Lunit has more products
    assert names[:3] == ["Lunit", "RadNet", "Gleamer"]
    assert "Aidence" not in names and "DeepHealth" not in names and "Pixyl" not in names
    by_name = {name: profile for _, name, profile in vendors}
    assert by_name["Gleamer"].papers == 2  # BoneView and Pixyl.Neuro (owned since 2025-01-10)
    assert by_name["Gleamer"].by_level["1t"] == 1
    assert "ultimate owner" in by_name["RadNet"].rule
    # the profile of every vendor adds up to the evidence of every counted product
    assert sum(p.products for p in by_name.values()) == len(product_rows(db))


def test_profile_follows_a_persons_overrides(db, ids) -> None:  # type: ignore[no-untyped-def]
    volumetry = _pub("Volumetry agreement", ids)
    override_grade(db, publication_id=volumetry, field_name="vendor_independent", value=True,
                   author="analyst", reason="no vendor author")
    override_grade(db, publication_id=volumetry, field_name="sample_size", value=321,
                   author="analyst")
    radnet = company_profile(db, ids["RadNet"])
    assert radnet is not None
    assert radnet.profile.vendor_independent == 3 and radnet.profile.sample_sizes == [321]
    override_link(db, publication_id=volumetry, product_id=ids["veye-lung-nodules"], accept=False,
                  author="analyst", reason="not this product")
    radnet = company_profile(db, ids["RadNet"])
    assert radnet is not None
    assert radnet.profile.papers == 2 and volumetry not in radnet.profile.paper_ids


def test_evidence_profile_of_nothing_keeps_every_key(db, ids) -> None:  # type: ignore[no-untyped-def]
    profile = evidence_profile([], evidence_set(db))
    assert profile.papers == 0 and profile.by_level == dict.fromkeys(LEVELS, 0)
    assert profile.highest == {**dict.fromkeys(LEVELS, 0), "none": 0}
    assert profile.share(0) is None


def test_compare_products_in_order_with_clearances(db, ids) -> None:  # type: ignore[no-untyped-def]
    found = compare_products(db, [ids["rapid-lvo"], 999_999, ids["lunit-insight-cxr"], ids["rapid-lvo"]])
    assert [c.row.slug for c in found] == ["rapid-lvo", "lunit-insight-cxr"]
    lvo, cxr = found
    # its clinical tasks (from the name "Rapid LVO" and the stated "ICH"), then what is stated
    assert lvo.findings == ["Large vessel occlusion (LVO)", "Intracranial haemorrhage (ICH)", "LVO", "ICH"]
    assert cxr.findings == ["Lung nodules and lung cancer", "Chest X-ray findings", "Pneumothorax",
                            "lung  Nodules", "Suspected LVOX"]  # a stated task label is not repeated
    assert [(c["regulator"], c["number"]) for c in lvo.clearances] == [("FDA", "DEN180005")]
    assert [(c["number"], c["ce_class"], c["decision_date"].isoformat()) for c in cxr.clearances] == [
        ("CE-LUN-1", "IIb", "2019-10-01"), ("K200001", "", "2020-03-02")]
    assert all(c["source_url"].startswith("https://example.org/reg/") for c in cxr.clearances)
    assert cxr.profile.papers == 2 and cxr.profile.products == 1
    assert lvo.profile.by_level["6"] == 1 and lvo.profile.vendor_independent == 1
    # an imaging system asked for by id is shown
    assert [c.row.slug for c in compare_products(db, [ids["red-dot"]])] == ["red-dot"]


def test_findings_catalogue_counts_clinical_tasks(db, ids) -> None:  # type: ignore[no-untyped-def]
    # Veye Lung Nodules (its name) and Lunit INSIGHT CXR (stated "lung  Nodules": spacing ignored)
    assert findings_catalogue(db)[:3] == [("Lung nodules and lung cancer", 2),
                                          ("Large vessel occlusion (LVO)", 1),
                                          ("Intracranial haemorrhage (ICH)", 1)]
    assert "Suspected LVOX" not in dict(findings_catalogue(db))  # not a task of the vocabulary
    with_systems = dict(findings_catalogue(db, include_systems=True))
    assert with_systems["Large vessel occlusion (LVO)"] == 2  # red dot states "LVO"


def test_task_products_match_whole_findings_or_words(db, ids) -> None:  # type: ignore[no-untyped-def]
    assert task_products(db, "lvo") == sorted([ids["rapid-lvo"], ids["pixyl-neuro"]])
    assert task_products(db, "LVO", include_systems=True) == sorted(
        [ids["rapid-lvo"], ids["pixyl-neuro"], ids["red-dot"]])
    assert task_products(db, "lung nodules") == sorted([ids["veye-lung-nodules"], ids["lunit-insight-cxr"]])
    assert task_products(db, "nodule") == []
    assert task_products(db, "  ") == []
    assert finding_matches("a+b", ["x a+b y"]) and not finding_matches("a+b", ["aab"])


def test_filter_rows_by_subspecialty_type_and_finding(db, ids) -> None:  # type: ignore[no-untyped-def]
    rows = product_rows(db)
    assert {r.slug for r in filter_rows(rows, subspecialty="chest")} == {
        "veye-lung-nodules", "lunit-insight-cxr"}  # red dot is an imaging system here
    assert {r.slug for r in filter_rows(rows, finding="LVO")} == {"rapid-lvo", "pixyl-neuro"}
    assert {r.slug for r in filter_rows(rows, finding="pneumothorax", subspecialty="Chest")} == {
        "lunit-insight-cxr"}
    assert filter_rows(rows, product_type="triage") == []  # the fixed store has no types
    assert len(filter_rows(rows)) == len(rows)
    assert {r.slug for r in filter_rows(rows, text="ich")} == {"rapid-lvo"}  # findings are text
    assert next(r for r in rows if r.slug == "rapid-lvo").findings == ["LVO", "ICH"]


def test_levels_by_year_counts_each_paper_once_unknown_years_last(db, ids) -> None:  # type: ignore[no-untyped-def]
    from sqlmodel import select

    from tracker.db.models import Publication
    from tracker.views.company import levels_by_year, paper_years

    years = dict(db.exec(select(Publication.id, Publication.year)).all())
    known = [pid for pid, year in years.items() if year is not None][:3]
    levels = {pid: "2" for pid in known} | {999_999: "3", known[0] + 10**6: ""}  # unknown id; no level
    counts = levels_by_year(db, levels)
    assert list(counts)[-1] is None and counts[None] == {"3": 1}  # no year: last
    assert sum(sum(c.values()) for c in counts.values()) == len(known) + 1  # the empty level left out
    assert all(counts[years[pid]]["2"] >= 1 for pid in known)
    assert [y for y in counts if y is not None] == sorted(y for y in counts if y is not None)
    assert paper_years(db, known) == {pid: years[pid] for pid in known}
