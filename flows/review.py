"""Flow: a reviewer (Phòng GD&ĐT review or Nội vụ verification) acts on one dossier."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from tasks.notify import deliver_notifications
from tasks.transition import review_dossier


@flow(name="review-dossier", flow_run_name="review-dossier-{dossier_id}")
def review_flow(dossier_id: int, actor_email: str, action: str | None = None,
                verdicts: dict[int, tuple[str, str | None]] | None = None, reason: str | None = None,
                now: datetime | None = None) -> dict[str, Any]:
    """Apply per-nomination verdicts or a whole-dossier action; the route says what it leads to."""
    result = review_dossier(dossier_id, actor_email, action, verdicts, reason, now)
    deliver_notifications(result["outbox_ids"])
    return result
