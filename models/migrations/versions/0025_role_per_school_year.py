"""an account's role may hold for one school year only

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 20:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('school_year', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('school_year')
