"""the day a campaign's plan (kế hoạch) was signed, which the papers cite

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 22:50:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('campaign') as batch:
        batch.add_column(sa.Column('issued_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('campaign') as batch:
        batch.drop_column('issued_on')
