"""a nominee's sex and whether they teach directly, for the year's statistics

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 19:30:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('nominee') as batch:
        batch.add_column(sa.Column('sex', sa.String(length=6), nullable=True))
        batch.add_column(sa.Column('direct_teaching', sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('nominee') as batch:
        batch.drop_column('direct_teaching')
        batch.drop_column('sex')
