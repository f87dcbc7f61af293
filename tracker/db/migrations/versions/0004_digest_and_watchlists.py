"""digest and watchlists: first-recorded times, automatic level changes, watches

- ``registration.created_at`` and ``companyevent.created_at``: when the store first recorded
  the row (``fetched_at`` moves on every re-fetch). Existing rows are backfilled from
  ``fetched_at``, the best record of when they were first seen; the column is then made
  NOT NULL in batch mode (neither table is referenced by a foreign key, so the SQLite table
  rebuild is safe with foreign keys enforced).
- ``evidencegrade.previous_level`` and ``level_changed_at``: set by the grader when it
  changes an existing grade's level (unknown, so null, for grades made before).
- ``watch``: the watchlist (``tracker watch``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-20 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_FIRST_RECORDED = ('registration', 'companyevent')


def upgrade() -> None:
    op.create_table('watch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch'))
    )
    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watch_kind'), ['kind'], unique=False)

    for table in _FIRST_RECORDED:
        op.add_column(table, sa.Column('created_at', sa.DateTime(timezone=True), nullable=True))
        op.execute(sa.text(f'UPDATE {table} SET created_at = fetched_at WHERE created_at IS NULL'))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('created_at', existing_type=sa.DateTime(timezone=True), nullable=False)
            batch_op.create_index(batch_op.f(f'ix_{table}_created_at'), ['created_at'], unique=False)

    op.add_column('evidencegrade', sa.Column('previous_level', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('evidencegrade', sa.Column('level_changed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidencegrade', schema=None) as batch_op:
        batch_op.drop_column('level_changed_at')
        batch_op.drop_column('previous_level')

    for table in reversed(_FIRST_RECORDED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_created_at'))
            batch_op.drop_column('created_at')

    with op.batch_alter_table('watch', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watch_kind'))

    op.drop_table('watch')
