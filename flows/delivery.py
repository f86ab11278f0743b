"""Flow: sweep the outbox and deliver whatever is due (retries after an SMTP outage)."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.notify import deliver_notifications


@flow(name="deliver-outbox")
def delivery_flow() -> dict[str, Any]:
    """Send every due outbox row."""
    return deliver_notifications()
