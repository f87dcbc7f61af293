"""product universe: kinds, taxonomy, platforms, event dates, composed records

Columns are added with plain ADD COLUMN (no table rebuild): rebuilding a table other tables
reference fails on SQLite while foreign keys are enforced.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06 02:26:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.Column('website', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_platform_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform'))
    )
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platform_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_platform_slug'), ['slug'], unique=True)

    op.create_table('platformproduct',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('since_precision', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('news_item_id', sa.Integer(), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('source_url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['news_item_id'], ['newsitem.id'], name=op.f('fk_platformproduct_news_item_id_newsitem')),
    sa.ForeignKeyConstraint(['platform_id'], ['platform.id'], name=op.f('fk_platformproduct_platform_id_platform')),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_platformproduct_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platformproduct')),
    sa.UniqueConstraint('platform_id', 'product_id', name='uq_platformproduct_pair')
    )
    with op.batch_alter_table('platformproduct', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_platformproduct_platform_id'), ['platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_platformproduct_product_id'), ['product_id'], unique=False)

    op.create_table('productoverride',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('field_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['product.id'], name=op.f('fk_productoverride_product_id_product')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_productoverride'))
    )
    with op.batch_alter_table('productoverride', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_productoverride_product_id'), ['product_id'], unique=False)

    op.add_column('company', sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('company', sa.Column('composed', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.add_column('companyevent', sa.Column('date_precision', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('companyevent', sa.Column('announced_date', sa.Date(), nullable=True))
    op.add_column('companyevent', sa.Column('completed_date', sa.Date(), nullable=True))
    op.add_column('companyevent', sa.Column('uncertain', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('companyevent', sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))

    op.add_column('newsitem', sa.Column('composed', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.add_column('product', sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=''))
    op.add_column('product', sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='software'))
    op.add_column('product', sa.Column('product_type', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('product', sa.Column('findings', sa.JSON(), nullable=False, server_default='[]'))
    op.add_column('product', sa.Column('findings_count', sa.Integer(), nullable=True))
    op.add_column('product', sa.Column('family', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column('product', sa.Column('taxonomy', sa.JSON(), nullable=False, server_default='{}'))
    op.add_column('product', sa.Column('composed', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index(op.f('ix_product_family'), 'product', ['family'], unique=False)
    op.create_index(op.f('ix_product_kind'), 'product', ['kind'], unique=False)
    op.create_index(op.f('ix_product_product_type'), 'product', ['product_type'], unique=False)
    op.create_index(op.f('ix_product_subspecialty'), 'product', ['subspecialty'], unique=False)

    op.add_column('publication', sa.Column('composed', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.add_column('publicationsource', sa.Column('composed', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.add_column('registration', sa.Column('composed', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('composed')

    with op.batch_alter_table('publicationsource', schema=None) as batch_op:
        batch_op.drop_column('composed')

    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_column('composed')

    with op.batch_alter_table('product', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_subspecialty'))
        batch_op.drop_index(batch_op.f('ix_product_product_type'))
        batch_op.drop_index(batch_op.f('ix_product_kind'))
        batch_op.drop_index(batch_op.f('ix_product_family'))
        batch_op.drop_column('composed')
        batch_op.drop_column('taxonomy')
        batch_op.drop_column('family')
        batch_op.drop_column('findings_count')
        batch_op.drop_column('findings')
        batch_op.drop_column('product_type')
        batch_op.drop_column('kind')
        batch_op.drop_column('display_name')

    with op.batch_alter_table('newsitem', schema=None) as batch_op:
        batch_op.drop_column('composed')

    with op.batch_alter_table('companyevent', schema=None) as batch_op:
        batch_op.drop_column('note')
        batch_op.drop_column('uncertain')
        batch_op.drop_column('completed_date')
        batch_op.drop_column('announced_date')
        batch_op.drop_column('date_precision')

    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('composed')
        batch_op.drop_column('kind')

    with op.batch_alter_table('productoverride', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_productoverride_product_id'))

    op.drop_table('productoverride')
    with op.batch_alter_table('platformproduct', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platformproduct_product_id'))
        batch_op.drop_index(batch_op.f('ix_platformproduct_platform_id'))

    op.drop_table('platformproduct')
    with op.batch_alter_table('platform', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_platform_slug'))
        batch_op.drop_index(batch_op.f('ix_platform_company_id'))

    op.drop_table('platform')
