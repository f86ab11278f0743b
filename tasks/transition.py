"""Tasks that apply route transitions through the service layer.

A task takes a batch of requests (a chunk of a flow's list) and applies them in one database transaction:
a refused request writes nothing, so one school's refusal never undoes another school's submission, and a
database fault undoes and retries the whole chunk. Batching keeps Prefect's per-run cost (a task run is
~10 ms, a flow run ~100-200 ms, measured) and the database's per-transaction cost proportional to batches,
not dossiers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, TypeVar

from prefect import task
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from models.cache import lasting
from models.db import new_session, session_scope, utcnow
from models.unit import Person
from tasks.retry import is_transient
from tdkt import preload, services
from tdkt.engine import TransitionResult, Verdict
from tdkt.errors import Refused

Item = TypeVar("Item", bound="Request")
ATTEMPTS = (0.0, 0.5, 2.0)  # waits before each attempt of a chunk after a passing database fault


class Request(BaseModel):
    """One person's action on one dossier."""

    dossier_id: int
    actor_email: str


class Submission(Request):
    """A school sends its dossier on."""


class Review(Request):
    """A reviewer's whole-dossier action, or verdicts per nomination (id → (verdict, reason))."""

    action: str | None = None
    verdicts: dict[int, tuple[str, str | None]] | None = None
    reason: str | None = None


def refusal(exc: Refused, dossier_id: int | None = None) -> dict[str, Any]:
    """A refusal as data: a run that refuses is an answer, not a failed run."""
    return {"dossier_id": dossier_id, "code": exc.code, "message": exc.message,
            "violations": [asdict(v) for v in exc.violations]}


def outcome(results: Iterable[TransitionResult], refused: list[dict[str, Any]] | None = None,
            **extra: Any) -> dict[str, Any]:
    done = [r.as_dict() for r in results]
    return {"results": done, "refused": refused or [], "outbox_ids": [i for r in done for i in r["outbox_ids"]],
            **extra}


def each(items: list[Item], apply_one: Callable[[Session, Item, datetime], TransitionResult],
         now: datetime | None = None) -> dict[str, Any]:
    """Apply every item, in one transaction for the chunk; a lost or locked database retries the chunk.

    The chunk's dossiers are locked and their rows read up front (tdkt/preload.py); its audit events are
    chained once, at the commit. A refused item writes nothing (the engine refuses before it writes), so the
    others go on without it. The session keeps the rows every item reads (the phase, the offices, the
    actor) for the whole chunk. Its transitions share one time, `now` or the chunk's start, as one transaction's
    should: the moves that write the same values are then one UPDATE at the batch's end.
    """
    at = now or utcnow()
    with new_session() as session:
        for attempt, wait in enumerate(ATTEMPTS):
            time.sleep(wait)
            results: list[TransitionResult] = []
            refused: list[dict[str, Any]] = []
            try:
                with preload.batch(session, [item.dossier_id for item in items]):
                    for item in items:
                        try:
                            results.append(apply_one(session, item, at))
                        except Refused as exc:
                            refused.append(refusal(exc, item.dossier_id))
                session.commit()  # once the batch has written the moves it gathered
                break
            except OperationalError:
                session.rollback()
                if attempt == len(ATTEMPTS) - 1:
                    raise
    return outcome(results, refused)


def _actor(session: Session, email: str) -> Person:
    """Who acts: among the batch's schools' people (a school head submitting), or found by email once per
    reference version (the reviewer of a hundred dossiers)."""
    preloaded = preload.person_by_email(session, email)
    if preloaded is not None:
        return preloaded
    person_id = lasting(session, ("actor", email), lambda: services.person(session, email=email).id)
    actor = session.get(Person, person_id)
    assert actor is not None
    return actor


def _submit(session: Session, item: Submission, now: datetime) -> TransitionResult:
    return services.submit(session, dossier_id=item.dossier_id, actor=_actor(session, item.actor_email), now=now)


def _review(session: Session, item: Review, now: datetime) -> TransitionResult:
    verdicts = ({k: Verdict(v, r) for k, (v, r) in item.verdicts.items()}  # type: ignore[arg-type]
                if item.verdicts is not None else None)
    return services.act(session, dossier_id=item.dossier_id, actor=_actor(session, item.actor_email),
                        action=item.action, verdicts=verdicts, reason=item.reason, now=now)


@task(name="submit-dossiers", retries=2, retry_delay_seconds=[1, 8], retry_condition_fn=is_transient)
def submit_dossiers(items: list[Submission], now: datetime | None = None) -> dict[str, Any]:
    """Check each school's vote and papers, then send its dossier on (a refused one writes nothing)."""
    return each(items, _submit, now)


@task(name="review-dossiers", retries=2, retry_delay_seconds=[1, 8], retry_condition_fn=is_transient)
def review_dossiers(items: list[Review], now: datetime | None = None) -> dict[str, Any]:
    """Apply reviewers' actions or per-nomination verdicts (quota checked by the route; refusals write nothing)."""
    return each(items, _review, now)


@task(name="forward-block", retries=3, retry_delay_seconds=[1, 4, 16], retry_condition_fn=is_transient)
def forward_block(block_id: int, phase_id: int, actor_email: str, now: datetime | None = None) -> dict[str, Any]:
    """Consolidate the block's dossiers and forward them together (one transaction for the block)."""
    try:
        with session_scope() as session:
            actor = services.person(session, email=actor_email)
            results = services.forward_block(session, block_id=block_id, phase_id=phase_id, actor=actor, now=now)
    except Refused as exc:
        return outcome([], [refusal(exc)])
    return outcome(results)  # after the commit, which wrote the block's events and emails in one statement each


@task(name="issue-decision", retries=3, retry_delay_seconds=[1, 4, 16], retry_condition_fn=is_transient)
def issue_decision(phase_id: int, actor_email: str, signed_on: date, number: str | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """Decide every dossier awaiting the decision and write the annex (one transaction)."""
    try:
        with session_scope() as session:
            actor = services.person(session, email=actor_email)
            decision = services.decide(session, phase_id=phase_id, actor=actor, signed_on=signed_on, number=number,
                                       now=now)
            return outcome([], decision_id=decision.id, number=decision.number)
    except Refused as exc:
        return outcome([], [refusal(exc)])
