"""The relevance gate, mention roles and family resolution on composed abstracts written in
the style of real PubMed abstracts (real products, registered as regulators deliver them),
and on the real PubMedQA abstracts (none about an AI product)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tracker.contract import PaperRecord, ProductRecord
from tracker.grading.evaluation import read_negatives
from tracker.grading.grader import grade_papers
from tracker.linking.linker import Linker
from tracker.nlp.relevance import AI_IMAGING, OFF_TOPIC, PRODUCT_EVALUATION, classify_relevance

PUBMEDQA = Path(__file__).parent / "data" / "corpora" / "pubmedqa" / "ori_pqal.json"


def paper(title: str, abstract: str = "", **extra: object) -> PaperRecord:
    return PaperRecord(id="p", title=title, abstract=abstract, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(("title", "abstract", "label"), [
    ("Could the extent of lymphadenectomy be modified by neoadjuvant chemotherapy in cervical "
     "cancer?", "We reviewed 120 patients treated with chemotherapy before surgery.", OFF_TOPIC),
    ("Iodinated contrast media and acute kidney injury after CT",
     "Retrospective cohort of 5,000 contrast-enhanced CT examinations.", OFF_TOPIC),
    ("Machine learning prediction of sepsis from electronic health records",
     "A gradient boosting model predicted sepsis from vital signs and laboratory values.",
     OFF_TOPIC),
    ("Artificial intelligence in chest radiography: a systematic review",
     "We searched MEDLINE for studies of deep learning on chest radiographs.", AI_IMAGING),
    ("A deep learning model for rib fracture detection on CT",
     "We developed and validated a convolutional neural network on 3,000 CT scans; the "
     "training set came from two hospitals.", AI_IMAGING),
    ("Radiologists' attitudes to artificial intelligence: a national survey",
     "Respondents rated AI tools for imaging.", AI_IMAGING),
    ("Stand-alone performance of a commercially available AI system on screening mammograms",
     "The AI system's AUC was 0.89 on 2,000 mammograms.", PRODUCT_EVALUATION),
    ("Tuberculosis screening with CAD4TB software version 6 on chest radiographs",
     "Sensitivity of the software was 90% against culture.", PRODUCT_EVALUATION),
    ("Real-world performance of deep learning software for intracranial haemorrhage on CT",
     "We evaluated the software on 3,605 consecutive non-contrast head CT scans; its "
     "sensitivity was 88.7%.", PRODUCT_EVALUATION),
])
def test_relevance_from_the_text(title: str, abstract: str, label: str) -> None:
    assert classify_relevance(paper(title, abstract)).label == label


def test_linker_verdicts_decide_relevance() -> None:
    text = paper("Outcomes after thrombectomy selected by perfusion imaging",
                 "Patients were selected with automated perfusion software. Functional "
                 "outcomes at 90 days improved.")
    assert classify_relevance(text, evaluated=True).label == PRODUCT_EVALUATION
    gated = classify_relevance(text, evaluated=False, named=True, mentioned_as="used-as-tool")
    assert gated.label == AI_IMAGING and "used-as-tool" in gated.reason


def test_off_topic_papers_get_no_level_no_features_and_no_review() -> None:
    grades = grade_papers([paper("Could the extent of lymphadenectomy be modified by "
                                 "neoadjuvant chemotherapy?", "A prospective multicentre "
                                 "randomised trial of 400 patients.")], review_threshold=0.6)
    grade = grades[0]
    assert grade.level is None and grade.relevance == OFF_TOPIC
    assert grade.prospective is None and grade.multicentre is None and grade.rct is None
    assert grade.method == "relevance gate" and not grade.needs_review
    assert grade.to_json()["relevance"] == OFF_TOPIC


def test_product_evaluations_are_graded_with_features() -> None:
    grade = grade_papers([paper(
        "Prospective multicentre evaluation of a commercially available AI for fracture "
        "detection on radiographs", "We prospectively evaluated the AI on 1,200 radiographs "
        "at three hospitals; sensitivity was 0.91.")], review_threshold=0.6)[0]
    assert grade.relevance == PRODUCT_EVALUATION
    assert grade.level is not None and grade.prospective is True


def test_reviews_get_null_features() -> None:
    grade = grade_papers([paper("Artificial intelligence for stroke imaging: a narrative review",
                                "We review deep learning tools for CT in stroke.",
                                publication_types=["Review"])], review_threshold=0.6)[0]
    assert grade.level is None and grade.relevance == AI_IMAGING
    assert all(getattr(grade, f) is None for f in ("prospective", "multicentre", "rct"))


def test_pubmedqa_abstracts_are_left_ungraded() -> None:
    papers = read_negatives(PUBMEDQA)
    assert len(papers) == 1000
    grades = grade_papers(papers, review_threshold=0.6)
    ungraded = sum(g.level is None for g in grades) / len(grades)
    assert ungraded >= 0.95
    assert sum(g.relevance == OFF_TOPIC for g in grades) >= 950


PRODUCTS = [
    ProductRecord(id="ich", name="BriefCase", company="Aidoc Medical, Ltd.", modality=["CT"],
                  description="Triage of intracranial hemorrhage on non-contrast head CT"),
    ProductRecord(id="pe", name="BriefCase", company="Aidoc Medical, Ltd.", modality=["CT"],
                  description="Triage of pulmonary embolism on CT pulmonary angiography"),
    ProductRecord(id="cspine", name="BriefCase", company="Aidoc Medical, Ltd.", modality=["CT"],
                  description="Triage of cervical spine fractures on CT"),
    ProductRecord(id="ctp", name="RAPID", company="iSchemaView, Inc.", modality=["CT", "MR"],
                  description="Perfusion maps and ischemic core volumes"),
    ProductRecord(id="lvo", name="Rapid LVO", company="iSchemaView, Inc.", modality=["CT"],
                  description="Large vessel occlusion triage on CT angiography"),
    ProductRecord(id="viz", name="Viz LVO", company="Viz.ai, Inc.", modality=["CT"],
                  description="Large vessel occlusion triage on CT angiography"),
    ProductRecord(id="ffrct", name="HeartFlow FFRct Analysis", company="HeartFlow, Inc.",
                  modality=["CT"], description="Fractional flow reserve from coronary CTA"),
]


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(PRODUCTS)


def result(linker: Linker, title: str, abstract: str):  # type: ignore[no-untyped-def]
    return linker.link([paper(title, abstract)])[0]


def test_a_product_used_to_select_patients_is_a_mention_not_evidence(linker: Linker) -> None:
    r = result(linker, "Thrombectomy for stroke at 6 to 16 hours with selection by perfusion "
               "imaging", "Methods: Patients were selected using RAPID perfusion software "
               "(iSchemaView) with an ischemic core under 70 ml. Results: Functional "
               "independence at 90 days was 45% with thrombectomy versus 17% with medical "
               "therapy.")
    assert not r.links
    assert [(m.product, m.role) for m in r.mentions] == [("ctp", "used-as-tool")]
    assert r.relevance is not None and r.relevance.label == AI_IMAGING


def test_reference_standard_is_not_evidence(linker: Linker) -> None:
    r = result(linker, "A new deep learning model for coronary CT angiography",
               "We trained a network to estimate fractional flow reserve; HeartFlow FFRct "
               "Analysis served as the reference standard for 300 patients.")
    assert not r.links
    assert {m.role for m in r.mentions} == {"reference-standard"}


def test_survey_respondents_naming_products_are_listed(linker: Linker) -> None:
    r = result(linker, "Adoption of artificial intelligence in US radiology practices",
               "Results: Of 400 respondents, the most commonly used tools were Viz LVO and "
               "Rapid LVO for stroke triage.")
    assert not r.links
    assert {m.role for m in r.mentions} == {"listed"}


def test_head_to_head_links_both_products(linker: Linker) -> None:
    r = result(linker, "Viz LVO versus Rapid LVO for large vessel occlusion on CT angiography",
               "We compared both tools on 500 CTAs; sensitivity was 0.87 and 0.86.")
    assert {link.product for link in r.links} == {"viz", "lvo"}
    assert {link.role for link in r.links} == {"compared"}


def test_vendor_mention_links_the_member_of_the_finding_studied(linker: Linker) -> None:
    r = result(linker, "Deep learning triage of pulmonary embolism on CT angiography",
               "We evaluated the Aidoc algorithm on 1,500 CT pulmonary angiograms; sensitivity "
               "for pulmonary embolism was 0.93.")
    assert {link.product for link in r.links} == {"pe"}


def test_family_name_without_a_topic_is_unresolved_not_every_member(linker: Linker) -> None:
    r = result(linker, "Implementation of BriefCase AI triage software in a teaching hospital",
               "We evaluated the BriefCase software on 2,000 CT examinations; radiologists "
               "rated it useful.")
    assert not r.links
    assert {m.product for m in r.mentions if m.role == "unresolved"} == {"ich", "pe", "cspine"}


def test_off_topic_papers_are_not_linked_or_embedded() -> None:
    class Counting:
        calls = 0

        def embed(self, texts):  # type: ignore[no-untyped-def]
            import numpy as np

            Counting.calls += len(texts)
            return np.zeros((len(texts), 4), dtype="float32")

    r = Linker(PRODUCTS, embedder=Counting()).link(
        [paper("Contrast media dosing in paediatric CT", "Retrospective review of 300 "
               "children.")], embed_relevant=True)[0]
    assert r.relevance is not None and r.relevance.label == OFF_TOPIC
    assert Counting.calls == 0 and not r.links
