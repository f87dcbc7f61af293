"""The product universe on the real FDA AI-enabled list: kind (software vs imaging system),
taxonomy with its sources, families, unique names, identity, and a person's corrections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from tests.shared_stores import copy_store
from tracker.db.models import Company, Product, ProductOverride, Registration
from tracker.products.classify import family_names
from tracker.products.kinds import IMAGING_SYSTEM, SOFTWARE, product_kind
from tracker.products.resolution import resolve_products
from tracker.products.taxonomy import Facts, classify, findings_of

ROOT = Path(__file__).resolve().parents[1]
CSV = ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv"
LABELS = ROOT / "tests" / "data" / "products"


@pytest.fixture
def db_url(fda_resolved_template, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """A copy of the session's store holding the FDA list resolved into products."""
    return copy_store(fda_resolved_template[0], tmp_path)


@pytest.fixture
def store(db: Session) -> Session:
    return db


def _product(db: Session, name: str, company_prefix: str = "") -> Product:
    rows = db.exec(select(Product, Company).join(Company, Company.id == Product.company_id)  # type: ignore[arg-type]
                   .where(Product.name == name)).all()
    matches = [p for p, c in rows if c.name.lower().startswith(company_prefix.lower())]
    assert len(matches) == 1, (name, [(p.name, c.name) for p, c in rows])
    return matches[0]


# --- kind: the product code is a prior, not the answer (real rows of the FDA list) ---

@pytest.mark.parametrize(("name", "company", "code", "kind", "rule"), [
    ("LiverMultiScan", "Perspectum Diagnostics Ltd", "LNH", SOFTWARE, "K5"),  # MR code, software
    ("LungQ", "Thirona BV", "JAK", SOFTWARE, "K5"),  # CT code, software
    ("SubtlePET", "Subtle Medical, Inc.", "KPS", SOFTWARE, "K5"),
    ("MAGNETOM Vida", "Siemens Medical Solutions USA, Inc.", "LNH", IMAGING_SYSTEM, "K2"),
    ("AIR Recon DL", "GE Medical Systems, LLC", "LNH", IMAGING_SYSTEM, "K2"),  # recon engine of the scanner
    ("Versana Premier", "GE Medical Systems Ultrasound and Primary Care Diagnostics, LLC", "IYN",
     IMAGING_SYSTEM, "K4"),
    ("HERA W10 Diagnostic Ultrasound System", "Samsung Medison Co., Ltd.", "IYN", IMAGING_SYSTEM, "K3"),
    ("Deep Recon", "Shanghai United Imaging Healthcare Co., Ltd.", "JAK", IMAGING_SYSTEM, "K4"),
    ("syngo.CT Lung CAD", "Siemens Healthcare GmbH", "OEB", SOFTWARE, "K1"),  # an OEM's software
    ("CardIQ Suite", "GE Medical Systems, LLC", "JAK", SOFTWARE, "K1"),
    ("BriefCase-Triage", "Aidoc Medical, Ltd.", "QAS", SOFTWARE, "K6"),
    ("LOGICON CARIES DETECTOR", "Carestream Dental LLC", "MYN", SOFTWARE, "K6"),  # a caries "detector" is software
])
def test_kind_rules(name: str, company: str, code: str, kind: str, rule: str) -> None:
    found = product_kind(name, company, code)
    assert (found.kind, found.rule) == (kind, rule), found.reason
    assert found.reason


def test_kinds_in_a_resolved_store_come_with_their_reason(store: Session) -> None:
    products = store.exec(select(Product)).all()
    kinds = {p.kind for p in products}
    assert kinds == {SOFTWARE, IMAGING_SYSTEM}
    assert all(p.taxonomy["kind"]["rule"] and p.taxonomy["kind"]["source"] for p in products)
    assert _product(store, "LiverMultiScan").kind == SOFTWARE
    assert _product(store, "Aquilion ONE").kind == IMAGING_SYSTEM
    systems = sum(p.kind == IMAGING_SYSTEM for p in products)
    assert 0.1 < systems / len(products) < 0.5  # scanners are a minority, not none and not most


# --- taxonomy with sources ---

def test_modality_words_beat_the_product_code_and_findings_imply_one() -> None:
    # QDQ was read as mammography for every product; a lung-CT product is CT
    median = classify(Facts(name="eyonis LCS", company="Median Technologies", product_codes=("QDQ",)))
    assert median.modality == ["CT"] and median.subspecialty == "chest"
    assert median.sources["modality"]["rule"] == "M1b"
    koios = classify(Facts(name="Koios DS", company="Koios Medical", product_codes=("POK",),
                           device_names=("Koios DS for Breast",)))
    assert koios.modality == ["US"] and koios.subspecialty == "breast"
    prostate = classify(Facts(name="Prostate MR AI", company="Siemens Healthcare GmbH", product_codes=("QDQ",)))
    assert prostate.modality == ["MR"] and prostate.subspecialty == "abdominal"
    petct = classify(Facts(name="Biograph Vision PET/CT", company="Siemens"))
    assert set(petct.modality) == {"NM", "CT"}


def test_subspecialty_falls_back_to_panel_then_general() -> None:
    by_panel = classify(Facts(name="Brand X", panels=("Cardiovascular",)))
    assert by_panel.subspecialty == "cardiac" and by_panel.sources["subspecialty"]["rule"] == "S2"
    generic = classify(Facts(name="Image Enhancer Pro", product_codes=("LLZ",)))
    assert generic.subspecialty == "general" and generic.sources["subspecialty"]["rule"] == "S4"


@pytest.mark.parametrize(("name", "code", "product_type"), [
    ("Rapid LVO", "QAS", "triage/notification"),
    ("SubtleMR", "LNH", "reconstruction/enhancement"),
    ("AutoContour", "QKB", "segmentation/contouring/planning"),
    ("Transpara", "QDQ", "detection"),
    ("HeartFlow FFRct Analysis", "PJA", "quantification"),
    ("Koios DS", "POK", "diagnosis/characterisation"),
    ("Smart Reporting", "LLZ", "workflow/reporting"),
])
def test_product_types(name: str, code: str, product_type: str) -> None:
    found = classify(Facts(name=name, product_codes=(code,)))
    assert found.product_type == product_type, found.sources


def test_findings_come_from_device_names_and_many_make_a_comprehensive_product() -> None:
    names = tuple(f"Chest Suite: finding {i}" for i in range(12))
    assert len(findings_of(names)) == 12
    found = classify(Facts(name="Chest Suite", device_names=names, product_codes=("QFM",)))
    assert found.product_type == "comprehensive" and found.sources["product_type"]["rule"] == "T2"
    assert findings_of(("BriefCase, RIB Fractures Triage (RibFx)", "Transpara (2.1.0)")) == ["RibFx"]


def test_software_products_have_modality_and_subspecialty_in_the_store(store: Session) -> None:
    software = store.exec(select(Product).where(Product.kind == SOFTWARE)).all()
    with_modality = sum(bool(p.modality) for p in software) / len(software)
    with_subspecialty = sum(bool(p.subspecialty) for p in software) / len(software)
    assert with_modality >= 0.95 and with_subspecialty >= 0.95
    assert all(p.taxonomy["modality"]["source"] for p in software if p.modality)


# --- identity: families, unique names, company-prefixed and trade names ---

def test_family_is_the_shared_line_not_a_generic_word() -> None:
    names = ["BriefCase-Triage", "BriefCase-Quantification", "Annalise Enterprise CXR", "Annalise Enterprise CTB",
             "AI-Rad Companion (Pulmonary)", "AI-Rad Companion Brain MR", "Lung AI", "Lung Density"]
    families = family_names(names)
    assert families["BriefCase-Triage"] == families["BriefCase-Quantification"] == "BriefCase"
    assert families["Annalise Enterprise CXR"] == "Annalise"
    assert families["AI-Rad Companion (Pulmonary)"] == "AI-Rad"
    assert "Lung AI" not in families  # "Lung" is a generic word, not a product line


def test_display_names_are_unique(store: Session) -> None:
    names = [p.display_name for p in store.exec(select(Product))]
    assert all(names) and len(names) == len(set(names))


def test_company_prefixed_name_is_the_same_product(store: Session) -> None:
    viz = store.exec(select(Company).where(Company.name == "Viz.ai")).one()
    names = {p.name for p in store.exec(select(Product).where(Product.company_id == viz.id))}
    assert "ContaCT" in names and "Viz LVO ContaCT" not in names
    contact = _product(store, "ContaCT")
    numbers = {r.number for r in store.exec(select(Registration).where(Registration.product_id == contact.id))}
    assert len(numbers) >= 2


def test_trade_name_names_the_product_and_the_internal_name_is_an_alias(store: Session) -> None:
    from tracker.db.models import ProductAlias

    product = _product(store, "eyonis LCS")
    aliases = {a.alias for a in store.exec(select(ProductAlias).where(ProductAlias.product_id == product.id))}
    assert "Median LCS" in aliases
    assert product.modality == "CT" and product.subspecialty == "chest"


# --- a person's corrections ---

def _cli(db_url: str, *args: str) -> tuple[int, str]:
    from tracker.cli import app

    result = CliRunner().invoke(app, [*args, "--database-url", db_url, "--by", "dr-a"])
    return result.exit_code, result.output


def test_corrections_win_and_survive_resolution(store: Session, db_url: str) -> None:
    product = _product(store, "Aquilion ONE")
    code, out = _cli(db_url, "review", "product", product.slug, "--kind", "software", "--modality", "CT",
                     "--modality", "MR", "--subspecialty", "cardiac", "--why", "test")
    assert code == 0, out
    store.expire_all()
    resolve_products(store)
    store.expire_all()
    fixed = store.get(Product, product.id)
    assert fixed is not None
    assert (fixed.kind, fixed.modality, fixed.subspecialty) == ("software", "CT;MR", "cardiac")
    assert fixed.taxonomy["kind"] == {"rule": "O1", "source": "reviewer dr-a: test"}
    code, out = _cli(db_url, "review", "product", product.slug, "--subspecialty", "elbow")
    assert code == 2 and "subspecialty must be one of" in out


def test_merge_and_split_in_review(store: Session, db_url: str) -> None:
    keep, drop = _product(store, "LungQ"), _product(store, "ContaCT")
    drop_id = drop.id
    moved = {r.number for r in store.exec(select(Registration).where(Registration.product_id == drop_id))}
    code, out = _cli(db_url, "review", "merge-products", keep.slug, drop.slug)
    assert code == 0, out
    store.expire_all()
    assert store.get(Product, drop_id) is None
    now = {r.number for r in store.exec(select(Registration).where(Registration.product_id == keep.id))}
    assert moved <= now
    number = sorted(moved)[0]
    code, out = _cli(db_url, "review", "split-product", keep.slug, "--name", "ContaCT", "--registration", number)
    assert code == 0, out
    store.expire_all()
    split = store.exec(select(Registration).where(Registration.number == number)).one()
    assert split.product_id != keep.id
    history = store.exec(select(ProductOverride).where(ProductOverride.field_name.in_(["merged", "split"]))).all()  # type: ignore[attr-defined]
    assert {h.field_name for h in history} == {"merged", "split"} and all(h.author == "dr-a" for h in history)
    code, out = _cli(db_url, "review", "split-product", keep.slug, "--name", "X", "--registration", "K000000")
    assert code == 2 and "not registrations of" in out


# --- figures count AI software unless told otherwise ---

def test_figures_count_software_unless_systems_are_asked_for(store: Session) -> None:
    from tracker.evidence.figures import store_figures
    from tracker.products.stats import products_by_kind, products_per_company

    kinds = products_by_kind(store)
    assert store_figures(store).figures["products"].part == kinds[SOFTWARE]
    assert store_figures(store, include_systems=True).figures["products"].part == sum(kinds.values())
    top_software = products_per_company(store, top=50)
    top_all = products_per_company(store, top=50, include_systems=True)
    ge = next(name for name in top_all if name.startswith("GE"))
    assert top_all[ge] > top_software.get(ge, 0)


# --- the batch command and the evaluation ---

def test_classify_products_and_eval_products(tmp_path: Path) -> None:
    from tracker.cli import app

    lines = [
        {"id": "a", "name": "LiverMultiScan", "company": "Perspectum", "product_code": "LNH", "gold_kind": "software",
         "gold_modality": ["MR"], "gold_subspecialty": "abdominal"},
        {"id": "b", "name": "MAGNETOM Vida", "company": "Siemens Healthcare GmbH", "product_code": "LNH",
         "gold_kind": "imaging-system"},
        {"id": "c", "name": "Hepatica", "company": "Perspectum", "product_code": "LNH", "gold_kind": "software"},
        {"name": "no id"},
    ]
    path = tmp_path / "p.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(app, ["classify-products", "--products", str(path), "--out", str(out)])
    assert result.exit_code == 3 and ":4: missing required field(s)" in result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["kind"] for r in rows] == ["software", "imaging-system", "software"]
    assert rows[0]["modality"] == ["MR"] and rows[0]["sources"]["kind"]["rule"] == "K5"
    result = CliRunner().invoke(app, ["eval", "products", "--gold", str(path), "--json"])
    figures = json.loads(result.output[result.output.index("{"):])
    assert figures["kind"]["accuracy"] == 1.0 and figures["kind"]["code_only_accuracy"] == pytest.approx(0.333, abs=0.01)
    assert figures["agreement"]["modality"]["accuracy"] == 1.0


@pytest.mark.skipif(not (LABELS / "kind_dev.jsonl").exists(), reason="labelled sample not present")
def test_kind_accuracy_on_the_labelled_development_sample() -> None:
    from tracker.contract import ProductFactsRecord, read_jsonl
    from tracker.products.batch import evaluate

    items, problems = read_jsonl(LABELS / "kind_dev.jsonl", ProductFactsRecord)
    assert not problems
    figures = evaluate(items)
    assert figures["kind"]["accuracy"] >= 0.97, figures["kind"]["errors"]
    assert figures["kind"]["accuracy"] > figures["kind"]["code_only_accuracy"]
    assert figures["fill_rate"]["modality"] >= 0.95 and figures["fill_rate"]["subspecialty"] >= 0.95
