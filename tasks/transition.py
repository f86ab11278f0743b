"""Tasks that apply route transitions through the service layer, each in one database transaction."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, ParamSpec

from prefect import task

from models.db import session_scope
from tasks.retry import is_transient
from tdkt import services
from tdkt.engine import Verdict
from tdkt.errors import Refused

P = ParamSpec("P")


def _summary(results: list[Any]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]


def refusable(fn: Callable[P, dict[str, Any]]) -> Callable[P, dict[str, Any]]:
    """A refusal is an answer, not a failure: the run completes and returns {"refused": …} instead."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        try:
            return fn(*args, **kwargs)
        except Refused as refusal:
            return {"refused": {"code": refusal.code, "message": refusal.message,
                                "violations": [asdict(v) for v in refusal.violations]}, "outbox_ids": []}

    return wrapper


@task(name="submit-dossier", retries=3, retry_delay_seconds=[1, 4, 16], retry_condition_fn=is_transient)
@refusable
def submit_dossier(dossier_id: int, actor_email: str, now: datetime | None = None) -> dict[str, Any]:
    """Check the vote and the papers, then send the school's dossier on (one transaction)."""
    with session_scope() as session:
        actor = services.person(session, email=actor_email)
        return asdict(services.submit(session, dossier_id=dossier_id, actor=actor, now=now))


@task(name="forward-block", retries=3, retry_delay_seconds=[1, 4, 16], retry_condition_fn=is_transient)
@refusable
def forward_block(block_id: int, phase_id: int, actor_email: str, now: datetime | None = None) -> dict[str, Any]:
    """Consolidate the block's dossiers and forward them together (one transaction for the block)."""
    with session_scope() as session:
        actor = services.person(session, email=actor_email)
        results = services.forward_block(session, block_id=block_id, phase_id=phase_id, actor=actor, now=now)
        return {"results": _summary(results), "outbox_ids": [i for r in results for i in r.outbox_ids]}


@task(name="review-dossier", retries=3, retry_delay_seconds=[1, 4, 16], retry_condition_fn=is_transient)
@refusable
def review_dossier(dossier_id: int, actor_email: str, action: str | None = None,
                   verdicts: dict[int, tuple[str, str | None]] | None = None, reason: str | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """Apply a reviewer's whole-dossier action or per-nomination verdicts (quota checked by the route)."""
    with session_scope() as session:
        actor = services.person(session, email=actor_email)
        parsed = {int(k): Verdict(v, r) for k, (v, r) in verdicts.items()} if verdicts is not None else None  # type: ignore[arg-type]
        result = services.act(session, dossier_id=dossier_id, actor=actor, action=action, verdicts=parsed,
                              reason=reason, now=now)
        return asdict(result)


@task(name="issue-decision", retries=3, retry_delay_seconds=[1, 4, 16], retry_condition_fn=is_transient)
@refusable
def issue_decision(phase_id: int, actor_email: str, signed_on: date, number: str | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """Decide every dossier awaiting the decision and write the annex (one transaction)."""
    with session_scope() as session:
        actor = services.person(session, email=actor_email)
        decision = services.decide(session, phase_id=phase_id, actor=actor, signed_on=signed_on, number=number,
                                   now=now)
        return {"decision_id": decision.id, "number": decision.number, "outbox_ids": []}
