"""Deliver outbox rows by email; retried with backoff while the SMTP server is unreachable."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task

from config.settings import get_settings
from models.db import session_scope
from notifications.outbox import deliver
from tasks.retry import is_transient


@task(name="deliver-notifications", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=is_transient)
def deliver_notifications(ids: list[int] | None = None) -> dict[str, Any]:
    """Send due outbox rows (only `ids` when given); rows that fail stay pending for the next sweep."""
    with session_scope() as session:
        return asdict(deliver(session, settings=get_settings(), ids=ids))
