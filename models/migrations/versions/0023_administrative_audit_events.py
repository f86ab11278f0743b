"""an administrative change (units, staff, accounts, plans) is an audit event of no phase

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 18:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('auditevent') as batch:
        batch.alter_column('phase_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM auditevent WHERE phase_id IS NULL")
    with op.batch_alter_table('auditevent') as batch:
        batch.alter_column('phase_id', existing_type=sa.Integer(), nullable=False)
