"""Flow: the scheduler's sweep — reminders, escalations and digests due now, then the outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from prefect import flow

from tasks.notify import deliver_notifications
from tasks.reminders import plan_reminders


@flow(name="reminder-sweep")
def reminder_flow(now: datetime) -> dict[str, Any]:
    """Plan what is due at `now` and deliver every due outbox row (retries after an outage included)."""
    planned = plan_reminders(now)
    delivered = deliver_notifications()
    return {**planned, **{f"sent_{k}": v for k, v in delivered.items()}}
