"""audit hash chain

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 03:03:09.641145

Existing events are chained in id order at upgrade, so a database upgraded mid-year verifies from then on.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel

import hashlib
import json
from datetime import UTC


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auditchain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_auditevent_seq', ['seq'])
    _chain_existing_events()


GENESIS = "0" * 64
FIELDS = ("at", "phase_id", "dossier_id", "actor_id", "actor_role", "action", "from_stage", "to_stage", "reason",
          "late", "detail")


def _chain_existing_events() -> None:
    """Core statements on the columns as they are at this revision (the model may grow later)."""
    events = sa.table("auditevent", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                      *[sa.column(name) for name in FIELDS[1:-1]], sa.column("detail", sa.JSON),
                      sa.column("seq", sa.Integer), sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    bind = op.get_bind()
    previous, seq = GENESIS, 0
    for row in bind.execute(sa.select(events.c.id, *[events.c[name] for name in FIELDS]).order_by(events.c.id)):
        seq += 1
        prev_hash, previous = previous, _digest(seq, previous, row)
        bind.execute(events.update().where(events.c.id == row.id).values(seq=seq, prev_hash=prev_hash,
                                                                          hash=previous))
    bind.execute(sa.text("INSERT INTO auditchain (id, last_seq, last_hash) VALUES (1, :seq, :hash)"),
                 {"seq": seq, "hash": previous})


def _digest(seq: int, prev: str, row: sa.Row) -> str:
    """The chain's hash as it was defined at this revision (frozen here: the live one may change)."""
    fields = {"seq": seq, "prev": prev, "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
              **{name: getattr(row, name) for name in FIELDS[1:]}}
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def downgrade() -> None:
    with op.batch_alter_table('auditevent', schema=None) as batch_op:
        batch_op.drop_constraint('uq_auditevent_seq', type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')

    op.drop_table('auditchain')
