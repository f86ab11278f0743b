"""one decision per grantor and form; a phase's occasion (chuyên đề, đột xuất) and the forms it proposes

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 17:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('decision') as batch:
        batch.add_column(sa.Column('form', sa.String(length=40), nullable=False, server_default=''))
    with op.batch_alter_table('phase') as batch:
        batch.add_column(sa.Column('occasion', sa.String(length=20), nullable=False, server_default='regular'))
        batch.add_column(sa.Column('forms', sa.JSON(), nullable=False, server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('phase') as batch:
        batch.drop_column('forms')
        batch.drop_column('occasion')
    with op.batch_alter_table('decision') as batch:
        batch.drop_column('form')
