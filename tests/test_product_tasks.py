"""Clinical tasks (tracker.products.tasks) on real product and device names of the FDA
AI-enabled device list."""

from __future__ import annotations

import pytest

from tracker.products.tasks import TASKS, match_tasks, task_labels

LVO = "Large vessel occlusion (LVO)"
ICH = "Intracranial haemorrhage (ICH)"


def _name(text: str) -> list[str]:
    return task_labels([("name", text)])


@pytest.mark.parametrize(("name", "task"), [
    ("Rapid LVO", LVO),
    ("Brainomix 360 Triage LVO", LVO),
    ("syngo.CT LVO Detection", LVO),
    ("Viz ICH", ICH),
    ("syngo.CT Brain Hemorrhage", ICH),
    ("CINA-iPE", "Pulmonary embolism (PE)"),
    ("Rayvolve PTX-PE", "Pulmonary embolism (PE)"),
    ("AIMI-Triage CXR PTX", "Pneumothorax"),
    ("Lunit INSIGHT MMG", "Breast cancer (mammography, tomosynthesis)"),
    ("Lunit INSIGHT DBT", "Breast cancer (mammography, tomosynthesis)"),
    ("CINA-VCF", "Vertebral compression fractures"),
    ("AVIEW Lung Nodule CAD", "Lung nodules and lung cancer"),
    ("Rapid ASPECTS", "Ischaemic stroke and perfusion"),
    ("QUIBIM Precision Prostate (qp-Prostate)", "Prostate"),
    ("EchoMD Automated Ejection Fraction Software", "Cardiac function and structure"),
    ("AI-Rad Companion Organs RT", "Radiotherapy contouring and planning"),
])
def test_real_names_get_their_task(name: str, task: str) -> None:
    assert task in _name(name)


@pytest.mark.parametrize("name", [
    "SubtleMR", "Synapse PACS", "qXR-BT", "Constellation (CON-001)", "Customize",
    "PETN",  # PE inside a word is not pulmonary embolism
    "Suspected LVOX",  # LVO inside a word is not LVO
])
def test_names_that_say_no_task_get_none(name: str) -> None:
    assert _name(name) == []


def test_abbreviations_count_only_in_capitals() -> None:
    assert _name("Pe scan") == [] and _name("lvo tool") == []
    assert _name("large vessel occlusion triage") == [LVO]  # words count in any case


def test_the_first_field_that_names_a_task_is_its_provenance() -> None:
    # BriefCase-Triage's own name names no finding; its registration's device name does
    matches = match_tasks([("name", "BriefCase-Triage"),
                           ("device_name", "BriefCase-Triage: CARE Multi-Triage CT for Pneumothorax; "
                                           "Pericardial effusion; Large aortic aneurysm"),
                           ("finding", "RibFx")])
    why = {m.label: (m.rule, m.field, m.text) for m in matches}
    assert why["Pneumothorax"] == ("K2", "device_name", "Pneumothorax")
    assert why["Fractures"] == ("K3", "finding", "RibFx")
    assert why["Aortic disease (dissection, aneurysm)"][0] == "K2"
    # in vocabulary order, each task once
    order = [t.label for t in TASKS]
    assert [m.label for m in matches] == sorted(why, key=order.index)


def test_spacing_and_empty_texts() -> None:
    assert _name("Lung\n  nodules") == ["Lung nodules and lung cancer"]
    assert task_labels([("name", ""), ("finding", "   ")]) == []
    assert len({t.label for t in TASKS}) == len(TASKS)


def test_products_export_carries_tasks_and_why(engine) -> None:  # type: ignore[no-untyped-def]
    from tui_store import build_store

    from tracker.db.engine import session
    from tracker.exports.rows import products_rows

    build_store(engine)
    with session(engine) as s:
        rows = {r["product_id"]: r for r in products_rows(s)}
    assert rows["rapid-lvo"]["tasks"] == "Large vessel occlusion (LVO)"
    assert rows["rapid-lvo"]["task_sources"] == "Large vessel occlusion (LVO): K1 name 'LVO'"
    assert rows["veye-lung-nodules"]["tasks"] == "Lung nodules and lung cancer"
    assert rows["quantib-prostate"]["tasks"] == "Prostate"
