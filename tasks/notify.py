"""Deliver outbox rows by email; retried with backoff while the SMTP server is unreachable."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from prefect import task

from config.settings import get_settings
from models.db import session_scope
from notifications.outbox import DeliveryReport, deliver
from tasks.retry import RETRIED
from tdkt.common.chunks import chunks
from tdkt.services.links import sign_in_path, token_for

ROUND = 500  # rows claimed, sent and recorded per transaction


@task(name="deliver-notifications", **RETRIED)
def deliver_notifications(ids: list[int] | None = None) -> dict[str, Any]:
    """Send due outbox rows (only `ids` when given), ROUND rows per transaction until none is left; rows that
    fail stay pending for the next sweep."""
    total: Counter[str] = Counter(asdict(DeliveryReport()))
    for batch in _rounds(ids):
        with session_scope() as session:
            report = asdict(deliver(session, settings=get_settings(), issue_link=token_for, ids=batch, limit=ROUND,
                                    sign_in=sign_in_path))
        total.update(report)
        if batch is None and sum(report.values()) < ROUND:
            break
    return dict(total)


def _rounds(ids: list[int] | None) -> Iterator[list[int] | None]:
    """The given ids ROUND at a time; without ids, "whatever is due" again and again (the caller stops)."""
    if ids is not None:
        yield from (list(part) for part in chunks(ids, ROUND))
        return
    while True:
        yield None
