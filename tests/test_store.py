"""Idempotent upserts on natural keys; company spellings resolve to one company."""

from datetime import date
from pathlib import Path

from sqlmodel import select

from tracker.db.models import Company, Publication, PublicationSource, Registration
from tracker.jobs.importers import import_fda_list
from tracker.records import Author, NewsRecord, PublicationRecord, RegistrationRecord
from tracker.store import Outcome, save_record
from tracker.store.companies import find_company, get_or_create_company
from tracker.store.stats import table_counts

ROOT = Path(__file__).resolve().parents[1]
FDA_CSV = ROOT / "data" / "snapshot" / "fda" / "ai-ml-enabled-devices.csv"


def _reg(**kw: object) -> RegistrationRecord:
    base = dict(source="test", regulator="FDA", kind="510(k)", number="K123456",
                device_name="Rapid LVO", applicant="iSchemaView, Inc.", decision_date=date(2020, 1, 2))
    base.update(kw)
    return RegistrationRecord(**base)  # type: ignore[arg-type]


def test_registration_upsert_is_idempotent(db) -> None:  # type: ignore[no-untyped-def]
    assert save_record(db, record=_reg()) is Outcome.NEW
    assert save_record(db, record=_reg()) is Outcome.UNCHANGED
    assert save_record(db, record=_reg(product_code="QIH")) is Outcome.UPDATED
    # an empty field from a later source never erases a stored one
    assert save_record(db, record=_reg(product_code=None)) is Outcome.UNCHANGED
    rows = db.exec(select(Registration)).all()
    assert len(rows) == 1 and rows[0].product_code == "QIH"


def test_company_spellings_are_one_company(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=_reg(number="K111111", applicant="iSchemaView, Inc."))
    save_record(db, record=_reg(number="K222222", applicant="iSchemaView Inc."))
    companies = db.exec(select(Company)).all()
    assert len(companies) == 1
    regs = db.exec(select(Registration)).all()
    assert {r.company_id for r in regs} == {companies[0].id}


def test_alias_resolves_brand_to_legal_company(db) -> None:  # type: ignore[no-untyped-def]
    from tracker.store.companies import add_company_alias

    company = get_or_create_company(db, name="iSchemaView, Inc.")
    assert add_company_alias(db, company=company, alias="RapidAI", kind="brand")
    assert find_company(db, name="RapidAI").id == company.id  # type: ignore[union-attr]
    assert not add_company_alias(db, company=company, alias="RapidAI, Inc.")  # same key


def test_import_same_file_twice_adds_no_rows(engine) -> None:  # type: ignore[no-untyped-def]
    from tracker.db.engine import session

    first = import_fda_list(engine, path=FDA_CSV)
    assert first.counts["new"] == 1164 and not first.problems
    with session(engine) as s:
        before = table_counts(s)
    second = import_fda_list(engine, path=FDA_CSV)
    assert second.counts["unchanged"] == 1164 and second.counts["new"] == 0
    with session(engine) as s:
        assert table_counts(s) == before


def test_malformed_row_is_reported_with_its_line_and_skipped(engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    lines = FDA_CSV.read_text("utf-8").splitlines()
    radiology = [ln for ln in lines[1:] if ",Radiology," in ln][:3]
    broken = radiology[1].replace(radiology[1].split(",")[1], "NOT-A-NUMBER", 1)
    path = tmp_path / "list.csv"
    path.write_text("\n".join([lines[0], radiology[0], broken, radiology[2]]) + "\n", "utf-8")
    result = import_fda_list(engine, path=path)
    assert result.counts["new"] == 2
    assert len(result.problems) == 1 and result.problems[0].startswith("line 3:")


def test_publication_from_two_sources_is_one_row(db) -> None:  # type: ignore[no-untyped-def]
    pubmed = PublicationRecord(source="pubmed", external_id="31000001", pmid="31000001",
                               title="Stand-alone AI for breast cancer detection in screening",
                               year=2019, authors=[Author(name="Doe J", affiliations=["Radboud"])])
    epmc = PublicationRecord(source="europepmc", external_id="MED:31000001", pmid="31000001",
                             doi="10.1000/XYZ", title=pubmed.title, year=2019)
    assert save_record(db, record=pubmed) is Outcome.NEW
    assert save_record(db, record=epmc) is Outcome.UPDATED
    assert save_record(db, record=epmc) is Outcome.UNCHANGED
    pubs = db.exec(select(Publication)).all()
    assert len(pubs) == 1 and pubs[0].doi == "10.1000/xyz" and pubs[0].affiliations == ["Radboud"]
    assert {s.source for s in db.exec(select(PublicationSource))} == {"pubmed", "europepmc"}


def test_news_item_once_per_url(db) -> None:  # type: ignore[no-untyped-def]
    rec = NewsRecord(source="news", url="https://example.org/a", title="RadNet acquires Aidence")
    assert save_record(db, record=rec) is Outcome.NEW
    assert save_record(db, record=rec) is Outcome.UNCHANGED


def test_sqlite_runs_in_wal_mode_with_foreign_keys(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_match_the_models(engine) -> None:  # type: ignore[no-untyped-def]
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from tracker.db.models import metadata

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == [], "run scripts/regen_initial_migration.py (or add a migration)"


def test_event_company_names_resolve_through_the_lookup_given(db) -> None:  # type: ignore[no-untyped-def]
    """The store resolves event names exactly unless a higher layer installed its lookup
    (the market's fuzzy resolver); it never imports the market itself."""
    from tracker.db.models import CompanyEvent
    from tracker.market.resolve import resolve_companies
    from tracker.records import EventRecord
    from tracker.store.events import ExactCompanies, company_lookup

    aidoc = get_or_create_company(db, name="Aidoc Medical, Ltd.", source="test")
    assert isinstance(company_lookup(db), ExactCompanies)
    event = EventRecord(source="seed", event_type="funding", company="Aidoc", event_date=date(2021, 1, 1),
                        origin="seed")
    assert save_record(db, record=event) is Outcome.NEW
    exact = db.exec(select(CompanyEvent)).one()
    assert exact.company_id != aidoc.id  # "Aidoc" is not an alias yet: a new company

    kheiron = get_or_create_company(db, name="Kheiron Medical Technologies", source="test")
    resolve_companies(db)
    later = EventRecord(source="seed", event_type="funding", company="Kheiron", origin="seed",
                        event_date=date(2022, 1, 1))
    assert save_record(db, record=later) is Outcome.NEW
    fuzzy = db.exec(select(CompanyEvent).where(CompanyEvent.id != exact.id)).one()
    assert fuzzy.company_id == kheiron.id  # the market's resolver: "Kheiron" is Kheiron Medical Technologies
