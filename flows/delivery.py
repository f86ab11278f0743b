"""Flow: deliver outbox rows — those a web action handed over, or whatever is due (the scheduler's sweep,
retries after an SMTP outage)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.notify import deliver_notifications


@flow(name="deliver-outbox")
def delivery_flow(ids: list[int] | None = None) -> dict[str, Any]:
    """Send these outbox rows, or every due one."""
    return deliver_notifications(ids)
