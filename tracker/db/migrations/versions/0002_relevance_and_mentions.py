"""relevance of each paper and product mentions that are not evidence

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06 00:40:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('papermention',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('evidence', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('model_version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_papermention_product_id_product')),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], name=op.f('fk_papermention_publication_id_publication')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_papermention'))
    )
    with op.batch_alter_table('papermention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_papermention_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_papermention_publication_id'), ['publication_id'], unique=False)
    with op.batch_alter_table('linkstate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relevance', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('relevance_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
    with op.batch_alter_table('evidencegrade', schema=None) as batch_op:
        batch_op.add_column(sa.Column('relevance', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.add_column(sa.Column('relevance_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_evidencegrade_relevance'), ['relevance'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('evidencegrade', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidencegrade_relevance'))
        batch_op.drop_column('relevance_reason')
        batch_op.drop_column('relevance')
    with op.batch_alter_table('linkstate', schema=None) as batch_op:
        batch_op.drop_column('relevance_reason')
        batch_op.drop_column('relevance')
    with op.batch_alter_table('papermention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_papermention_publication_id'))
        batch_op.drop_index(batch_op.f('ix_papermention_product_id'))
    op.drop_table('papermention')
