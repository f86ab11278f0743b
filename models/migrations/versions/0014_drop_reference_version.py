"""drop the reference version and its triggers: the per-process cache of reference rows they kept valid is gone

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:40:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

WRITES = ("INSERT", "UPDATE", "DELETE")
TABLES = ("campaign", "delegation", "person", "phase", "phasequota", "stagedeadline", "unit")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS reference_changed ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS reference_truncated ON {table}")
        op.execute("DROP FUNCTION IF EXISTS tdkt_reference_changed()")
    else:
        for table in TABLES:
            for write in WRITES:
                op.execute(f"DROP TRIGGER IF EXISTS reference_{write.lower()}_{table}")
    op.drop_table('referenceversion')


def downgrade() -> None:
    op.create_table('referenceversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(sa.table("referenceversion", sa.column("id"), sa.column("version")), [{"id": 1, "version": 0}])
