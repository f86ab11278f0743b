"""the council meeting's record: its time and place, chair, secretary, absent members, counting committee

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 19:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

TEXTS = ('place', 'chair', 'secretary', 'absent', 'counters')


def upgrade() -> None:
    with op.batch_alter_table('councilvote') as batch:
        batch.add_column(sa.Column('starts_at', sa.Time(), nullable=True))
        for name in TEXTS:
            batch.add_column(sa.Column(name, sa.String(length=500), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('councilvote') as batch:
        for name in reversed(TEXTS):
            batch.drop_column(name)
        batch.drop_column('starts_at')
