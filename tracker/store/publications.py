"""Publications: one row per paper whichever sources found it, every source's copy kept.

Matching rules live in ``tracker.store.publication_match`` (ids first, then normalised title
and year, then preprint <-> published version). Each source's copy is kept in
``PublicationSource`` (one row per source and external id). When a published version meets
its preprint, the published version's fields and DOI win; a preprint never overwrites a
published version's fields (it only fills gaps).

A source copy without an id in its source (a record of the recorded snapshot that has no
real one) is kept under ``record:publication/<id>``, a reference to the store, not an
upstream id. A publication is ``composed`` when every source copy is.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from typing import Any

from sqlmodel import Session, select

from tracker.db.models import Publication, PublicationSource
from tracker.records import PublicationRecord, utcnow
from tracker.store import Outcome, register_saver
from tracker.store.provenance import publication_composed
from tracker.store.publication_match import find_publication, normalize_doi, normalize_title

__all__ = ["find_publication", "normalize_doi", "normalize_title", "publication_sources",
           "upsert_publication"]

log = logging.getLogger(__name__)

_FIELDS = (
    "title", "abstract", "abstract_sections", "year", "pub_date", "journal", "authors",
    "publication_types", "mesh", "keywords", "grants", "conflicts", "language",
)


def _record_values(record: PublicationRecord) -> dict[str, Any]:
    values: dict[str, Any] = {f: getattr(record, f) for f in _FIELDS}
    values["authors"] = [asdict(a) for a in record.authors]
    values["affiliations"] = record.affiliations
    return values


def _record_ids(record: PublicationRecord) -> dict[str, Any]:
    """The paper's ids; a preprint that names its published version takes that version's."""
    published_pmid = getattr(record, "published_pmid", None)
    published_doi = normalize_doi(getattr(record, "published_doi", None))
    return {"pmid": record.pmid or published_pmid,
            "doi": published_doi or normalize_doi(record.doi),
            "pmcid": record.pmcid}


def _id_free(session: Session, *, name: str, value: str, row: Publication) -> bool:
    column = getattr(Publication, name)
    other = session.exec(select(Publication).where(column == value)).first()
    if other is not None and other.id != row.id:
        log.warning("publication %s keeps %s; %s=%s already belongs to publication %s",
                    row.id, name, name, value, other.id)
        return False
    return True


def upsert_publication(session: Session, *, record: PublicationRecord) -> Outcome:
    """Insert a paper or merge this source's copy into the stored one."""
    row = find_publication(session, record=record)
    values = _record_values(record)
    ids = _record_ids(record)
    if row is None:
        row = Publication(**ids, normalized_title=normalize_title(record.title),
                          is_preprint=record.is_preprint, is_retracted=record.is_retracted,
                          source=record.source, source_url=record.source_url,
                          fetched_at=record.fetched_at, content_hash=record.digest(), **values)
        session.add(row)
        session.flush()
        _save_source_copy(session, publication=row, record=record)
        row.composed = publication_composed(session, publication_id=row.id or 0)
        session.add(row)
        session.flush()
        return Outcome.NEW
    changed = False
    prefer_new = row.is_preprint and not record.is_preprint
    for name, value in ids.items():
        current = getattr(row, name)
        replace = not current or (prefer_new and name == "doi" and record.doi)
        if value and value != current and replace and _id_free(session, name=name, value=value, row=row):
            setattr(row, name, value)
            changed = True
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
    composed = publication_composed(session, publication_id=row.id or 0)
    if row.composed != composed:
        row.composed = composed
        changed = True
    if not changed and not source_new:
        return Outcome.UNCHANGED
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return Outcome.UPDATED


def _save_source_copy(session: Session, *, publication: Publication, record: PublicationRecord) -> bool:
    external_id = record.external_id or f"record:publication/{publication.id}"
    existing = session.exec(
        select(PublicationSource).where(PublicationSource.source == record.source,
                                        PublicationSource.external_id == external_id)
    ).first()
    digest = record.digest()
    if existing is not None:
        if (existing.content_hash == digest and existing.publication_id == publication.id
                and existing.source_url == record.source_url and existing.composed == record.composed):
            return False
        existing.raw, existing.content_hash, existing.composed = record.raw, digest, record.composed
        existing.fetched_at, existing.source_url = record.fetched_at, record.source_url
        existing.publication_id = publication.id or existing.publication_id
        session.add(existing)
        return True
    session.add(PublicationSource(publication_id=publication.id or 0, source=record.source,
                                  external_id=external_id, source_url=record.source_url,
                                  fetched_at=record.fetched_at, raw=record.raw,
                                  content_hash=digest, composed=record.composed))
    session.flush()
    return True


@register_saver(PublicationRecord)
def _save_publication(record: PublicationRecord, session: Session) -> Outcome:
    return upsert_publication(session, record=record)


def publication_sources(session: Session, *, publication_id: int) -> list[str]:
    rows = session.exec(select(PublicationSource.source)
                        .where(PublicationSource.publication_id == publication_id))
    return sorted(set(rows))
