"""Paper counts for ``tracker stats``: by source, by year and by journal.

"By source" counts publications (not copies) each source has found, so a paper found by
PubMed and by Europe PMC counts once under each and once in "in both".
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from tracker.db.models import Publication, PublicationSource

TOP_JOURNALS = 15


def publications_by(session: Session) -> dict[str, Any]:
    """Publications per source, per year and per journal (the ``TOP_JOURNALS`` largest)."""
    by_source = dict(session.exec(
        select(PublicationSource.source, func.count(func.distinct(PublicationSource.publication_id)))
        .group_by(col(PublicationSource.source))).all())
    per_paper = (select(PublicationSource.publication_id)
                 .group_by(col(PublicationSource.publication_id))
                 .having(func.count(func.distinct(PublicationSource.source)) > 1))
    in_several = session.exec(select(func.count()).select_from(per_paper.subquery())).one()
    by_year = {str(y): n for y, n in session.exec(
        select(Publication.year, func.count()).where(col(Publication.year).is_not(None))
        .group_by(col(Publication.year)).order_by(col(Publication.year))).all()}
    journals = session.exec(
        select(Publication.journal, func.count().label("n")).where(col(Publication.journal).is_not(None))
        .group_by(col(Publication.journal)).order_by(func.count().desc(), col(Publication.journal))
        .limit(TOP_JOURNALS)).all()
    preprints = session.exec(select(func.count()).select_from(Publication)
                             .where(col(Publication.is_preprint).is_(True))).one()
    retracted = session.exec(select(func.count()).select_from(Publication)
                             .where(col(Publication.is_retracted).is_(True))).one()
    return {
        "by_source": {**by_source, "found by several sources": in_several,
                      "preprints only": preprints, "retracted": retracted},
        "by_year": by_year,
        "by_journal": {j: n for j, n in journals},
    }
