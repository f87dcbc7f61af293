"""De-duplication: one publication per paper across sources, runs, preprint and journal versions."""

from __future__ import annotations

from sqlmodel import select

from tracker.db.models import Publication, PublicationSource
from tracker.parsers.europepmc import EuropePmcRecord
from tracker.records import Author, PublicationRecord
from tracker.store import Outcome, save_record
from tracker.store.publications import publication_sources

TITLE = "Stand-alone artificial intelligence for breast cancer detection in mammography: comparison with 101 radiologists"


def pubmed(**kw: object) -> PublicationRecord:
    base = dict(source="pubmed", external_id="30834436", pmid="30834436", doi="10.1093/jnci/djy222",
                title=TITLE, year=2019, journal="J Natl Cancer Inst", abstract="Journal abstract.",
                authors=[Author(name="A Rodriguez-Ruiz"), Author(name="K Lång")])
    base.update(kw)
    return PublicationRecord(**base)  # type: ignore[arg-type]


def preprint(**kw: object) -> EuropePmcRecord:
    base = dict(source="europepmc", external_id="PPR:PPR9834436", doi="10.5555/preprint.1", is_preprint=True,
                title=TITLE.replace(" in ", " among "), year=2018, journal="medRxiv",
                abstract="Preprint abstract.", authors=[Author(name="Alejandro Rodriguez-Ruiz")])
    base.update(kw)
    return EuropePmcRecord(**base)  # type: ignore[arg-type]


def test_pubmed_and_europepmc_copies_are_one_publication(db) -> None:  # type: ignore[no-untyped-def]
    assert save_record(db, record=pubmed()) is Outcome.NEW
    epmc = EuropePmcRecord(source="europepmc", external_id="MED:30834436", pmid="30834436",
                           pmcid="PMC6748773", title=TITLE, year=2019)
    assert save_record(db, record=epmc) is Outcome.UPDATED
    row = db.exec(select(Publication)).one()
    assert row.pmcid == "PMC6748773"
    assert publication_sources(db, publication_id=row.id) == ["europepmc", "pubmed"]


def test_preprint_linked_by_pmid_merges_and_published_fields_win(db) -> None:  # type: ignore[no-untyped-def]
    assert save_record(db, record=preprint(published_pmid="30834436")) is Outcome.NEW
    assert save_record(db, record=pubmed()) is Outcome.UPDATED
    row = db.exec(select(Publication)).one()
    assert (row.title, row.year, row.journal, row.abstract) == (TITLE, 2019, "J Natl Cancer Inst", "Journal abstract.")
    assert row.doi == "10.1093/jnci/djy222" and row.is_preprint is False
    assert db.exec(select(PublicationSource)).all().__len__() == 2


def test_preprint_without_link_merges_by_close_title(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=pubmed())
    assert save_record(db, record=preprint()) is Outcome.UPDATED
    row = db.exec(select(Publication)).one()
    assert row.title == TITLE and row.abstract == "Journal abstract."  # the preprint does not overwrite


def test_preprint_first_then_published_without_link(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=preprint())
    save_record(db, record=pubmed())
    row = db.exec(select(Publication)).one()
    assert row.pmid == "30834436" and row.doi == "10.1093/jnci/djy222" and not row.is_preprint


def test_similar_titles_of_two_papers_stay_apart(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=pubmed(title="Deep learning detection of intracranial haemorrhage on head CT: "
                                        "a multicentre validation", external_id="1", pmid="1", doi=None))
    save_record(db, record=pubmed(title="Deep learning detection of intracranial haemorrhage on head CT: "
                                        "a single-centre validation", external_id="2", pmid="2", doi=None,
                                  year=2020))
    assert len(db.exec(select(Publication)).all()) == 2


def test_preprint_by_other_authors_with_a_similar_title_stays_apart(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=pubmed())
    save_record(db, record=preprint(authors=[Author(name="J Smith")]))
    assert len(db.exec(select(Publication)).all()) == 2


def test_titles_differing_in_a_number_stay_apart(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=pubmed())
    save_record(db, record=preprint(title=TITLE.replace("101", "14")))
    assert len(db.exec(select(Publication)).all()) == 2


def test_same_title_different_pmids_stay_apart(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=pubmed())
    save_record(db, record=pubmed(external_id="999", pmid="999", doi=None))
    assert len(db.exec(select(Publication)).all()) == 2


def test_second_run_changes_nothing(db) -> None:  # type: ignore[no-untyped-def]
    save_record(db, record=pubmed())
    save_record(db, record=preprint(published_pmid="30834436"))
    assert save_record(db, record=pubmed()) is Outcome.UNCHANGED
    assert save_record(db, record=preprint(published_pmid="30834436")) is Outcome.UNCHANGED
