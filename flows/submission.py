"""Flow: a school sends its dossier (vote and papers checked), the block leader is notified."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from tasks.notify import deliver_notifications
from tasks.transition import submit_dossier


@flow(name="submit-dossier", flow_run_name="submit-dossier-{dossier_id}")
def submission_flow(dossier_id: int, actor_email: str, now: datetime | None = None) -> dict[str, Any]:
    """Submit one school's dossier, then deliver the notifications it produced."""
    result = submit_dossier(dossier_id, actor_email, now)
    deliver_notifications(result["outbox_ids"])
    return result
