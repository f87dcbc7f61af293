"""Publications: one row per paper whichever sources found it.

Matching order (see ``find_publication``): PMID, then DOI, then PMCID, then the normalised
title with the same year. Each source's copy is kept in ``PublicationSource``.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlmodel import Session, select

from tracker.db.models import Publication, PublicationSource
from tracker.names import fold
from tracker.records import PublicationRecord, utcnow
from tracker.store import Outcome, register_saver

_FIELDS = (
    "title", "abstract", "abstract_sections", "year", "pub_date", "journal", "authors",
    "publication_types", "mesh", "keywords", "grants", "conflicts", "language",
)


def normalize_title(title: str) -> str:
    return fold(title)


def normalize_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "http://dx.doi.org/", "doi:"):
        if doi.startswith(prefix):
            doi = doi[len(prefix):]
    return doi or None


def find_publication(session: Session, *, record: PublicationRecord) -> Publication | None:
    """The stored paper this record describes, by ids first, then title and year."""
    doi = normalize_doi(record.doi)
    for column, value in ((Publication.pmid, record.pmid), (Publication.doi, doi),
                          (Publication.pmcid, record.pmcid)):
        if value:
            row = session.exec(select(Publication).where(column == value)).first()
            if row is not None:
                return row
    title = normalize_title(record.title)
    if len(title) < 20:
        return None
    candidates = session.exec(
        select(Publication).where(Publication.normalized_title == title)
    ).all()
    for row in candidates:
        same_year = row.year is None or record.year is None or row.year == record.year
        conflicting_ids = (record.pmid and row.pmid and record.pmid != row.pmid) or (
            doi and row.doi and doi != row.doi and not (row.is_preprint or record.is_preprint))
        if same_year and not conflicting_ids:
            return row
    return None


def _record_values(record: PublicationRecord) -> dict[str, object]:
    values: dict[str, object] = {f: getattr(record, f) for f in _FIELDS}
    values["authors"] = [asdict(a) for a in record.authors]
    values["affiliations"] = record.affiliations
    return values


def upsert_publication(session: Session, *, record: PublicationRecord) -> Outcome:
    """Insert a paper or merge this source's copy into the stored one."""
    row = find_publication(session, record=record)
    values = _record_values(record)
    doi = normalize_doi(record.doi)
    if row is None:
        row = Publication(pmid=record.pmid, doi=doi, pmcid=record.pmcid,
                          normalized_title=normalize_title(record.title),
                          is_preprint=record.is_preprint, is_retracted=record.is_retracted,
                          source=record.source, source_url=record.source_url,
                          fetched_at=record.fetched_at, content_hash=record.digest(), **values)
        session.add(row)
        session.flush()
        _save_source_copy(session, publication=row, record=record)
        return Outcome.NEW
    changed = False
    # Ids fill in; a published version's record wins over its preprint's.
    for name, value in (("pmid", record.pmid), ("doi", doi), ("pmcid", record.pmcid)):
        if value and not getattr(row, name):
            setattr(row, name, value)
            changed = True
    prefer_new = row.is_preprint and not record.is_preprint
    for name, value in values.items():
        current = getattr(row, name)
        if value in (None, "", []):
            continue
        if current in (None, "", []) or (prefer_new and current != value):
            setattr(row, name, value)
            changed = True
    if prefer_new:
        row.is_preprint = False
        row.normalized_title = normalize_title(row.title)
        changed = True
    if record.is_retracted and not row.is_retracted:
        row.is_retracted = True
        changed = True
    source_new = _save_source_copy(session, publication=row, record=record)
    if not changed and not source_new:
        return Outcome.UNCHANGED
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return Outcome.UPDATED


def _save_source_copy(session: Session, *, publication: Publication, record: PublicationRecord) -> bool:
    existing = session.exec(
        select(PublicationSource).where(PublicationSource.source == record.source,
                                        PublicationSource.external_id == record.external_id)
    ).first()
    digest = record.digest()
    if existing is not None:
        if existing.content_hash == digest:
            return False
        existing.raw, existing.content_hash = record.raw, digest
        existing.fetched_at = record.fetched_at
        session.add(existing)
        return True
    session.add(PublicationSource(publication_id=publication.id or 0, source=record.source,
                                  external_id=record.external_id, source_url=record.source_url,
                                  fetched_at=record.fetched_at, raw=record.raw,
                                  content_hash=digest))
    session.flush()
    return True


@register_saver(PublicationRecord)
def _save_publication(record: PublicationRecord, session: Session) -> Outcome:
    return upsert_publication(session, record=record)


def publication_sources(session: Session, *, publication_id: int) -> list[str]:
    rows = session.exec(select(PublicationSource.source)
                        .where(PublicationSource.publication_id == publication_id))
    return sorted(set(rows))
