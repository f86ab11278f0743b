"""Tasks that apply route transitions through the service layer.

A task takes a batch of requests (a chunk of a flow's list) and applies them in one database transaction:
a refused request writes nothing, so one school's refusal never undoes another school's submission, and a
database fault undoes the whole chunk, which Prefect then retries. Batching keeps Prefect's per-run cost and
the database's per-transaction cost proportional to batches, not dossiers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, TypeVar

from prefect import task
from pydantic import BaseModel
from sqlmodel import Session

from models.db import session_scope, utcnow
from models.unit import Person
from tasks.retry import RETRIED
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.workflow.engine import Batch, TransitionResult, Verdict

Item = TypeVar("Item", bound="Request")


class Request(BaseModel):
    """One person's action on one dossier."""

    dossier_id: int
    actor_email: str


class Submission(Request):
    """A school sends its dossier on."""


class Review(Request):
    """A reviewer's whole-dossier action, or verdicts per nomination."""

    action: str | None = None
    verdicts: dict[int, Verdict] | None = None
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


def each(items: list[Item], apply_one: Callable[[Session, Item, Person, datetime, Batch], list[TransitionResult]],
         now: datetime | None = None) -> dict[str, Any]:
    """Apply every item in one transaction for the chunk, at one time (`now` or the chunk's start), their audit
    events chained together before it commits. A refused item writes nothing (the engine refuses before it
    writes), so the others go on without it; a database fault rolls the chunk back and fails the task, for
    Prefect to retry. Each actor is read once for the chunk (a reviewer's chunk is one person's)."""
    at, batch = now or utcnow(), Batch()
    actors: dict[str, Person] = {}
    results: list[TransitionResult] = []
    refused: list[dict[str, Any]] = []
    with session_scope() as session:
        for item in items:
            try:
                if item.actor_email not in actors:
                    actors[item.actor_email] = services.person(session, email=item.actor_email)
                results += apply_one(session, item, actors[item.actor_email], at, batch)
            except Refused as exc:
                refused.append(refusal(exc, item.dossier_id))
        batch.seal(session)
    return outcome(results, refused)


def _submit(session: Session, item: Submission, actor: Person, now: datetime,
            batch: Batch) -> list[TransitionResult]:
    return [services.submit(session, dossier_id=item.dossier_id, actor=actor, now=now, batch=batch)]


def _review(session: Session, item: Review, actor: Person, now: datetime, batch: Batch) -> list[TransitionResult]:
    return services.perform(session, dossier_id=item.dossier_id, actor=actor, action=item.action,
                            verdicts=item.verdicts, reason=item.reason, now=now, batch=batch).results


@task(name="submit-dossiers", **RETRIED)
def submit_dossiers(items: list[Submission], now: datetime | None = None) -> dict[str, Any]:
    """Check each school's vote and papers, then send its dossier on (a refused one writes nothing)."""
    return each(items, _submit, now)


@task(name="review-dossiers", **RETRIED)
def review_dossiers(items: list[Review], now: datetime | None = None) -> dict[str, Any]:
    """Apply reviewers' actions or per-nomination verdicts (quota checked by the route; refusals write nothing)."""
    return each(items, _review, now)


@task(name="forward-block", **RETRIED)
def forward_block(block_id: int, phase_id: int, actor_email: str, now: datetime | None = None) -> dict[str, Any]:
    """Consolidate the block's dossiers and forward them together (one transaction for the block)."""
    try:
        with session_scope() as session:
            actor = services.person(session, email=actor_email)
            results = services.forward_block(session, block_id=block_id, phase_id=phase_id, actor=actor, now=now)
    except Refused as exc:
        return outcome([], [refusal(exc)])
    return outcome(results)


@task(name="issue-decision", **RETRIED)
def issue_decision(phase_id: int, actor_email: str, signed_on: date, number: str | None = None,
                   now: datetime | None = None) -> dict[str, Any]:
    """Decide every dossier awaiting the actor's decision and write one decision per form with its annex (one
    transaction)."""
    try:
        with session_scope() as session:
            actor = services.person(session, email=actor_email)
            decisions = services.decide(session, phase_id=phase_id, actor=actor, signed_on=signed_on, number=number,
                                        now=now)
            return outcome([], decisions=[{"id": d.id, "number": d.number, "form": d.form} for d in decisions])
    except Refused as exc:
        return outcome([], [refusal(exc)])
