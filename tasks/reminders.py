"""Task: plan the reminders, escalations and digests due now (one transaction, claims included)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from prefect import task

from config.route import default_route
from models.db import session_scope
from notifications.reminders import plan
from tasks.retry import is_transient


@task(name="plan-reminders", retries=3, retry_delay_seconds=[1, 4, 16], retry_condition_fn=is_transient)
def plan_reminders(now: datetime) -> dict[str, Any]:
    """Write the outbox rows of every notice due at `now` that no sweep has sent yet."""
    with session_scope() as session:
        return asdict(plan(session, route=default_route(), now=now))
