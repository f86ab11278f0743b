"""Deliver outbox rows by email; retried with backoff while the SMTP server is unreachable."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from prefect import task

from config.settings import get_settings
from models.db import session_scope
from notifications.outbox import DeliveryReport, deliver
from tasks.retry import is_transient

ROUND = 500  # rows claimed, sent and recorded per transaction


@task(name="deliver-notifications", retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=is_transient)
def deliver_notifications(ids: list[int] | None = None) -> dict[str, Any]:
    """Send due outbox rows (only `ids` when given), ROUND rows per transaction until none is left; rows that
    fail stay pending for the next sweep."""
    total, rest = DeliveryReport(), list(ids) if ids is not None else None
    while True:
        batch = None if rest is None else rest[:ROUND]
        with session_scope() as session:
            report = deliver(session, settings=get_settings(), ids=batch, limit=ROUND)
        total.sent, total.retrying, total.failed = (total.sent + report.sent, total.retrying + report.retrying,
                                                    total.failed + report.failed)
        if rest is not None:
            rest = rest[ROUND:]
            if not rest:
                break
        elif report.sent + report.retrying + report.failed < ROUND:
            break
    return asdict(total)
