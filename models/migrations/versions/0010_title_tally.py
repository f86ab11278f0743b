"""title tally: the phase counts the ratio caps read, filled from the nominations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:40:00
"""

from alembic import op
import sqlalchemy as sa
from sqlmodel import Session

from config.route import default_route
from models.tally import TitleTally, recount


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('titletally',
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('title_code', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['phase_id'], ['phase.id'], ),
    sa.PrimaryKeyConstraint('phase_id', 'title_code', 'status')
    )
    session = Session(bind=op.get_bind())
    rows = [{"phase_id": p, "title_code": t, "status": s, "count": n}
            for (p, t, s), n in sorted(recount(session, start=default_route().start).items())]
    if rows:
        op.bulk_insert(TitleTally.__table__, rows)  # type: ignore[attr-defined]


def downgrade() -> None:
    op.drop_table('titletally')
