"""title tally: the phase counts the ratio caps read, filled from the nominations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 12:40:00
"""

from alembic import op
import sqlalchemy as sa

# the route's first stage when this revision was written: a dossier still there is not counted
START = "school_vote"
RECOUNT = sa.text("""
SELECT d.phase_id, n.title_code, n.status, count(*) FROM nomination n JOIN dossier d ON d.id = n.dossier_id
WHERE d.stage != :start AND NOT n.withdrawn AND n.status != 'rejected'
GROUP BY d.phase_id, n.title_code, n.status ORDER BY 1, 2, 3""")


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
    tally = sa.table("titletally", sa.column("phase_id"), sa.column("title_code"), sa.column("status"),
                     sa.column("count"))
    rows = [{"phase_id": p, "title_code": t, "status": s, "count": n}
            for p, t, s, n in op.get_bind().execute(RECOUNT, {"start": START})]
    if rows:
        op.bulk_insert(tally, rows)


def downgrade() -> None:
    op.drop_table('titletally')
