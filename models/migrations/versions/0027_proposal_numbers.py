"""the number a unit's văn thư gave its tờ trình of a phase

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 19:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'proposalnumber',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('phase_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=40), nullable=False),
        sa.Column('entered_by', sa.Integer(), nullable=True),
        sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['phase_id'], ['phase.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['unit.id']),
        sa.ForeignKeyConstraint(['entered_by'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('phase_id', 'unit_id'),
    )
    op.create_index(op.f('ix_proposalnumber_phase_id'), 'proposalnumber', ['phase_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_proposalnumber_phase_id'), table_name='proposalnumber')
    op.drop_table('proposalnumber')
