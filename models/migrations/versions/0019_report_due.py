"""the reports a plan asks of the offices below its issuer by a date (báo cáo sơ kết, tổng kết): ReportDue

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 10:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reportdue',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('unit_kind', sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_reportdue_campaign_id', 'reportdue', ['campaign_id'])


def downgrade() -> None:
    op.drop_index('ix_reportdue_campaign_id', table_name='reportdue')
    op.drop_table('reportdue')
