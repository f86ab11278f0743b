"""Task: plan the reminders, escalations and digests due now (one transaction, claims included)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from prefect import task

from config.route import default_route
from models.db import session_scope
from tasks.retry import RETRIED
from tdkt.services.reminders import plan


@task(name="plan-reminders", **RETRIED)
def plan_reminders(now: datetime) -> dict[str, Any]:
    """Write the outbox rows of every notice due at `now` that no sweep has sent yet."""
    with session_scope() as session:
        return asdict(plan(session, route=default_route(), now=now))
