"""the grantor's council's count per nomination (the province's Hội đồng Thi đua – Khen thưởng), beside the
school's tally: CouncilBallot

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 09:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'councilballot',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('council_vote_id', sa.Integer(), nullable=False),
        sa.Column('nomination_id', sa.Integer(), nullable=False),
        sa.Column('votes_for', sa.Integer(), nullable=False),
        sa.Column('votes_against', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['council_vote_id'], ['councilvote.id']),
        sa.ForeignKeyConstraint(['nomination_id'], ['nomination.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('council_vote_id', 'nomination_id'),
    )
    op.create_index('ix_councilballot_council_vote_id', 'councilballot', ['council_vote_id'])
    op.create_index('ix_councilballot_nomination_id', 'councilballot', ['nomination_id'])


def downgrade() -> None:
    op.drop_index('ix_councilballot_nomination_id', table_name='councilballot')
    op.drop_index('ix_councilballot_council_vote_id', table_name='councilballot')
    op.drop_table('councilballot')
