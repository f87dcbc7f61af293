"""The gazetteer finds products as papers write them, and judges ambiguous names weak."""

from __future__ import annotations

import pytest

from tracker.contract import ProductRecord
from tracker.nlp.gazetteer import Gazetteer
from tracker.nlp.variants import company_forms, product_forms, strip_version

# Registered as regulators deliver them: legal company names, no aliases.
CATALOGUE = [
    ProductRecord(id="cxr", name="Lunit INSIGHT CXR", company="Lunit Inc."),
    ProductRecord(id="mmg", name="Lunit INSIGHT MMG", company="Lunit Inc."),
    ProductRecord(id="lvo", name="Rapid LVO 1.0", company="iSchemaView, Inc."),
    ProductRecord(id="ctp", name="RAPID", company="iSchemaView, Inc."),
    ProductRecord(id="ich", name="BriefCase (ICH)", company="Aidoc Medical, Ltd."),
    ProductRecord(id="pe", name="BriefCase (PE)", company="Aidoc Medical, Ltd."),
    ProductRecord(id="nq", name="NeuroQuant", company="CorTechs Labs, Inc."),
    ProductRecord(id="mia", name="Mia", company="Kheiron Medical Technologies Ltd"),
    ProductRecord(id="reddot", name="red dot", company="behold.ai Technologies Limited"),
    ProductRecord(id="easp", name="e-ASPECTS", company="Brainomix Limited"),
    ProductRecord(id="qxr", name="qXR v3", company="Qure.ai Technologies Private Limited"),
    ProductRecord(id="dr", name="InferRead DR Chest", company="Beijing Infervision Technology Co., Ltd."),
    ProductRecord(id="contact", name="ContaCT", company="Viz.ai, Inc."),
]


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer(CATALOGUE)


def found(gaz: Gazetteer, text: str) -> list[tuple[str, str, tuple[str, ...], bool]]:
    return [(m.text, m.kind, m.targets, m.strong) for m in gaz.find_text(text).mentions]


def test_company_brand_forms_drop_legal_and_generic_words() -> None:
    assert "Aidoc" in company_forms("Aidoc Medical, Ltd.")
    assert "Qure.ai" in company_forms("Qure.ai Technologies Private Limited")
    assert "Infervision" in company_forms("Beijing Infervision Technology Co., Ltd.")
    assert "RapidAI" in company_forms("iSchemaView, Inc.")  # brand differs from the legal name


def test_versions_and_parentheses_give_spellings() -> None:
    assert strip_version("Transpara 1.7.1") == "Transpara"
    assert strip_version("qXR v3") == "qXR"
    assert strip_version("JF CXR-1") == "JF CXR-1"
    spellings = dict(product_forms("BriefCase (ICH)", [], ["Aidoc"]))
    assert "BriefCase ICH" in spellings and "Aidoc BriefCase ICH" in spellings


@pytest.mark.parametrize("text, key", [
    ("We evaluated Lunit INSIGHT-CXR on 1000 radiographs.", "cxr"),
    ("Lunit’s INSIGHT CXR v3.1 flagged nodules.", "cxr"),
    ("NeuroQuant® volumes were compared.", "nq"),
    ("Scores from eASPECTS and from e-ASPECTS agreed.", "easp"),
    ("qXR (version 3) read every film.", "qxr"),
    ("InferRead DR Chest was run on all radiographs.", "dr"),
])
def test_spellings_papers_use_are_found(gaz: Gazetteer, text: str, key: str) -> None:
    assert any(key in targets and kind == "product" for _, kind, targets, _ in found(gaz, text))


def test_hyphenated_and_spaced_forms_are_one_name(gaz: Gazetteer) -> None:
    spans = found(gaz, "Lunit INSIGHT-CXR and Lunit INSIGHT CXR")
    assert [s[0] for s in spans] == ["Lunit INSIGHT-CXR", "Lunit INSIGHT CXR"]


def test_everyday_words_in_lower_case_are_not_product_names(gaz: Gazetteer) -> None:
    assert not [m for m in found(gaz, "rapid LVO detection matters; please contact us") if m[1] == "product"]


def test_odd_casing_must_match_exactly(gaz: Gazetteer) -> None:
    assert [m[2] for m in found(gaz, "ContaCT alerted the team")] == [("contact",)]


@pytest.mark.parametrize("text", ["Mia read the mammograms.", "A red dot marked the lesion.",
                                  "RAPID computed the core volume."])
def test_short_or_everyday_names_are_weak(gaz: Gazetteer, text: str) -> None:
    mentions = [m for m in gaz.find_text(text).mentions if m.kind == "product"]
    assert mentions and not any(m.strong for m in mentions)


def test_trademark_and_version_mark_a_mention(gaz: Gazetteer) -> None:
    mention = gaz.find_text("Mia® was used as second reader.").mentions[0]
    assert mention.marked and not mention.strong


def test_family_names_point_at_every_member(gaz: Gazetteer) -> None:
    families = {m.targets for m in gaz.find_text("Lunit INSIGHT and Aidoc BriefCase were used.").mentions
                if m.kind == "family"}
    assert ("cxr", "mmg") in families and ("ich", "pe") in families


def test_companies_named_anywhere_are_collected(gaz: Gazetteer) -> None:
    assert gaz.find_text("Funded by Kheiron Medical Technologies Ltd.").companies == {"kheiron medical technologies"}
    assert "ischemaview" in gaz.find_text("software from RapidAI").companies
