"""the audit chain keyed: each event's hash becomes an HMAC with a key derived from TDKT_SECRET_KEY (outside the
database), so a writer of the database cannot recompute the chain after editing it; existing events are chained
again with the key this deployment runs with

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 12:00:00
"""

import hashlib
import hmac
import json
from datetime import UTC

from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
FIELDS = ("at", "phase_id", "dossier_id", "actor_id", "actor_role", "action", "from_stage", "to_stage", "reason",
          "late", "detail")


def upgrade() -> None:
    from config.settings import get_settings  # the key of the deployment being upgraded

    key = hmac.new(get_settings().secret_key.encode(), b"tdkt audit chain", hashlib.sha256).digest()
    _rechain(lambda canonical: hmac.new(key, canonical, hashlib.sha256).hexdigest())


def downgrade() -> None:
    _rechain(lambda canonical: hashlib.sha256(canonical).hexdigest())


def _rechain(sign) -> None:  # type: ignore[no-untyped-def]
    """Core statements on the columns as they are at this revision (the model may grow later)."""
    types = {"phase_id": sa.Integer, "dossier_id": sa.Integer, "actor_id": sa.Integer, "late": sa.Boolean,
             "detail": sa.JSON}  # as the model reads them (SQLite gives 0/1 for a boolean read untyped)
    events = sa.table("auditevent", sa.column("id", sa.Integer), sa.column("at", sa.DateTime(timezone=True)),
                      *[sa.column(name, types.get(name, sa.String)) for name in FIELDS[1:]],
                      sa.column("seq", sa.Integer), sa.column("prev_hash", sa.String), sa.column("hash", sa.String))
    bind = op.get_bind()
    previous, seq = GENESIS, 0
    rows = bind.execute(sa.select(events.c.id, events.c.seq, *[events.c[name] for name in FIELDS])
                        .where(events.c.seq.is_not(None)).order_by(events.c.seq)).all()
    for row in rows:
        at = row.at.replace(tzinfo=UTC) if row.at.tzinfo is None else row.at.astimezone(UTC)
        fields = {"seq": row.seq, "prev": previous, "at": at.isoformat(timespec="microseconds"),
                  **{name: getattr(row, name) for name in FIELDS[1:]}}
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        prev_hash, previous, seq = previous, sign(canonical), row.seq
        bind.execute(events.update().where(events.c.id == row.id).values(prev_hash=prev_hash, hash=previous))
    bind.execute(sa.text("UPDATE auditchain SET last_seq = :seq, last_hash = :hash WHERE id = 1"),
                 {"seq": seq, "hash": previous})
