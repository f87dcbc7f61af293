"""Company identity (tracker/products/company_keys.py): each rule on real rows of the FDA
AI-enabled device list fixture, the labelled spellings, product resolution and the batch
commands. Names in quotes below are spellings the FDA list itself uses unless marked
"composed"."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from tracker.db.models import Company, CompanyAlias, Registration
from tracker.names import normalize_company
from tracker.products.company_eval import evaluate_companies, read_gold
from tracker.products.company_keys import display_name, resolve_companies, spelling

ROOT = Path(__file__).resolve().parents[1]
FDA_XML = ROOT / "tests" / "fixtures" / "regulatory" / "fda_ai_devices_2025-09.xml"
GOLD = ROOT / "tests" / "data" / "companies" / "fda_spellings.jsonl"


@cache
def fda_spellings() -> tuple[str, ...]:
    from tracker.parsers.fda_list import parse_fda_xml

    return tuple(sorted({r.applicant for r in parse_fda_xml(FDA_XML.read_bytes()).records}))


@cache
def fda_resolved() -> dict[str, object]:
    return resolve_companies(fda_spellings())  # type: ignore[return-value]


def key(name: str) -> str:
    assert name in fda_spellings() or name.startswith("composed:"), f"{name!r} is not an FDA spelling"
    return fda_resolved()[name].company_key  # type: ignore[attr-defined]


def same(*names: str) -> bool:
    return len({key(n) for n in names}) == 1


# --- K rules: one name, its spelling key -----------------------------------------------------

@pytest.mark.parametrize("names", [
    ("Body Vision Medical Ltd.", "BODY VISION MEDICAL LTD.", "BodyVision Medical Ltd."),
    ("Nano-X AI Ltd.", "NanoxAI Ltd."),
    ("Nico.Lab B.V.", "NICo-Lab B.V."),
    ("Cella Vision AB", "CellaVision AB", "CELLAVISION AB"),
    ("Ever Fortune.AI, Co., Ltd.", "Ever Fortune AI Co., Ltd.", "Ever Fortune. AI Co., Ltd."),
])
def test_k1_spacing_punctuation_and_case(names: tuple[str, ...]) -> None:
    assert len({spelling(n).key for n in names}) == 1


@pytest.mark.parametrize(("a", "b"), [
    ("MRIguidance B.V", "MRIguidance B.V."),  # last dot missing
    ("Smart Soft Healthcare AD", "Smart Soft Healthcare"),  # Bulgarian AD
    ("COMPUMEDICS PTD LTD.", "Compumedics Limited"),  # "PTD" for "Pty"
    ("Coreline Soft Co.,Ltd", "Coreline Soft Co., Ltd."),
    ("7D Surgical ULC", "7D Surgical Inc."),
    ("Shenzhen Carewell Electronics., Ltd", "Shenzhen Carewell Electronics Co., Ltd."),
])
def test_k2_legal_forms_on_real_rows(a: str, b: str) -> None:
    assert spelling(a).key == spelling(b).key
    assert same(a, b)


@pytest.mark.parametrize(("name", "words"), [
    ("Esaote S.p.A.", ("esaote",)),
    ("VinBrain Joint Stock Company", ("vinbrain",)),
    ("Smart Alfa Teknoloji San. Ve Tic. A.S.", ("smart", "alfa", "teknoloji")),
    ("RaySearch Laboratories AB (publ)", ("raysearch", "laboratories")),
    ("composed: Foo Sp. z o.o.", ("composed", "foo")),
    ("composed: Bar EOOD", ("composed", "bar")),
])
def test_k2_legal_forms_of_many_countries(name: str, words: tuple[str, ...]) -> None:
    assert spelling(name).words == words


def test_k2_stored_keys_do_not_change() -> None:
    # the store's normalize_company keys stay as they were; the new key lives beside them
    assert normalize_company("Smart Soft Healthcare AD") == "smart soft healthcare ad"
    assert normalize_company("MRIguidance B.V") == "mriguidance b v"


@pytest.mark.parametrize(("a", "b"), [
    ("Medicrea International S.A.S. (Medtronic)", "MEDICREA INTERNATIONAL"),
    ("DIACOUSTIC MEDICAL (PTY)", "DIACOUSTIC MEDICAL DEVICES (PTY) LTD."),
    ("GE Healthcare (Tianjin) Company Limited", "GE Healthcare(Tianjin) Company Limited"),
])
def test_k3_parentheticals(a: str, b: str) -> None:
    assert same(a, b)


def test_k3_parenthetical_owner_is_not_the_company() -> None:
    # Medicrea (Medtronic) stays Medicrea: an owner in brackets is not a merge into the owner
    assert not same("Medicrea International S.A.S. (Medtronic)", "Medtronic, Inc.")
    assert spelling("composed: Baz Inc., a subsidiary of Qux").words == ("composed", "baz")


@pytest.mark.parametrize(("name", "own", "other"), [
    ("VGBio, Inc (DBA PhysIQ)", ("vgbio",), "PhysIQ"),
    ("Mint Labs, Inc., d/b/a. QMENTA", ("mint", "labs"), "QMENTA"),
    ("Nexsys Electronics Inc. dba Medweb", ("nexsys", "electronics"), "Medweb"),
    ("Eko.ai Pte. Ltd d/b/a Us2.ai", ("eko", "ai"), "Us2.ai"),
    ("MultiModal Imaging Services Corporation (dba HealthLytix)", ("multimodal", "imaging", "services"), "HealthLytix"),
    ("Springbok, Inc. (dba Springbok Analytics)", ("springbok",), "Springbok Analytics"),
])
def test_k4_dba_names(name: str, own: tuple[str, ...], other: str) -> None:
    sp = spelling(name)
    assert sp.words == own and sp.others == ((other, "brand"),)


def test_k4_formerly_gives_a_former_name() -> None:
    # composed: the FDA list has no "formerly" spelling
    sp = spelling("composed: Acme Imaging Inc. (formerly Acme Labs)")
    assert sp.words == ("composed", "acme", "imaging") and sp.others == (("Acme Labs", "former"),)


def test_k5_al_for_ai_and_k6_leading_city() -> None:
    assert same("MaxQ Al Ltd.", "MaxQ-Al Ltd.")
    assert spelling("MaxQ Al Ltd.").words == ("maxq", "ai")
    assert spelling("Xiamen Manteia Technology LTD.").words == ("manteia", "technology")
    assert same("Xiamen Manteia Technology LTD.", "Manteia Technologies Co., Ltd.")


# --- R rules: over the whole list -------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "company"), [
    ("Bay Labs, Inc.", "Caption Health, Inc.", "Caption Health"),
    ("HeartVista, Inc.", "Vista AI, Inc.", "Vista AI"),
    ("DIACARDIO, LTD.", "DiA Imaging Analysis Ltd", "DiA Imaging Analysis"),
    ("Perspectum Diagnostics Ltd", "Perspectum Ltd.", "Perspectum"),
    ("Matakina Technology LTD", "Volpara Health Technologies Limited", "Volpara Health"),
    ("Zebra Medical Vision Ltd.", "Nano-X AI Ltd.", "Nanox AI"),
    ("Eko Devices, Inc.", "Eko Health, Inc.", "Eko Health"),
    ("Iterative Scopes, Inc.", "Iterative Health", "Iterative Health"),
    ("IDx, LLC", "Digital Diagnostics Inc.", "Digital Diagnostics"),
])
def test_r2_renames_are_followed(old: str, new: str, company: str) -> None:
    assert same(old, new)
    assert fda_resolved()[old].company == company  # type: ignore[attr-defined]
    assert any(r.startswith("R2:") for r in fda_resolved()[old].rules)  # type: ignore[attr-defined]


def test_r3_a_dba_name_is_the_company() -> None:
    assert same("VGBio, Inc (DBA PhysIQ)", "physIQ, Inc")
    assert "R3" in fda_resolved()["physIQ, Inc"].rules  # type: ignore[attr-defined]


@pytest.mark.parametrize("names", [
    ("Exo Inc", "Exo Imaging"),
    ("Bunkerhill, Inc", "BunkerHill Health"),
    ("TechsoMed", "Techsomed Medical Technologies"),
    ("Hyperfine, Inc.", "Hyperfine Research, Inc"),
    ("Stryker Corp.", "Stryker Instruments"),
    ("Orthofix Srl", "Orthofix US LLC"),
])
def test_r4_descriptor_tails(names: tuple[str, ...]) -> None:
    assert same(*names)
    assert "R4" in fda_resolved()[names[-1]].rules  # type: ignore[attr-defined]


def test_r4_needs_nesting_descriptors_and_a_distinctive_core() -> None:
    names = ["Carestream", "Carestream Dental", "Carestream Health",  # composed bare name
             "Digital Health Inc", "Digital Diagnostics Inc.", "Eko Health", "Eko Devices",
             "Intelligent Ultrasound", "Intelligent Imaging"]
    res = resolve_companies(names, entries=())
    assert len({res[n].company_key for n in names}) == len(names)


@pytest.mark.parametrize(("typo", "right"), [
    ("Edwards Lifeciences, LLC", "Edwards Lifesciences LLC"),
    ("MRlguidance B.V.", "MRIguidance B.V."),
])
def test_r5_typos(typo: str, right: str) -> None:
    assert same(typo, right)
    assert "R5" in fda_resolved()[typo].rules  # type: ignore[attr-defined]


@pytest.mark.parametrize(("a", "b"), [
    ("Eko Health, Inc.", "Eko.ai Pte. Ltd. d/b/a Us2.ai"),
    ("Eko Devices Inc", "eko.ai Pte. Ltd. d/b/a Us2.ai"),
    ("Avicena, LLC", "Avicenna.AI"),
    ("Augmedics Ltd.", "Augmedit B.V."),
    ("InVision Medical Technology Corporation", "Infervision Medical Technology Co., Ltd."),
    ("CARESTREAM DENTAL LLC", "Carestream Health, Inc."),
    ("Circle Cardiovascular Imaging Inc.", "Circle Neurovascular Imaging, Inc"),
    ("VinBigData Joint Stock Company", "VinBrain Joint Stock Company"),
    ("Quantitative Insights, Inc", "Quantitative Radiology Solutions, LLC"),
    ("HeartFlow, Inc.", "HeartLung Corporation"),
    ("Tempus AI, Inc.", "Vista AI, Inc."),
])
def test_look_alikes_stay_apart(a: str, b: str) -> None:
    assert not same(a, b)


def test_look_alikes_stay_apart_without_the_alias_file() -> None:
    res = resolve_companies(["Avicena", "Avicenna", "Avicenna.AI", "Augmedics", "Augmedit",
                             "InVision", "Infervision", "Eko", "Eko.ai", "Eko Health"], entries=())
    assert len({r.company_key for r in res.values()}) == 10


def test_names_of_two_entries_never_merge() -> None:
    from tracker.products.companies import CompanyEntry

    names = ["Exo Inc", "Exo Imaging"]  # R4 joins them without entries
    assert len({r.company_key for r in resolve_companies(names, entries=()).values()}) == 1
    entries = (CompanyEntry(name="Exo"), CompanyEntry(name="Exo Imaging"))  # composed entries
    assert len({r.company_key for r in resolve_companies(names, entries=entries).values()}) == 2


@pytest.mark.parametrize(("name", "shown"), [
    ("MRIguidance B.V", "MRIguidance"),
    ("Smart Soft Healthcare AD", "Smart Soft Healthcare"),
    ("Medicrea International S.A.S. (Medtronic)", "Medicrea International"),
    ("Eko.ai Pte. Ltd d/b/a Us2.ai", "Eko.ai"),
    ("Qure.ai Technologies", "Qure.ai Technologies"),
])
def test_display_name(name: str, shown: str) -> None:
    assert display_name(name) == shown


# --- the labelled spellings -------------------------------------------------------------------

def test_gold_covers_every_fda_spelling_and_the_look_alikes() -> None:
    rows = [json.loads(line) for line in GOLD.read_text("utf-8").splitlines() if line.strip()]
    names = {r["name"] for r in rows}
    assert set(fda_spellings()) <= names
    extra = [r for r in rows if r.get("source") == "extra"]
    assert any("look-alike" in r["note"] for r in extra) and any("renamed" in r["note"] for r in extra)


def test_pair_recall_and_no_false_merge_on_the_fda_spellings() -> None:
    gold, problems = read_gold([GOLD])
    assert problems == []
    result = evaluate_companies(gold)
    assert result["false_merges"] == [], result["false_merges"]
    assert result["recall"] >= 0.98, result["missed"]
    assert result["gold_pairs"] > 700


def test_evaluation_counts_a_false_merge(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"name": "Exo Inc", "gold_company": "Exo"}\n'
                    '{"name": "Exo Imaging", "gold_company": "other"}\n'
                    '{"name": "Lunit Inc.", "gold_company": "Lunit"}\n'
                    '{"name": "LUNIT INC", "gold_company": "Lunit"}\n', encoding="utf-8")
    result = evaluate_companies(read_gold([gold])[0])
    assert [(f["a"], f["b"]) for f in result["false_merges"]] == [("Exo Imaging", "Exo Inc")]
    assert result["precision"] == 0.5 and result["recall"] == 1.0


# --- product resolution -----------------------------------------------------------------------

@pytest.fixture
def resolved_fda(engine, db: Session):  # type: ignore[no-untyped-def]
    from tracker.jobs.importers import import_fda_list
    from tracker.products.resolution import resolve_products

    import_fda_list(engine, path=FDA_XML, panel=None)
    return db, resolve_products(db)


def _company_of(db: Session, number: str) -> Company:
    reg = db.exec(select(Registration).where(Registration.number == number)).one()
    company = db.get(Company, reg.company_id)
    assert company is not None
    return company


def test_product_resolution_merges_spellings_and_follows_renames(resolved_fda) -> None:  # type: ignore[no-untyped-def]
    db, counts = resolved_fda
    assert counts["companies_merged"] > 0
    # Bay Labs' De Novo and Caption Health's clearances: one company, named Caption Health
    assert _company_of(db, "DEN190040").name == "Caption Health"
    assert _company_of(db, "K161382").name == "DiA Imaging Analysis"  # DIACARDIO, LTD.
    assert _company_of(db, "K153427").name == "Volpara Health"  # Matakina Technology LTD
    assert _company_of(db, "K183274").id == _company_of(db, "K251029").id  # HeartVista -> Vista AI
    # look-alikes stay apart
    assert _company_of(db, "K233409").id != _company_of(db, "K233676").id  # Eko Health vs Eko.ai
    companies = {c.normalized_name for c in db.exec(select(Company))}
    keys = {spelling(name).key for name in fda_spellings()}
    assert len(companies) < len(keys)
    # a d/b/a name is recorded as a brand alias of its company
    us2 = db.exec(select(CompanyAlias).where(CompanyAlias.alias == "Us2.ai")).one()
    assert us2.kind == "brand" and us2.company_id == _company_of(db, "K233676").id


def test_product_resolution_is_idempotent(resolved_fda) -> None:  # type: ignore[no-untyped-def]
    from tracker.products.companies import merge_company_groups

    db, _ = resolved_fda
    before = len(db.exec(select(Company)).all())
    again = merge_company_groups(db)
    assert again == {"companies_merged": 0, "companies_renamed": 0, "company_aliases_added": 0}
    assert len(db.exec(select(Company)).all()) == before


# --- the batch commands -----------------------------------------------------------------------

def test_resolve_companies_command(tmp_path: Path) -> None:
    from tracker.cli import app

    names = tmp_path / "names.jsonl"
    out = tmp_path / "out.jsonl"
    names.write_text('{"id": "a", "name": "Nano-X AI Ltd."}\n'
                     '{"name": "NanoxAI Ltd."}\n'
                     "not json\n"
                     '{"id": "c"}\n'
                     '{"id": 4, "name": "Eko.ai Pte. Ltd d/b/a Us2.ai"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["resolve-companies", "--names", str(names), "--out", str(out)])
    assert result.exit_code == 3
    assert f"{names}:3: not valid JSON" in result.output
    assert f"{names}:4: missing required field(s): name" in result.output
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", None, "4"]
    assert rows[0]["company_key"] == rows[1]["company_key"] != rows[2]["company_key"]
    assert rows[0]["company"] == "Nanox AI" and rows[2]["company"] == "Eko.ai"
    assert set(rows[0]) == {"id", "name", "company_key", "company"}


def test_eval_companies_command() -> None:
    from tracker.cli import app

    result = CliRunner().invoke(app, ["eval", "companies", "--gold", str(GOLD)])
    assert result.exit_code == 0, result.output
    assert "pair precision 1.000" in result.output and "false merges 0" in result.output
    as_json = CliRunner().invoke(app, ["eval", "companies", "--gold", str(GOLD), "--json"])
    data = json.loads(as_json.output)
    assert data["recall"] >= 0.98 and data["false_merges"] == []


def test_a_rebrand_between_two_merged_names_is_not_kept_as_a_self_event(db: Session) -> None:
    from tracker.db.models import CompanyEvent
    from tracker.products.companies import merge_company_groups
    from tracker.store.companies import find_company, get_or_create_company

    old = get_or_create_company(db, name="Matakina Technology LTD", source="fda_ai_list")
    new = get_or_create_company(db, name="Volpara Health Technologies Limited", source="fda_ai_list")
    buyer = get_or_create_company(db, name="Lunit Inc.", source="seed")
    db.add(CompanyEvent(event_type="rebrand", company_id=old.id or 0, counterparty_id=new.id,
                        natural_key="rebrand-test", origin="seed"))
    db.add(CompanyEvent(event_type="acquisition", company_id=new.id or 0, counterparty_id=buyer.id,
                        natural_key="acquisition-test", origin="seed"))
    db.flush()
    counts = merge_company_groups(db)
    assert counts["companies_merged"] == 1
    volpara = find_company(db, name="Matakina Technology LTD")
    assert volpara is not None and volpara.name == "Volpara Health"
    events = db.exec(select(CompanyEvent)).all()
    assert [(e.event_type, e.company_id, e.counterparty_id) for e in events] == [
        ("acquisition", volpara.id, buyer.id)]
    former = db.exec(select(CompanyAlias).where(CompanyAlias.company_id == volpara.id,
                                                CompanyAlias.kind == "former")).all()
    assert {a.alias for a in former} == {"Matakina Technology LTD"}  # the name as registered
