"""Flow: reviewers (Phòng GD&ĐT review or Nội vụ verification) act on dossiers, one or a batch."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from flows.batches import mapped, run_name
from tasks.notify import deliver_notifications
from tasks.transition import Review, review_dossiers


@flow(name="review-dossiers", flow_run_name=run_name("review-dossiers", "reviews"))
def review_flow(reviews: list[Review], now: datetime | None = None) -> dict[str, Any]:
    """Apply per-nomination verdicts or whole-dossier actions; the route says what each leads to."""
    result = mapped(review_dossiers, reviews, now)
    deliver_notifications(result["outbox_ids"])
    return result
