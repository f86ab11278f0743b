"""Flow: the decision (quyết định khen thưởng) for a phase, with its annex list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from prefect import flow

from tasks.notify import deliver_notifications
from tasks.transition import issue_decision


@flow(name="issue-decision", flow_run_name="issue-decision-phase-{phase_id}")
def decision_flow(phase_id: int, actor_email: str, signed_on: date, number: str | None = None,
                  now: datetime | None = None) -> dict[str, Any]:
    """Grant every nomination approved along the route; every school concerned is notified."""
    result = issue_decision(phase_id, actor_email, signed_on, number, now)
    if not result["refused"]:
        deliver_notifications()
    return result
