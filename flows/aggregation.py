"""Flow: a block's leader school consolidates its members' dossiers and forwards one list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from tasks.notify import deliver_notifications
from tasks.transition import forward_block


@flow(name="aggregate-block", flow_run_name="aggregate-block-{block_id}-phase-{phase_id}")
def aggregation_flow(block_id: int, phase_id: int, actor_email: str, now: datetime | None = None) -> dict[str, Any]:
    """Forward every member dossier waiting at the block (all members in, or the block deadline passed)."""
    result = forward_block(block_id, phase_id, actor_email, now)
    deliver_notifications(result["outbox_ids"])
    return result
