"""Which stored publication a paper record describes (the de-duplication rules).

In order, the first that answers wins:

1. the record's own ids: PMID, then DOI (lower-cased, without resolver prefix), then PMCID;
2. for a preprint, the ids of its published version that the source names (Europe PMC's
   "Preprint of" link: ``published_pmid`` / ``published_doi``);
3. the same normalised title (folded: case, accents, punctuation) and the same year, unless
   the two carry different PMIDs, or different DOIs while neither is a preprint;
4. preprint <-> published version without a link: exactly one of the two is a preprint,
   years at most ``YEAR_GAP`` apart, no conflicting PMIDs, and the normalised titles are
   close (rapidfuzz ``ratio`` >= ``FUZZY_WITH_AUTHOR`` when both first authors' surnames are
   known and equal, >= ``FUZZY_NO_AUTHOR`` when one side has no authors; different first
   authors never merge). Titles that differ in a number never merge.

Two published papers are merged only by ids or an identical title and year: similar titles
of two journal papers (a "multicentre" and a "single-centre" validation of the same product,
say) stay two publications.
"""

from __future__ import annotations

import re
from typing import Any

from rapidfuzz import fuzz
from sqlmodel import Session, col, select

from tracker.db.models import Publication
from tracker.names import fold
from tracker.records import PublicationRecord

YEAR_GAP = 2
FUZZY_WITH_AUTHOR = 90.0
FUZZY_NO_AUTHOR = 96.0
_STOP = frozenset(["a", "an", "and", "the", "of", "in", "on", "for", "with", "to", "by", "from", "at", "as", "is", "are", "vs", "versus", "using"])


def normalize_title(title: str) -> str:
    return fold(title)


def normalize_doi(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip().lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:"):
        if doi.startswith(prefix):
            doi = doi[len(prefix):]
    return doi or None


def first_author_surname(authors: list[Any]) -> str | None:
    """Folded last word of the first author's name (records hold ``Author``, rows dicts)."""
    if not authors:
        return None
    first = authors[0]
    name = first.get("name") if isinstance(first, dict) else getattr(first, "name", "")
    words = fold(name or "").split()
    return words[-1] if words else None


def _numbers(title: str) -> set[str]:
    return set(re.findall(r"\d+", title))


def titles_match(a: str, b: str, *, same_first_author: bool | None) -> bool:
    """Are two normalised titles one paper's (preprint and published version)?"""
    if same_first_author is False or _numbers(a) != _numbers(b):
        return False
    threshold = FUZZY_WITH_AUTHOR if same_first_author else FUZZY_NO_AUTHOR
    return fuzz.ratio(a, b) >= threshold


def _by_ids(session: Session, record: PublicationRecord) -> Publication | None:
    pairs = [(Publication.pmid, record.pmid), (Publication.doi, normalize_doi(record.doi)),
             (Publication.pmcid, record.pmcid),
             (Publication.pmid, getattr(record, "published_pmid", None)),
             (Publication.doi, normalize_doi(getattr(record, "published_doi", None)))]
    for column, value in pairs:
        if value:
            row = session.exec(select(Publication).where(column == value)).first()
            if row is not None:
                return row
    return None


def _same_title(session: Session, record: PublicationRecord, title: str) -> Publication | None:
    doi = normalize_doi(record.doi)
    for row in session.exec(select(Publication).where(Publication.normalized_title == title)
                            .order_by(col(Publication.id))).all():  # the first stored wins
        same_year = row.year is None or record.year is None or row.year == record.year
        conflicting = (record.pmid and row.pmid and record.pmid != row.pmid) or (
            doi and row.doi and doi != row.doi and not (row.is_preprint or record.is_preprint))
        if same_year and not conflicting:
            return row
    return None


def _other_version(session: Session, record: PublicationRecord, title: str) -> Publication | None:
    words = sorted((w for w in title.split() if w not in _STOP), key=len, reverse=True)[:2]
    query = select(Publication).where(Publication.is_preprint == (not record.is_preprint))
    for word in words:
        query = query.where(col(Publication.normalized_title).contains(word))
    if record.year is not None:
        query = query.where((col(Publication.year).is_(None)) |
                            (col(Publication.year).between(record.year - YEAR_GAP, record.year + YEAR_GAP)))
    surname = first_author_surname(record.authors)
    best: tuple[float, Publication] | None = None
    for row in session.exec(query.order_by(col(Publication.id))).all():  # a tie: the first stored
        if record.pmid and row.pmid and record.pmid != row.pmid:
            continue
        other = first_author_surname(row.authors or [])
        same_author = None if surname is None or other is None else surname == other
        if titles_match(title, row.normalized_title, same_first_author=same_author):
            score = fuzz.ratio(title, row.normalized_title)
            if best is None or score > best[0]:
                best = (score, row)
    return best[1] if best else None


def find_publication(session: Session, *, record: PublicationRecord) -> Publication | None:
    """The stored paper this record describes, or None (see the module docstring)."""
    row = _by_ids(session, record)
    if row is not None:
        return row
    title = normalize_title(record.title)
    if len(title) < 20:
        return None
    return _same_title(session, record, title) or _other_version(session, record, title)
