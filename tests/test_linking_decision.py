"""The decision on small realistic abstracts: evaluated products link, cited ones do not.

Abstract texts are composed by us in the style of real PubMed abstracts; the products are
real and registered as regulators deliver them (legal company names, no aliases)."""

from __future__ import annotations

import pytest

from tracker.contract import PaperRecord, ProductRecord
from tracker.linking.linker import Linker

PRODUCTS = [
    ProductRecord(id="cxr", name="Lunit INSIGHT CXR", company="Lunit Inc.", modality=["X-ray"],
                   description="Detects ten abnormal findings on chest radiographs"),
    ProductRecord(id="mmg", name="Lunit INSIGHT MMG", company="Lunit Inc.",
                   modality=["Mammography"], description="Detects breast cancer on mammograms"),
    ProductRecord(id="qxr", name="qXR", company="Qure.ai Technologies Private Limited",
                   modality=["X-ray"], description="Chest X-ray triage including tuberculosis"),
    ProductRecord(id="cad4tb", name="CAD4TB", company="Delft Imaging Systems B.V.",
                   modality=["X-ray"], description="Tuberculosis detection on chest X-ray"),
    ProductRecord(id="ich", name="BriefCase (ICH)", company="Aidoc Medical, Ltd.",
                   modality=["CT"], description="Triage of intracranial hemorrhage on head CT"),
    ProductRecord(id="pe", name="BriefCase (PE)", company="Aidoc Medical, Ltd.",
                   modality=["CT"], description="Triage of pulmonary embolism on CT angiography"),
    ProductRecord(id="lvo", name="Rapid LVO", company="iSchemaView, Inc.", modality=["CT"],
                   description="Large vessel occlusion triage on CT angiography"),
    ProductRecord(id="ctp", name="RAPID", company="iSchemaView, Inc.", modality=["CT", "MR"],
                   description="Perfusion maps and ischemic core volumes"),
    ProductRecord(id="mia", name="Mia", company="Kheiron Medical Technologies Ltd",
                   modality=["Mammography"], description="Breast screening second reader"),
    ProductRecord(id="airc", name="AI-Rad Companion Chest CT", company="Siemens Healthcare GmbH",
                   modality=["CT"], description="Lung nodules and emphysema on chest CT"),
]


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(PRODUCTS)


def links(linker: Linker, title: str, abstract: str, **extra: object) -> set[str]:
    paper = PaperRecord(id="p", title=title, abstract=abstract, **extra)  # type: ignore[arg-type]
    return {link.product for link in linker.link([paper])[0].links}


def test_evaluated_product_links_with_score_method_and_sentence(linker: Linker) -> None:
    paper = PaperRecord(id="p", title="Deep learning for chest radiographs in the emergency department",
                        abstract="Purpose: To evaluate Lunit INSIGHT CXR for detecting abnormalities "
                                 "on chest radiographs. Results: The AUC was 0.95.")
    [link] = linker.link([paper])[0].links
    assert (link.product, link.method) == ("cxr", "mention")
    assert link.score >= 0.6 and "To evaluate Lunit INSIGHT CXR" in link.evidence


def test_head_to_head_links_every_product(linker: Linker) -> None:
    assert links(linker, "Three systems for tuberculosis on chest X-ray",
                 "We compared qXR (Qure.ai) and CAD4TB (Delft Imaging) against Xpert in 1,196 "
                 "individuals. Both systems had AUCs above 0.90.") == {"qxr", "cad4tb"}


def test_review_links_nothing(linker: Linker) -> None:
    assert links(linker, "Artificial intelligence for chest radiography: a systematic review",
                 "We reviewed studies of qXR, CAD4TB and Lunit INSIGHT CXR.",
                 publication_types=["Journal Article", "Review"]) == set()


def test_cited_only_product_does_not_link(linker: Linker) -> None:
    assert links(linker, "A convolutional network for tuberculosis screening",
                 "Commercial products such as qXR and CAD4TB have been cleared. We trained a "
                 "network on 10,000 chest radiographs and report an AUC of 0.93.") == set()


def test_in_house_algorithm_with_product_comparator_does_not_link(linker: Linker) -> None:
    assert links(linker, "A new deep learning model for chest radiographs",
                 "We developed a deep learning algorithm on 50,000 chest radiographs. Methods: "
                 "Its accuracy was compared with qXR on 500 radiographs. Results: AUC 0.91.") == set()


def test_negated_evaluation_does_not_link(linker: Linker) -> None:
    assert links(linker, "Autonomous reporting of chest radiographs",
                 "Methods: A commercial AI tool reported normal radiographs. Results: 28% were "
                 "autoreported. The vendor's qXR product was not evaluated.") == set()


def test_vendor_family_name_links_the_member_of_the_modality(linker: Linker) -> None:
    got = links(linker, "AI for breast cancer detection in screening mammography",
                "Methods: Screening mammograms of 55,000 women were analysed by Lunit INSIGHT. "
                "Results: The AI detected 12% more cancers.", affiliations=["Lunit Inc., Seoul"])
    assert got == {"mmg"}


def test_company_only_mention_resolves_by_finding(linker: Linker) -> None:
    assert links(linker, "Deep learning detection of pulmonary embolism on CT angiography",
                 "Methods: CTPAs were retrospectively analysed with a commercially available "
                 "algorithm (Aidoc). Results: Sensitivity for pulmonary embolism was 93%.") == {"pe"}


def test_scanner_vendor_is_not_an_ai_product(linker: Linker) -> None:
    assert links(linker, "Radiomics of lung nodules on chest CT",
                 "Methods: Chest CT was acquired on a Siemens Healthcare scanner. We developed a "
                 "radiomics model for nodule malignancy. Results: AUC 0.82.") == set()


def test_weak_name_needs_its_company(linker: Linker) -> None:
    assert links(linker, "Screening outcomes in a regional programme",
                 "Methods: Mia, a screening coordinator, reviewed 4,000 mammography "
                 "appointments. Results: Attendance rose.") == set()
    assert links(linker, "AI as second reader in breast screening",
                 "Methods: 275,900 mammograms were processed by Mia (Kheiron Medical "
                 "Technologies). Results: Sensitivity was non-inferior.") == {"mia"}


def test_version_in_parentheses_annotates_the_product_before_it(linker: Linker) -> None:
    assert links(linker, "Impact of automated LVO detection on workflow",
                 "Purpose: We evaluated the impact of RAPID LVO (RAPID 4.9, iSchemaView) on "
                 "door-to-groin times in stroke patients with large vessel occlusion.") == {"lvo"}
