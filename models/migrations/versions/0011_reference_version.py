"""reference version: moved by every write to the reference tables, so each process knows its cache is valid

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 13:10:00
"""

from alembic import op
import sqlalchemy as sa



revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referenceversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(sa.table("referenceversion", sa.column("id"), sa.column("version")), [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table('referenceversion')
