"""The append-only audit trail: who did what to which dossier, when, from which stage, and why.

Tamper-evident: events form one hash chain. Each has a sequence number and records the hash of the one
before; its own hash covers every field. The chain's head (last sequence and hash) is a row locked by each
committing writer, so chained writes are serialised and a deleted last event shows too. `verify` finds any edited,
deleted or inserted event.

Events are chained when their transaction commits (`seal`, on every session's before_commit): the head is
locked only for the commit, once for a whole batch of transitions, instead of from each event to the commit.
An event still unwritten then is inserted with its place in the chain, all of a batch's in one statement;
rows that need its id (`defer`: the verdicts of its transition) are written after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, bindparam, inspect, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, col, select

from models.cache import core_execute
from models.db import UTCDateTime, table
from models.unit import Person

GENESIS = "0" * 64


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    dossier_id: int | None = Field(default=None, foreign_key="dossier.id", index=True)
    actor_id: int = Field(foreign_key="person.id")
    actor_role: str = Field(max_length=40)
    action: str = Field(max_length=40)
    from_stage: str = Field(max_length=40)
    to_stage: str = Field(max_length=40)
    reason: str | None = None
    late: bool = False
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    seq: int | None = Field(default=None, unique=True, description="position in the hash chain, from 1")
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class AuditChain(SQLModel, table=True):
    """The head of the chain (one row, id 1): what the next event links to."""

    id: int | None = Field(default=None, primary_key=True)
    last_seq: int = 0
    last_hash: str = Field(default=GENESIS, max_length=64)


def digest(event: AuditEvent) -> str:
    """sha256 of the event's fields and its link to the previous event, in a canonical JSON form."""
    fields = {
        "seq": event.seq, "prev": event.prev_hash, "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "phase_id": event.phase_id, "dossier_id": event.dossier_id, "actor_id": event.actor_id,
        "actor_role": event.actor_role, "action": event.action, "from_stage": event.from_stage,
        "to_stage": event.to_stage, "reason": event.reason, "late": event.late, "detail": event.detail,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


PENDING = "audit_unchained"  # session.info key: events added in this transaction, chained at its commit


def append(session: Session, audit_event: AuditEvent) -> AuditEvent:
    """Add `audit_event` in the caller's transaction; it gets its id now and its place in the chain at commit."""
    session.add(audit_event)
    session.info.setdefault(PENDING, []).append(audit_event)
    return audit_event


_CHAIN = table(AuditChain)
_HEAD = select(_CHAIN.c.last_seq, _CHAIN.c.last_hash).where(_CHAIN.c.id == 1).with_for_update()  # built once
_ADVANCE = update(_CHAIN).where(_CHAIN.c.id == 1).values(last_seq=bindparam("seq"), last_hash=bindparam("hash"))


def seal(session: Session) -> None:
    """Chain the transaction's events in the order they were added (locks the head until the commit).

    Runs on every commit, a savepoint's included (the chain then grows inside the enclosing transaction)."""
    pending = _live(session.info.pop(PENDING, []))
    if not pending:
        return
    with session.no_autoflush:  # the events are inserted below, chained, rather than now and updated after
        last_seq, last_hash = core_execute(session, _HEAD).one()
    for audit_event in pending:
        audit_event.seq, audit_event.prev_hash = last_seq + 1, last_hash
        audit_event.hash = last_hash = digest(audit_event)
        last_seq = audit_event.seq
    core_execute(session, _ADVANCE, {"seq": last_seq, "hash": last_hash})
    session.flush()


def defer(session: OrmSession, key: str, audit_event: AuditEvent, item: Any) -> None:
    """Keep `item` under `key` until the commit, to be written with `audit_event` (or dropped with it when a
    rollback, of the transaction or of a savepoint, drops the event)."""
    session.info.setdefault(key, []).append((audit_event, item))


def deferred(session: OrmSession, key: str, *, take: bool = True) -> list[tuple[AuditEvent, Any]]:
    """What is kept under `key` for events still to be written; `take` removes it (the commit writes it)."""
    kept = session.info.pop(key, []) if take else session.info.get(key, [])
    return [(audit_event, item) for audit_event, item in kept if still_written(audit_event)]


def still_written(audit_event: AuditEvent) -> bool:
    """Whether the event is still to be written: a rollback (of the transaction or of a savepoint) detaches it."""
    return bool(inspect(audit_event).pending or inspect(audit_event).persistent)


def _live(events: list[AuditEvent]) -> list[AuditEvent]:
    return [e for e in events if still_written(e)]


def _prune(session: OrmSession, _transaction: object) -> None:
    if PENDING in session.info:
        session.info[PENDING] = _live(session.info[PENDING])


orm_event.listen(OrmSession, "before_commit", seal)
orm_event.listen(OrmSession, "after_soft_rollback", _prune)


@dataclass(frozen=True)
class Break:
    seq: int
    problem: str  # Vietnamese, for the report


def verify(session: Session) -> list[Break]:
    """Every place where the stored chain differs from the one its events would make."""
    breaks: list[Break] = []
    expected_prev, expected_seq = GENESIS, 1
    for event in session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all():
        if event.seq is None:
            breaks.append(Break(0, f"Sự kiện #{event.id} không nằm trong chuỗi (không có số thứ tự)."))
            continue
        if event.seq != expected_seq:
            breaks.append(Break(expected_seq, f"Thiếu sự kiện số {expected_seq}"
                                              f"{'' if event.seq == expected_seq + 1 else f'–{event.seq - 1}'}: "
                                              "đã bị xóa."))
        elif event.prev_hash != expected_prev:
            breaks.append(Break(event.seq, f"Sự kiện số {event.seq} không nối với sự kiện trước nó."))
        if event.hash != digest(event):
            breaks.append(Break(event.seq, f"Sự kiện số {event.seq} (#{event.id}, {event.action}) đã bị sửa sau khi "
                                           "ghi."))
        expected_prev, expected_seq = event.hash or "", event.seq + 1
    head = session.get(AuditChain, 1)
    if head is not None and (head.last_seq, head.last_hash) != (expected_seq - 1, expected_prev):
        breaks.append(Break(head.last_seq, f"Chuỗi dừng ở sự kiện số {expected_seq - 1} nhưng đã ghi tới số "
                                           f"{head.last_seq}: sự kiện cuối đã bị xóa hoặc sửa."))
    return breaks


def history(session: Session, *, dossier_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.dossier_id == dossier_id).order_by(AuditEvent.id)  # type: ignore[arg-type]
    return list(session.exec(query).all())


_HISTORY = (select(AuditEvent, Person.full_name).join(Person, col(Person.id) == AuditEvent.actor_id)
            .where(AuditEvent.dossier_id == bindparam("dossier_id")).order_by(col(AuditEvent.id)))  # built once


def history_with_actors(session: Session, *, dossier_id: int) -> list[tuple[AuditEvent, str]]:
    """The dossier's events with the name of who acted, in one query."""
    return [(event, name) for event, name in session.exec(_HISTORY, params={"dossier_id": dossier_id}).all()]
