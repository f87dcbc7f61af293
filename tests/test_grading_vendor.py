"""Vendor independence from affiliations, funding and conflict statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.contract import PaperRecord, ProductRecord
from tracker.grading.vendor import corporate, vendor_independence

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


def test_vendors_come_from_the_products_a_paper_is_linked_to() -> None:
    """``classify-file`` and ``eval grading`` take a paper's vendors (names and company
    aliases) from the products the linker links it to."""
    from tracker.linking.files import paper_contexts
    from tracker.linking.linker import Linker

    product = ProductRecord.model_validate({"id": "lunit-cxr", "name": "Lunit INSIGHT CXR", "company": "Lunit Inc.",
                                 "company_aliases": ["Lunit"], "aliases": ["INSIGHT CXR"]})
    named = _paper(title="INSIGHT CXR on chest radiographs",
                   abstract="We tested INSIGHT CXR® on 500 radiographs; sensitivity was 0.9.")
    unnamed = _paper(title="Chest radiograph AI", abstract="An unnamed product.")
    found = paper_contexts([named], Linker([product]))
    assert found[named.id].vendors == ["Lunit Inc.", "Lunit"]
    assert paper_contexts([unnamed], Linker([product]))[unnamed.id].vendors == []


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


# --- roles, negations, owners at the paper's date (issue 13) --------------------------------

def _statement(conflicts: str = "", year: int | None = 2023, **kw: object) -> PaperRecord:
    return _paper(affiliations=ACADEMIC, conflicts=conflicts, year=year, **kw)


@pytest.mark.parametrize(("conflicts", "vendors"), [
    ("C.D. is a consultant for Aidoc.", ["Aidoc Medical, Ltd."]),
    ("E.F. received research grants from Lunit.", ["Lunit Inc."]),
    ("G.H. is a shareholder of Gleamer and serves on its advisory board.", ["Gleamer SAS"]),
    ("I.J. is a co-founder of Optellum.", ["Optellum Ltd"]),
    ("K.L. has received speaker fees from Brainomix.", ["Brainomix Limited"]),
    ("M.N. received research support from Qure.ai; the other authors declare no competing "
     "interests.", ["Qure.ai Technologies Private Limited"]),
    ("The authors declare no conflicts of interest except A.B., who is an employee of Lunit.",
     ["Lunit Inc."]),
])
def test_any_tie_to_the_vendor_means_not_independent(conflicts: str, vendors: list[str]) -> None:
    value, why = vendor_independence(_statement(conflicts), vendors=vendors)
    assert value is False
    assert why.startswith("funding/conflicts name the vendor")


@pytest.mark.parametrize("conflicts", [
    "No author has a financial relationship with Brainomix.",
    "None of the authors has a financial relationship with Brainomix Ltd.",
    "The authors have no conflicts of interest related to Brainomix.",
    "The authors report no relationships with Brainomix relevant to this audit.",
])
def test_a_denied_tie_to_the_vendor_is_independent(conflicts: str) -> None:
    value, why = vendor_independence(_statement(conflicts), vendors=["Brainomix Ltd"])
    assert value is True
    assert why in {"conflict statement declares none",
                   "conflict statement denies any tie to the vendor"}


def test_other_companies_only_is_independent() -> None:
    value, why = vendor_independence(
        _statement("C.D. is a consultant for Aidoc and received grants from Siemens."),
        vendors=["Aidence B.V.", "Aidence"])
    assert value is True
    assert why == "conflict statement names neither the vendor nor its owner"


def test_nothing_said_about_conflicts_is_null_even_with_affiliations() -> None:
    value, why = vendor_independence(_statement(""), vendors=["Lunit Inc."])
    assert value is None
    assert why.startswith("the text does not say")
    value, _ = vendor_independence(_statement(""))
    assert value is None
    # ... but an author working for the vendor says it all
    own = _paper(affiliations=[*ACADEMIC, "Lunit, Seoul, Republic of Korea"], year=2023)
    assert vendor_independence(own, vendors=["Lunit Inc."])[0] is False


def test_funding_that_names_no_company_is_independent() -> None:
    funded = _paper(affiliations=ACADEMIC, funding=["Dutch Cancer Society grant 12345"])
    assert vendor_independence(funded, vendors=["Lunit Inc."]) == (True, "funding names no vendor")


def test_the_vendors_owner_at_the_papers_date_counts_as_the_vendor() -> None:
    # RadNet completed its acquisition of Aidence in January 2022 (market_events.toml)
    after = _statement("E.F. holds stock in RadNet.", year=2023)
    value, why = vendor_independence(after, vendors=["Aidence B.V."])
    assert value is False
    assert "owner" in why and "RadNet" in why and "2022-01" in why
    before = _statement("E.F. holds stock in RadNet.", year=2021)
    assert vendor_independence(before, vendors=["Aidence B.V."]) == (
        True, "conflict statement names neither the vendor nor its owner")
    # an affiliation with the owner, and the owner of the owner (iCAD -> DeepHealth -> RadNet)
    # (announced April 2025, completed in 2025: a 2026 paper is after it)
    staff = _paper(affiliations=[*ACADEMIC, "RadNet, Inc., Los Angeles, CA, USA"], year=2026)
    value, why = vendor_independence(staff, vendors=["iCAD, Inc."])
    assert value is False and "DeepHealth" in why
    assert vendor_independence(_paper(affiliations=[*ACADEMIC, "RadNet, Inc., Los Angeles"],
                                      year=2024, conflicts="None declared."),
                               vendors=["iCAD, Inc."])[0] is True


def test_an_announced_acquisition_changes_no_owner(tmp_path: Path) -> None:
    """An acquisition recorded as *announced* makes no owner; the same deal recorded as
    completed makes the acquirer the owner from its date. (Zebra Medical Vision needs no
    owner: its later brand, Nanox.AI, is one of its own names.)"""
    zebra = _statement("A.B. is an employee of Nanox.", year=2022)
    assert vendor_independence(zebra, vendors=["Zebra Medical Vision"])[0] is False
    paper = _statement("A.B. is an employee of Bigco Imaging.", year=2022)
    events = tmp_path / "events.toml"
    deal = ('[[company]]\nname = "Bigco Imaging"\n\n[[company]]\nname = "Acme Vision"\n\n'
            '[[event]]\ntype = "acquisition"\ncompany = "Acme Vision"\n'
            'counterparty = "Bigco Imaging"\ndate = "2021-11"\nstatus = "{status}"\n'
            'source = "test"\n')
    events.write_text(deal.format(status="announced"), "utf-8")
    assert vendor_independence(paper, vendors=["Acme Vision Ltd."],
                               events_file=events)[0] is not False
    completed = tmp_path / "completed.toml"  # the reader caches by path
    completed.write_text(deal.format(status="completed"), "utf-8")
    value, why = vendor_independence(paper, vendors=["Acme Vision Ltd."], events_file=completed)
    assert value is False and "owner of" in why and "2021-11" in why
    before = _statement("A.B. is an employee of Bigco Imaging.", year=2019)
    assert vendor_independence(before, vendors=["Acme Vision Ltd."],
                               events_file=completed)[0] is not False


def test_without_a_known_vendor_industry_roles_still_count() -> None:
    assert vendor_independence(_statement("C.D. is a consultant for Acme Imaging Inc."))[0] is False
    assert vendor_independence(_statement("C.D. is on the advisory board of Siemens "
                                          "Healthineers."))[0] is False
    assert vendor_independence(_statement("C.D. received grants from the NIH.")) == (
        True, "conflict statement declares no tie to an imaging company")
    assert vendor_independence(_statement("None of the authors is an employee of any "
                                          "company."))[0] is True


def test_known_owners_reads_completed_acquisitions_by_normalised_name() -> None:
    from datetime import date

    from tracker.resources import known_owners

    owners = known_owners()
    assert owners["aidence"] == [("RadNet", date(2022, 1, 1))]
    assert owners["icad"] == [("DeepHealth", date(2025, 7, 1))]  # on completion, not announcement
    # keyed by the [[company]] aliases too ("Volpara Health Technologies Limited")
    assert owners["volpara health technologies"] == [("Lunit", date(2024, 1, 1))]
    assert owners["zebra medical vision"] == [("Nanox", date(2021, 11, 1))]  # completed Nov 2021
    assert "gleamer" not in owners  # announced only
    owners["aidence"].append(("Someone", None))  # a fresh dict: the cache is untouched
    assert known_owners()["aidence"] == [("RadNet", date(2022, 1, 1))]


def test_owners_at_follows_sales_rebrands_and_stakes(tmp_path: Path) -> None:
    from tracker.resources import owners_at

    events = tmp_path / "events.toml"
    events.write_text("""
[[event]]
type = "acquisition"
company = "Alpha Imaging"
counterparty = "Beta Corp"
date = "2018"
status = "completed"
source = "t"

[[event]]
type = "acquisition"
company = "Alpha Imaging"
counterparty = "Gamma Holdings"
date = "2021-06"
status = "completed"
source = "t"

[[event]]
type = "acquisition"
company = "Alpha Imaging"
counterparty = "Delta Ventures"
date = "2020"
stake = 0.2
status = "completed"
source = "t"

[[event]]
type = "rebrand"
company = "Alpha Imaging"
counterparty = "Alpha AI"
date = "2022"
source = "t"
""", "utf-8")
    def names(year: int | None) -> set[str]:
        return {name for name, _ in owners_at(["Alpha Imaging B.V."], year, path=events)}

    assert names(2017) == set()
    assert names(2019) == {"Beta Corp"}
    assert names(2020) == {"Beta Corp", "Delta Ventures"}  # a minority stake adds a holder
    assert names(2021) == {"Gamma Holdings", "Delta Ventures"}  # Beta sold it on
    assert names(2023) == {"Gamma Holdings", "Delta Ventures", "Alpha AI"}
    assert names(None) == {"Beta Corp", "Gamma Holdings", "Delta Ventures", "Alpha AI"}
    reasons = dict(owners_at(["Alpha Imaging"], 2023, path=events))
    assert reasons["Delta Ventures"] == "20% shareholder of Alpha Imaging since 2020"
    assert reasons["Alpha AI"] == "new name of Alpha Imaging since 2022"
