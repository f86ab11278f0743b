"""Task: copy the audit chain's head outside the database (tdkt.services.anchors)."""

from __future__ import annotations

from prefect import task

from config.settings import get_settings
from models.db import session_scope
from tasks.retry import RETRIED
from tdkt.services.anchors import write_anchor


@task(name="anchor-audit-chain", **RETRIED)
def anchor_chain() -> int:
    """Append the head to TDKT_AUDIT_ANCHOR_FILE; returns the anchored event's number."""
    with session_scope() as session:
        return write_anchor(session, get_settings().audit_anchor_file).seq
