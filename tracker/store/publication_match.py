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

import math
import re
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, union_all
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


def _length_window(title: str) -> tuple[int, int]:
    """The lengths a stored title needs to reach the lowest fuzzy threshold against ``title``:
    rapidfuzz's ``ratio`` is ``200 * LCS / (len(a) + len(b))`` and the longest common
    subsequence is at most the shorter title, so a title much shorter or longer never
    matches (one character of slack either side)."""
    lowest = min(FUZZY_WITH_AUTHOR, FUZZY_NO_AUTHOR)
    n = len(title)
    return math.floor(n * lowest / (200 - lowest)) - 1, math.ceil(n * (200 - lowest) / lowest) + 1


def _other_version(session: Session, record: PublicationRecord, title: str) -> Publication | None:
    """The stored paper of the other kind (preprint or journal) whose title is close enough.

    Candidates: the other kind, a year within ``YEAR_GAP`` (or none), the record's two longest
    words and each of its numbers in the title, a title length that can reach the threshold
    (each a condition every match meets: ``titles_match``). The index
    ``ix_publication_version_match`` (is_preprint, year, normalized_title) holds every
    column these need, so the store reads a range of it instead of the whole table (the
    papers without a year are a second, small range); only the titles that pass the numbers
    and the lowest threshold have their PMIDs and authors read from the table."""
    words = sorted((w for w in title.split() if w not in _STOP), key=len, reverse=True)[:2]
    numbers = _numbers(title)
    shortest, longest = _length_window(title)
    query = select(Publication.id, Publication.normalized_title).where(
        Publication.is_preprint == (not record.is_preprint),
        func.length(Publication.normalized_title).between(shortest, longest))
    # the two longest words, and every number (titles that differ in a number never match)
    for word in [*words, *sorted(numbers)]:
        query = query.where(col(Publication.normalized_title).contains(word))
    statement: Any = query
    if record.year is not None:
        statement = union_all(  # one index range per branch (an OR would read the whole kind)
            query.where(col(Publication.year).between(record.year - YEAR_GAP, record.year + YEAR_GAP)),
            query.where(col(Publication.year).is_(None)))
    lowest = min(FUZZY_WITH_AUTHOR, FUZZY_NO_AUTHOR)
    close = {pid: other for pid, other in session.execute(statement)
             if _numbers(other) == numbers and fuzz.ratio(title, other) >= lowest}
    if not close:
        return None
    found = session.execute(select(Publication.id, Publication.pmid, Publication.authors)
                            .where(col(Publication.id).in_(list(close)))
                            .order_by(col(Publication.id))).all()
    surname = first_author_surname(record.authors)
    best: tuple[float, Any] | None = None
    for pid, pmid, authors in found:  # in id order: a tie goes to the first stored
        if record.pmid and pmid and record.pmid != pmid:
            continue
        other = close[pid]
        other_surname = first_author_surname(authors or [])
        same_author = None if surname is None or other_surname is None else surname == other_surname
        if titles_match(title, other, same_first_author=same_author):
            score = fuzz.ratio(title, other)
            if best is None or score > best[0]:
                best = (score, pid)
    return session.get(Publication, best[1]) if best else None


def find_publication(session: Session, *, record: PublicationRecord) -> Publication | None:
    """The stored paper this record describes, or None (see the module docstring)."""
    row = _by_ids(session, record)
    if row is not None:
        return row
    title = normalize_title(record.title)
    if len(title) < 20:
        return None
    return _same_title(session, record, title) or _other_version(session, record, title)
