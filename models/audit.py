"""The append-only audit trail: who did what to which dossier, when, from which stage, and why.

Tamper-evident: events form one hash chain. Each has a sequence number and records the hash of the one
before; its own hash covers every field and is keyed (HMAC with a key derived from TDKT_SECRET_KEY, which is not
in the database), so a writer of the database cannot recompute the chain after editing it. The chain's head
(last sequence and hash) is a row locked by each writer until its transaction ends, so chained writes are
serialised and a deleted last event shows too. `verify` finds any edited, deleted or inserted event; anchors
(the head copied outside the database, `verify_anchors`) catch a chain cut short or replaced whole.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from models.db import UTCDateTime
from models.unit import Person

GENESIS = "0" * 64


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, index=True)
    phase_id: int | None = Field(default=None, foreign_key="phase.id", index=True,
                                 description="none for an administrative change (units, staff, accounts, plans)")
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


def _key() -> bytes:
    from config.settings import get_settings

    return hmac.new(get_settings().secret_key.encode(), b"tdkt audit chain", hashlib.sha256).digest()


def digest(event: AuditEvent) -> str:
    """HMAC-SHA256 (keyed: see the module) of the event's fields and its link to the previous event, in a
    canonical JSON form."""
    fields = {
        "seq": event.seq, "prev": event.prev_hash, "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "phase_id": event.phase_id, "dossier_id": event.dossier_id, "actor_id": event.actor_id,
        "actor_role": event.actor_role, "action": event.action, "from_stage": event.from_stage,
        "to_stage": event.to_stage, "reason": event.reason, "late": event.late, "detail": event.detail,
    }
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(_key(), canonical.encode(), hashlib.sha256).hexdigest()


def append(session: Session, audit_event: AuditEvent) -> AuditEvent:
    """Chain `audit_event` after the head and write it in the caller's transaction.

    The head row is locked until the transaction ends, so chained writes are serialised: a transition writes its
    event last but the outbox rows, to hold the lock as briefly as it can."""
    head = _locked_head(session)
    _link(head, audit_event)
    session.add_all([audit_event, head])
    session.flush()
    return audit_event


def _locked_head(session: Session) -> AuditChain:
    return session.exec(select(AuditChain).where(AuditChain.id == 1).with_for_update()
                        .execution_options(populate_existing=True)).one()


def _link(head: AuditChain, audit_event: AuditEvent) -> None:
    audit_event.seq, audit_event.prev_hash = head.last_seq + 1, head.last_hash
    audit_event.hash = digest(audit_event)
    head.last_seq, head.last_hash = audit_event.seq, audit_event.hash


def write_unchained(session: Session, audit_event: AuditEvent) -> AuditEvent:
    """Write the event without its place in the chain yet (a batch's events are chained together by `chain`
    before it commits, so that the head is locked for the end of the batch only)."""
    session.add(audit_event)
    session.flush()
    return audit_event


def chain(session: Session, events: list[AuditEvent]) -> None:
    """Give the events, in order, their places after the head; locks the head until the transaction ends."""
    if not events:
        return
    head = _locked_head(session)
    for audit_event in events:
        _link(head, audit_event)
    session.add_all([*events, head])
    session.flush()


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


@dataclass(frozen=True)
class Anchor:
    """The chain's head as it was copied outside the database (a line of the anchor file)."""

    seq: int
    hash: str
    at: str


def head(session: Session) -> Anchor:
    chain_head = session.get(AuditChain, 1)
    seq, last = (chain_head.last_seq, chain_head.last_hash) if chain_head else (0, GENESIS)
    return Anchor(seq, last, datetime.now(UTC).isoformat(timespec="seconds"))


def verify_anchors(session: Session, anchors: list[Anchor]) -> list[Break]:
    """Every anchored head the chain no longer holds: an event it named deleted or replaced, the chain cut
    short before it, or the whole chain rewritten."""
    if not anchors:
        return []
    stored = dict(session.exec(select(AuditEvent.seq, AuditEvent.hash).where(
        col(AuditEvent.seq).in_([a.seq for a in anchors]))).all())
    return [Break(a.seq, f"Mốc neo lúc {a.at}: sự kiện số {a.seq} " + (
        "không còn trong nhật ký (nhật ký bị cắt ngắn hoặc xóa)." if a.seq not in stored else
        "đã bị thay bằng sự kiện khác (nhật ký bị viết lại).")) for a in anchors
        if a.seq > 0 and stored.get(a.seq) != a.hash]


def record_change(session: Session, *, actor: Person, action: str, detail: dict[str, Any],
                  at: datetime | None = None) -> AuditEvent:
    """An administrative change (who, what, before → after in `detail`), chained like a transition's event."""
    from models.db import utcnow

    return append(session, AuditEvent(at=at or utcnow(), actor_id=actor.id or 0, actor_role=actor.role, action=action,
                                      from_stage="", to_stage="", detail=detail))


def history_with_actors(session: Session, *, dossier_id: int) -> list[tuple[AuditEvent, str]]:
    """The dossier's events with the name of who acted, in one query."""
    query = (select(AuditEvent, Person.full_name).join(Person, col(Person.id) == AuditEvent.actor_id)
             .where(AuditEvent.dossier_id == dossier_id).order_by(col(AuditEvent.id)))
    return [(event, name) for event, name in session.exec(query).all()]
