"""Queries generated from the store (and the command that shows them), paper statistics."""

from __future__ import annotations

import json

from sqlmodel import Session
from typer.testing import CliRunner

from tracker.cli import app
from tracker.db.models import Product, ProductAlias
from tracker.literature.queries import build_query, clean_company, joined_queries
from tracker.literature.stats import publications_by
from tracker.names import normalize_product
from tracker.parsers.europepmc import EuropePmcRecord
from tracker.records import PublicationRecord
from tracker.store import save_record
from tracker.store.companies import add_company_alias, get_or_create_company


def rapid():  # type: ignore[no-untyped-def]
    return build_query(slug="rapid-ctp", product="RAPID", aliases=["RAPID CTP"], company="iSchemaView, Inc.",
                       company_aliases=["RapidAI"])


def test_company_names_lose_their_legal_form() -> None:
    assert [clean_company(n) for n in ("Viz.ai, Inc.", "Siemens Healthcare GmbH", "Aidence B.V.")] == \
        ["Viz.ai", "Siemens Healthcare", "Aidence"]


def test_one_word_names_need_the_company() -> None:
    assert '("RAPID"[tiab] AND ("iSchemaView"[tiab] OR "RapidAI"[tiab]))' in rapid().query("pubmed")


def test_multi_word_names_stand_alone() -> None:
    assert rapid().query("pubmed").startswith('("RAPID CTP"[tiab] OR ')


def test_company_affiliations_with_ai_terms() -> None:
    assert '"RapidAI"[ad]' in rapid().query("pubmed") and '"deep learning"[tiab]' in rapid().query("pubmed")


def test_imaging_terms_close_the_query() -> None:
    assert rapid().query("pubmed").endswith('"Diagnostic Imaging"[mh] OR "Radiology"[mh])')


def test_europepmc_syntax() -> None:
    query = rapid().query("europepmc")
    assert 'TITLE_ABS:"RAPID CTP"' in query and 'AFF:"RapidAI"' in query and "[tiab]" not in query


def test_joined_queries_keep_every_product_within_the_length_limit() -> None:
    queries = [build_query(slug=f"p{i}", product=f"Product {i}", aliases=[], company=f"Vendor {i}",
                           company_aliases=[]) for i in range(60)]
    joined = joined_queries(queries, source="pubmed", max_chars=2500)
    assert len(joined) > 1 and all(len(term) <= 2500 for term in joined)
    assert all(any(f'"Product {i}"[tiab]' in term for term in joined) for i in range(60))


def seed(db: Session) -> None:
    company = get_or_create_company(db, name="Lunit Inc.")
    add_company_alias(db, company=company, alias="Lunit Corporation Korea")
    product = Product(slug="lunit-insight-cxr", company_id=company.id or 0, name="Lunit INSIGHT CXR",
                      normalized_name=normalize_product("Lunit INSIGHT CXR"))
    db.add(product)
    db.flush()
    db.add(ProductAlias(product_id=product.id or 0, alias="INSIGHT CXR", normalized="insight cxr"))
    db.commit()


def test_queries_command_prints_a_products_query(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    seed(db)
    result = CliRunner().invoke(app, ["queries", "--product", "lunit-insight-cxr", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# lunit-insight-cxr: Lunit INSIGHT CXR (Lunit Inc.)")
    assert '"Lunit INSIGHT CXR"[tiab] OR "INSIGHT CXR"[tiab]' in result.output


def test_queries_command_json(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    seed(db)
    result = CliRunner().invoke(app, ["queries", "--json", "--source", "europepmc", "--database-url", db_url])
    data = json.loads(result.output)
    assert data[0]["company_names"] == ["Lunit", "Lunit Corporation Korea"]
    assert data[0]["query"].startswith('(TITLE_ABS:"Lunit INSIGHT CXR"')


def test_queries_command_unknown_product(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["queries", "--product", "nope", "--database-url", db_url])
    assert result.exit_code == 1


def test_paper_stats_by_source_year_and_journal(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=PublicationRecord(source="pubmed", external_id="1", pmid="1", title="A paper about CT triage",
                                             year=2021, journal="Radiology"))
    save_record(db, record=EuropePmcRecord(source="europepmc", external_id="MED:1", pmid="1",
                                           title="A paper about CT triage", year=2021, journal="Radiology"))
    save_record(db, record=EuropePmcRecord(source="europepmc", external_id="PPR:PPR1", is_preprint=True,
                                           title="A preprint about MRI segmentation", year=2023, journal="medRxiv"))
    stats = publications_by(db)
    assert stats["by_source"] == {"europepmc": 2, "pubmed": 1, "found by several sources": 1,
                                  "preprints only": 1, "retracted": 0}
    assert stats["by_year"] == {"2021": 1, "2023": 1}
    assert stats["by_journal"] == {"Radiology": 1, "medRxiv": 1}


def test_stats_command_shows_paper_sections(db, db_url: str) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=PublicationRecord(source="pubmed", external_id="1", pmid="1", title="A paper about CT",
                                             year=2021, journal="Radiology"))
    db.commit()
    result = CliRunner().invoke(app, ["stats", "--database-url", db_url])
    assert result.exit_code == 0, result.output
    assert "Papers by source" in result.output and "Papers by journal" in result.output


def test_ordinary_phrases_need_the_company() -> None:
    query = build_query(slug="x", product="Pericardial effusion", aliases=["V6.0", "Brainlab Elements (7.0); RT"],
                        company="Aidoc Medical, Ltd.", company_aliases=[])
    assert query.names == [] and query.names_needing_company == ["Pericardial effusion", "V6.0"]
    assert query.skipped_names == ["Brainlab Elements (7.0); RT"]


def test_acronyms_digits_and_company_words_make_names_distinctive() -> None:
    query = build_query(slug="x", product="Lunit INSIGHT CXR", aliases=["AI4CMR", "Caption Guidance"],
                        company="Caption Health", company_aliases=["Lunit"])
    assert query.names == ["Lunit INSIGHT CXR", "AI4CMR", "Caption Guidance"]
