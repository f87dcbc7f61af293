"""Vendor independence from affiliations, funding and conflict statements."""

from __future__ import annotations

from tracker.contract import PaperRecord, ProductRecord
from tracker.grading.vendor import corporate, vendor_finder, vendor_independence

ACADEMIC = ["Department of Radiology, Radboud University Medical Center, Nijmegen, the Netherlands"]


def _paper(**kw: object) -> PaperRecord:
    base: dict[str, object] = {"id": "p", "title": "Evaluation of Lunit INSIGHT CXR"}
    base.update(kw)
    return PaperRecord.model_validate(base)


def test_vendor_affiliation_means_not_independent() -> None:
    paper = _paper(affiliations=ACADEMIC + ["Lunit Inc., Seoul, South Korea"])
    assert vendor_independence(paper, vendors=["Lunit", "Lunit Inc."])[0] is False
    # without knowing the vendor, a company affiliation still counts
    assert vendor_independence(paper)[0] is False


def test_vendor_in_conflicts_or_funding_means_not_independent() -> None:
    paper = _paper(affiliations=ACADEMIC, conflicts="J.D. received consulting fees from Lunit.")
    assert vendor_independence(paper, vendors=["Lunit"])[0] is False
    funded = _paper(affiliations=ACADEMIC, funding=["Lunit Inc."])
    assert vendor_independence(funded, vendors=["Lunit"])[0] is False
    employee = _paper(affiliations=ACADEMIC, conflicts="A.B. is an employee of a company.")
    assert vendor_independence(employee)[0] is False


def test_declared_no_conflicts_means_independent() -> None:
    paper = _paper(affiliations=ACADEMIC, conflicts="The authors declare no competing interests.")
    assert vendor_independence(paper)[0] is True
    other = _paper(affiliations=ACADEMIC, conflicts="C.D. received speaker fees from Bayer.")
    assert vendor_independence(other, vendors=["Lunit"])[0] is True


def test_nothing_said_is_null() -> None:
    assert vendor_independence(_paper())[0] is None


def test_vendor_finder_uses_product_names_and_company_aliases() -> None:
    product = ProductRecord.model_validate({"id": "lunit-cxr", "name": "Lunit INSIGHT CXR", "company": "Lunit Inc.",
                                 "company_aliases": ["Lunit"], "aliases": ["INSIGHT CXR"]})
    find = vendor_finder([product])
    assert find(_paper(abstract="We tested INSIGHT CXR® on 500 radiographs.")) == ["Lunit Inc.", "Lunit"]
    assert find(_paper(title="Chest radiograph AI", abstract="An unnamed product.")) == []


def test_company_affiliations_use_the_one_legal_form_list() -> None:
    for aff in ("Lunit Inc., Seoul", "Aidence B.V., Amsterdam", "Vara AS, Oslo", "Oxipit UAB, Vilnius",
                "Shanghai United Imaging Co., Shanghai", "Siemens Healthineers, Forchheim"):
        assert corporate(aff), aff
    for aff in ("Department of Radiology, Lund University", "Imaging as a service, Lund",
                "SE-221 85 Lund, Sweden"):
        assert not corporate(aff), aff


def test_state_codes_before_a_postal_code_are_not_company_forms() -> None:
    from tracker.grading.vendor import corporate

    assert not corporate("Radiology Associates, Denver, CO 80045, USA")
    assert not corporate("SA Medical Imaging, Adelaide, SA 5000, Australia")
    assert not corporate("Alberta Health Services, Calgary, AB T2N 4N1, Canada")
    assert corporate("Lunit Inc., Seoul, Republic of Korea")
    assert corporate("Contextflow GmbH, Vienna, Austria")
    assert corporate("Mediaire AG, 10115 Berlin")
