"""publication version match: an index for finding a paper's other version

``ix_publication_version_match`` on ``publication (is_preprint, year, normalized_title)``:
``tracker.store.publication_match`` looks for a new paper's preprint or journal version among
the papers of the other kind within a few years whose titles hold its two longest words.
Without the index that was a scan of the whole table per new paper (about 110 ms at 100,000
papers); with it, a range of the index, the title words checked inside it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-21 09:00:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain CREATE INDEX, no batch mode: a SQLite table rebuild of ``publication`` (which other
    # tables reference) would fail while foreign keys are enforced
    op.create_index('ix_publication_version_match', 'publication',
                    ['is_preprint', 'year', 'normalized_title'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_publication_version_match', table_name='publication')
