"""Cue matchers, sections, hedging, sample size, study features (no model, no network)."""

from __future__ import annotations

import pytest

from tracker.contract import PaperRecord
from tracker.grading.analysis import analyse, sample_size
from tracker.grading.features import study_features
from tracker.grading.rules import rule_level


def _paper(title: str, abstract: str = "", **kw: object) -> PaperRecord:
    return PaperRecord(id="t", title=title, abstract=abstract, **kw)  # type: ignore[arg-type]


def labels(paper: PaperRecord, *, firm: bool = False) -> set[str]:
    pc = analyse(paper)
    return {c.label for c in pc.cues if not firm or (not c.hedged and c.section != "background")}


def test_hyphen_and_space_variants_match_the_same_cue() -> None:
    assert "L6" in labels(_paper("A cost-effectiveness analysis of AI triage"))
    assert "L6" in labels(_paper("A cost effectiveness analysis of AI triage"))
    assert "MULTICENTRE" in labels(_paper("A multi-center study"))
    assert "MULTICENTRE" in labels(_paper("A multicentre study"))


def test_auc_glued_to_its_value_is_found() -> None:
    assert "L2" in labels(_paper("x", "The software reached AUC=0.93 on the test set."))


def test_hedged_and_background_sentences_do_not_count_as_firm() -> None:
    paper = _paper("Stroke triage software", "Background: Stroke is a leading cause of mortality. "
                   "Results: Sensitivity was 90%. Conclusions: Future studies should assess "
                   "cost-effectiveness.")
    assert {"L5", "L6", "L2"} <= labels(paper)
    assert labels(paper, firm=True) >= {"L2"}
    assert not {"L5", "L6"} & labels(paper, firm=True)


@pytest.mark.parametrize(("text", "expected"), [
    ("We included 1,234 patients and 345 radiographs.", 1234),
    ("A total of 12 345 women were screened.", 12345),
    ("In 2019 patients were recruited; 87 consecutive patients were analysed.", 87),
    ("Costs were EUR 150 per 1000 patients.", None),
    ("No numbers here.", None),
])
def test_sample_size_takes_the_largest_count(text: str, expected: int | None) -> None:
    assert sample_size(text) == expected


def test_highest_demonstrated_level_wins() -> None:
    reader = _paper("Effect of AI support on radiologists: a multi-reader multi-case study",
                    "Twelve radiologists read 240 mammograms with and without AI. The AI alone "
                    "had an AUC of 0.89; reader AUC improved from 0.81 to 0.86 with AI.")
    assert rule_level(reader, analyse(reader)).level == "3"
    cost = _paper("Cost-effectiveness of AI-supported screening",
                  "A Markov model used the AI's sensitivity and specificity as inputs; the ICER "
                  "was EUR 8,000 per QALY.")
    assert rule_level(cost, analyse(cost)).level == "6"


def test_reviews_and_in_house_algorithms_are_not_evidence() -> None:
    review = _paper("AI in chest radiography", "We searched PubMed.",
                    publication_types=["Journal Article", "Review"])
    assert rule_level(review, analyse(review)).level is None
    meta = _paper("Deep learning for fracture detection: a systematic review and meta-analysis")
    assert rule_level(meta, analyse(meta)).level is None
    inhouse = _paper("A deep network for nodules", "We developed an in-house convolutional "
                     "neural network and trained it on 5,000 CT scans; AUC was 0.91.")
    assert rule_level(inhouse, analyse(inhouse)).level is None


def test_design_features_from_cues() -> None:
    paper = _paper("AI for LVO detection: a prospective, multicentre, international study",
                   "Patients were randomly assigned to AI notification or usual care at "
                   "three hospitals in Germany and France.")
    f = study_features(paper, analyse(paper))
    assert (f.prospective, f.multicentre, f.multinational, f.rct) == (True, True, True, True)
    retro = _paper("Retrospective single-centre evaluation of a fracture detector",
                   "We retrospectively analysed prospectively collected data.")
    f = study_features(retro, analyse(retro))
    assert (f.prospective, f.multicentre, f.multinational) == (False, False, False)


def test_every_sentence_has_its_section_and_hedge_flag() -> None:
    paper = _paper("Prospective evaluation of a triage tool",
                   "Background and purpose: Delays harm patients. We prospectively evaluated "
                   "the tool. Results: Sensitivity was 90%. Conclusion: Larger trials may help.")
    pc = analyse(paper)
    assert len(pc.sections) == len(pc.hedged) == len(pc.sentences)
    assert pc.sections[0] == "title"
    assert pc.sections[-1] == "conclusion" and pc.hedged[-1] is True
    assert "results" in pc.sections


@pytest.mark.parametrize(("pattern", "text", "found"), [
    ("PROSPECTIVE_DATA", "a retrospective analysis of prospectively collected data", True),
    ("PROSPECTIVE_DATA", "a prospectively maintained stroke registry", True),
    ("PROSPECTIVE_DATA", "patients were prospectively enrolled", False),
    ("MULTI_SITE_COUNT", "from several Catalan stroke centres", True),
    ("MULTI_SITE_COUNT", "at two children's hospitals", True),
    ("MULTI_SITE_COUNT", "in 2019 hospitals reported", False),
    ("MULTI_SITE_WORD", "a multi-institutional cohort", True),
    ("SINGLE_SITE_WORD", "this single-institution study", True),
    ("SINGLE_SITE_WORD", "single-centre and multicentre data", False),
    ("COUNTRY_COUNT", "across 4 countries", True),
    ("COUNTRY_COUNT", "in one country", False),
    ("INTERNATIONAL", "an international multicentre study", True),
    ("INTERNATIONAL", "according to international guidelines", False),
    ("INTERNATIONAL", "the International Agency for Research on Cancer", False),
    ("DESIGN_HEDGE", "prospective trials are needed", True),
    ("DESIGN_HEDGE", "we prospectively evaluated whether AI may help", False),
])
def test_design_phrases(pattern: str, text: str, found: bool) -> None:
    from tracker.nlp import cues

    assert bool(getattr(cues, pattern).search(text)) is found
