"""Flow: schools send their dossiers (vote and papers checked); the block leaders are notified."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from flows.batches import mapped, run_name
from tasks.notify import deliver_notifications
from tasks.transition import Submission, submit_dossiers


@flow(name="submit-dossiers", flow_run_name=run_name("submit-dossiers", "submissions"))
def submission_flow(submissions: list[Submission], now: datetime | None = None) -> dict[str, Any]:
    """Submit each school's dossier (one transaction per chunk), then deliver the notifications they produced."""
    result = mapped(submit_dossiers, submissions, now)
    deliver_notifications(result["outbox_ids"])
    return result
