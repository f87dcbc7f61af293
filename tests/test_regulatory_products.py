"""Product resolution on the real FDA list rows (Aidoc, Siemens, GE, Canon, RapidAI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.shared_stores import copy_store
from tracker.db.models import Company, CompanyAlias, Product, ProductAlias, Registration
from tracker.products.naming import modality, product_name
from tracker.products.resolution import resolve_products

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv"


@pytest.fixture
def db_url(fda_resolved_template, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """A copy of the session's store holding the FDA list resolved into products."""
    return copy_store(fda_resolved_template[0], tmp_path)


@pytest.fixture
def resolved(db: Session, fda_resolved_template):  # type: ignore[no-untyped-def]
    return db, dict(fda_resolved_template[1])


def _company(db: Session, name: str) -> Company:
    return db.exec(select(Company).where(Company.name == name)).one()


def _products(db: Session, company: str) -> dict[str, Product]:
    c = _company(db, company)
    return {p.name: p for p in db.exec(select(Product).where(Product.company_id == c.id))}


@pytest.mark.parametrize(("device", "product"), [
    ("BriefCase-Triage: CARE Multi-Triage CT for Pneumothorax; Pericardial effusion", "BriefCase-Triage"),
    ("Aquilion ONE (TSX-306A/3) V10.12 with Spectral Imaging System, Vitrea Software Package", "Aquilion ONE"),
    ("Lunit INSIGHT DBT (V1.2)", "Lunit INSIGHT DBT"),
    ("Transpara 1.7.2", "Transpara"),
    ("syngo.CT Lung CAD (Version VD30)", "syngo.CT Lung CAD"),
    ("Genius AI Detection 2.0 with CC-MLO Correlation", "Genius AI Detection"),
    ("PowerLook® Tomo Detection Software", "PowerLook Tomo Detection Software"),
    ("AI-Rad Companion (Pulmonary)", "AI-Rad Companion (Pulmonary)"),
    ("SIGNA 7.0T", "SIGNA 7.0T"),
    ("Rapid RV/LV", "Rapid RV/LV"),
])
def test_product_name_rules(device: str, product: str) -> None:
    assert product_name(device) == product


def test_modality_from_words_then_product_code() -> None:
    assert modality("Lunit INSIGHT DBT", "QDQ") == "Mammography"
    assert modality("MAGNETOM Vida", "LNH") == "MR"
    assert modality("Deep Learning Image Reconstruction", "JAK") == "CT"
    assert modality("Rapid LVO", "QAS") is None


def test_aidoc_per_finding_clearances_are_one_triage_product(resolved) -> None:  # type: ignore[no-untyped-def]
    db, _ = resolved
    products = _products(db, "Aidoc")
    assert set(products) == {"BriefCase-Triage", "BriefCase-Quantification"}
    triage = products["BriefCase-Triage"]
    numbers = set(db.exec(select(Registration.number).where(Registration.product_id == triage.id)))
    # 2018's first BriefCase, the rib-fracture clearance and the 2026 multi-triage all belong to it
    assert {"K180647", "K202992", "K253578", "K243548"} <= numbers and len(numbers) == 29
    assert triage.slug == "aidoc-briefcase-triage" and triage.modality == "CT"
    # both company spellings ("Aidoc Medical, Ltd." / "Aidoc Medical , Ltd.") are the one company
    assert db.exec(select(Registration).where(Registration.number == "K253578")).one().company_id == triage.company_id


def test_ge_legal_entities_are_one_company_with_legal_aliases(resolved) -> None:  # type: ignore[no-untyped-def]
    db, _ = resolved
    ge = _company(db, "GE HealthCare")
    aliases = {a.alias: a.kind for a in db.exec(select(CompanyAlias).where(CompanyAlias.company_id == ge.id))}
    assert aliases.get("Ge Healthcare Japan Corporation") == "legal"
    assert any(a.startswith("GE Medical Systems Ultrasound") for a in aliases)
    for number in ("K253686", "K252379", "K253269", "K233728", "K223523"):  # Japan, LLC, Hualun, Tianjin, (GE Healthcare)
        assert db.exec(select(Registration).where(Registration.number == number)).one().company_id == ge.id
    assert not db.exec(select(Company).where(Company.name.startswith("GE Medical"))).all()  # type: ignore[attr-defined]
    deep = _products(db, "GE HealthCare")["Deep Learning Image Reconstruction"]
    assert len(db.exec(select(Registration).where(Registration.product_id == deep.id)).all()) == 6


def test_siemens_and_canon_variants(resolved) -> None:  # type: ignore[no-untyped-def]
    db, _ = resolved
    siemens = _products(db, "Siemens Healthineers")
    pulmonary = siemens["AI-Rad Companion (Pulmonary)"]  # "Al-Rad Companion (Pulmonary)" (a typo in the list) too
    regs = set(db.exec(select(Registration.number).where(Registration.product_id == pulmonary.id)))
    assert regs == {"K183271", "K213096", "K213713", "K233753"}
    assert "AI-Rad Companion Brain MR" in siemens and "MAGNETOM Sola" in siemens
    sola = siemens["MAGNETOM Sola"]
    aliases = set(db.exec(select(ProductAlias.alias).where(ProductAlias.product_id == sola.id)))
    assert "MAGNETOM Altea" in aliases  # a device listed in the same submission
    canon = _products(db, "Canon Medical Systems")
    aquilion_one = canon["Aquilion ONE"]
    assert len(db.exec(select(Registration).where(Registration.product_id == aquilion_one.id)).all()) >= 5
    assert "Aquilion Serve SP" in canon and "Aquilion ServeSP" not in canon  # spacing variants are one product
    canon_inc = db.exec(select(Registration).where(Registration.number == "K212269")).one()  # Canon Inc.
    assert canon_inc.company_id == _company(db, "Canon Medical Systems").id


def test_brand_and_legal_name(resolved) -> None:  # type: ignore[no-untyped-def]
    db, _ = resolved
    rapid = _company(db, "RapidAI")
    kinds = {a.alias: a.kind for a in db.exec(select(CompanyAlias).where(CompanyAlias.company_id == rapid.id))}
    assert kinds["iSchemaView, Inc."] == "legal" and kinds["Rapid AI"] == "brand"
    assert "Rapid" in _products(db, "RapidAI")  # "iSchemaView RAPID", "Rapid (6.0)", "Rapid"
    from tracker.store.companies import find_company

    assert find_company(db, name="iSchemaView Inc").id == rapid.id  # type: ignore[union-attr]


def test_every_registration_has_a_product_and_a_second_run_changes_nothing(resolved) -> None:  # type: ignore[no-untyped-def]
    db, first = resolved
    assert first["registrations_linked"] == 1164
    assert db.exec(select(Registration).where(Registration.product_id.is_(None))).all() == []  # type: ignore[union-attr]
    second = resolve_products(db)
    assert second["products"] == first["products"]
    assert {k: v for k, v in second.items() if v and k != "products"} == {}
    slugs = list(db.exec(select(Product.slug)))
    assert len(slugs) == len(set(slugs))


def test_user_product_is_kept_and_joined(resolved) -> None:  # type: ignore[no-untyped-def]
    from tracker.products.manual import add_product

    db, _ = resolved
    product, created = add_product(db, name="Veye Lung Nodules", company="Aidence B.V.", aliases=["Veye Chest"],
                                   modality="CT", source_note="https://example.org/ce-mark-news")
    assert created and product.source == "user" and product.slug == "aidence-b-v-veye-lung-nodules"
    again, created_again = add_product(db, name="Veye Lung Nodules", company="Aidence BV")
    assert not created_again and again.id == product.id
    with pytest.raises(ValueError):
        add_product(db, name=" ", company="x")
