"""Study features as real abstracts write them: design, sites, countries, negations, and
``None`` (with no ``why``) when the text says nothing. No model, no network."""

from __future__ import annotations

import pytest

from tracker.contract import PaperRecord
from tracker.grading.analysis import analyse, regions_of
from tracker.grading.features import StudyFeatures, study_features

TITLE = "Evaluation of a commercial AI product for chest radiographs"


def features(abstract: str, title: str = TITLE, **kw: object) -> StudyFeatures:
    paper = PaperRecord(id="t", title=title, abstract=abstract, **kw)  # type: ignore[arg-type]
    return study_features(paper, analyse(paper))


# --- prospective ---------------------------------------------------------------------------

@pytest.mark.parametrize("abstract", [
    "Purpose: To assess an AI triage tool. Methods: We prospectively evaluated the software "
    "in 412 consecutive emergency patients.",
    "Methods: Consecutive women attending screening were prospectively enrolled between "
    "2021 and 2022 and read with AI support.",
    "Methods: In this prospective, multicentre study, 1,200 adults with cough underwent chest "
    "radiography read by the software.",
    "Methods: We analysed prospectively collected data of 730 patients with suspected stroke.",
    # hedged words elsewhere in the sentence do not hide the design
    "Purpose: We prospectively evaluated whether the AI may reduce reporting delays.",
    # a 'Background and purpose' heading does not make the study's own sentence background
    "Background and purpose: Real-world validation is essential. We prospectively evaluated "
    "its performance in an unselected cohort.",
])
def test_prospective_design_is_true(abstract: str) -> None:
    f = features(abstract)
    assert f.prospective is True, f.why
    assert "prospective" in f.why["prospective"].lower()


@pytest.mark.parametrize("abstract", [
    "Methods: This was a retrospective analysis of prospectively collected data from 2,000 "
    "screening examinations.",
    "Methods: We retrospectively analysed a prospectively maintained registry of 640 "
    "thrombectomy candidates.",
    "Methods: In this retrospective study, 500 radiographs were read by the software.",
    "Methods: The study was not prospective; images acquired in 2019 were processed.",
])
def test_retrospective_or_denied_design_is_false(abstract: str) -> None:
    f = features(abstract)
    assert f.prospective is False, f.why
    assert f.why["prospective"]
    assert f.rct is False  # a retrospective design is not a trial


def test_retrospective_analysis_of_prospective_data_says_why() -> None:
    f = features("We retrospectively analysed a prospectively maintained registry of 640 "
                 "patients.")
    assert f.prospective is False
    assert "prospectively gathered data only" in f.why["prospective"]


@pytest.mark.parametrize("abstract", [
    "Results: Sensitivity was 91%. Conclusion: Prospective multicentre trials are needed "
    "before clinical use.",
    "Conclusions: These findings warrant prospective validation.",
    "Unlike previous prospective studies, the AI was tested on 300 radiographs.",
])
def test_prospective_in_hedges_and_other_studies_says_nothing(abstract: str) -> None:
    f = features(abstract)
    assert f.prospective is None
    assert "prospective" not in f.why
    assert f.multicentre is None


def test_randomised_trial_is_prospective_and_non_randomised_is_not_a_trial() -> None:
    trial = features("Methods: Women were randomly assigned to AI-supported reading or "
                     "standard double reading.")
    assert (trial.rct, trial.prospective) == (True, True)
    assert trial.why["prospective"].startswith("randomised trial")
    non = features("Methods: In this non-randomised controlled comparison, 300 patients "
                   "were read with the software.")
    assert non.rct is False
    assert "non-randomised" in non.why["rct"]


# --- sites ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("abstract", "multinational"), [
    ("Methods: Radiographs from several US sites were read by the software.", False),
    ("Methods: CTPAs from multiple French hospitals were retrospectively analysed.", False),
    ("Methods: Data were collected at three academic centres.", None),
    ("Methods: Across five hospitals, 4,000 examinations were included.", None),
    ("Methods: Two institutions contributed 814 head CTs.", None),
    ("Methods: We used data from 12 sites.", None),
    ("Methods: A multi-institutional cohort of 900 patients was analysed.", None),
    ("Methods: Scans from two children's hospitals were included.", None),
    ("Methods: Patients from several Catalan stroke centres were included.", False),
    ("Methods: Patients were recruited from centres in Germany and the United Kingdom.", True),
])
def test_several_sites_are_multicentre(abstract: str, multinational: bool | None) -> None:
    f = features(abstract)
    assert f.multicentre is True, f.why
    assert f.why["multicentre"]
    assert f.multinational is multinational, f.why
    if multinational is not None:
        assert f.why["multinational"]


@pytest.mark.parametrize("abstract", [
    "Methods: We included 350 patients from a single tertiary centre.",
    "Methods: All examinations were performed at one academic hospital.",
    "Methods: This single-institution study included 200 consecutive patients.",
    "Methods: Patients were treated at a Dutch teaching hospital between 2019 and 2021.",
    "Methods: Two radiologists at a university hospital in Spain read 500 radiographs.",
])
def test_one_site_is_single_centre(abstract: str) -> None:
    f = features(abstract)
    assert f.multicentre is False, f.why
    assert f.multinational is False
    assert f.why["multicentre"] and f.why["multinational"] == "single centre"


def test_a_hospital_in_general_is_not_a_site() -> None:
    f = features("Methods: Patients admitted to a hospital with stroke were eligible; the AI "
                 "ran on every scan.")
    assert f.multicentre is None
    assert "multicentre" not in f.why


def test_anatomical_sites_are_not_centres() -> None:
    f = features("Results: The AI detected lesions at multiple anatomical sites in 120 "
                 "patients.")
    assert f.multicentre is None
    f = features("Results: In 2 of 12 patients, the AI missed lesions at two sites.")
    assert f.multicentre is None


def test_multicentre_denied_or_wished_for_is_not_multicentre() -> None:
    assert features("Methods: This was not a multicentre study.").multicentre is not True
    assert features("Conclusion: Multicentre studies should confirm these results."
                    ).multicentre is None


# --- countries -----------------------------------------------------------------------------

@pytest.mark.parametrize("abstract", [
    "Methods: Data came from 14 hospitals across 4 countries.",
    "Methods: Screening examinations from sites in the US and the UK were included.",
    "Methods: European and Asian sites contributed 3,000 chest CT scans.",
    "Methods: This international, multicentre study included 2,400 women.",
    "Methods: Patients from the international ADVANCE registry were followed for a year.",
    "Methods: Radiographs from the United States, China and Belarus were pooled.",
    "Methods: Patients with suspected coronary disease at 11 European sites were evaluated.",
])
def test_several_countries_are_multinational(abstract: str) -> None:
    f = features(abstract)
    assert f.multinational is True, f.why
    assert f.multicentre is True
    assert f.why["multinational"]


def test_a_vendors_address_is_not_a_place_of_data() -> None:
    f = features("Purpose: To validate a commercially available tool, CINA (Avicenna.AI, "
                 "La Ciotat, France). Methods: Data from two institutions in the United States "
                 "were analysed.")
    assert f.multicentre is True
    assert f.multinational is False
    assert "United States" in f.why["multinational"]
    swedish = features("Methods: Screening examinations of 80,000 women at four sites in "
                       "Sweden were scored by Transpara (ScreenPoint Medical, Nijmegen, the "
                       "Netherlands).")
    assert (swedish.multicentre, swedish.multinational) == (True, False)


def test_country_adjectives_and_money_are_not_places_of_data() -> None:
    assert regions_of("Costs were US$1,198 per case in Nigeria among 3,205 patients.") == {
        "Nigeria"}
    assert regions_of("The software, developed in South Korea, read radiographs from a US "
                      "hospital.") == set()
    assert regions_of("Patients from South Africa were included.") == {"South Africa"}
    assert regions_of("International guidelines were followed.") == set()


def test_international_guidelines_are_not_multinational() -> None:
    f = features("Methods: Nodules were managed according to international guidelines in "
                 "900 patients.")
    assert f.multinational is None


# --- nothing said ---------------------------------------------------------------------------

def test_a_text_that_says_nothing_gives_no_feature() -> None:
    f = features("Results: The AI reached an AUC of 0.91 for pneumothorax on 1,000 "
                 "radiographs.")
    assert (f.prospective, f.multicentre, f.multinational, f.rct) == (None, None, None, None)
    assert set(f.why) <= {"sample_size"}


def test_a_review_that_mentions_designs_in_passing_gives_no_feature() -> None:
    f = features("This review summarises the literature. Most published studies were "
                 "retrospective; few prospective studies exist.",
                 title="Artificial intelligence in stroke imaging: a narrative review")
    assert f.prospective is None
    assert "prospective" not in f.why


def test_every_feature_set_has_its_why() -> None:
    f = features("Methods: In this prospective study at three hospitals in Korea, 2,000 "
                 "women were randomly assigned to AI-supported or standard reading.")
    for name in ("prospective", "multicentre", "multinational", "rct"):
        assert getattr(f, name) is not None, name
        assert f.why[name], name
    assert (f.prospective, f.multicentre, f.multinational, f.rct) == (True, True, False, True)
