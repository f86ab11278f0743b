"""Nominees (individuals or collectives) and their nominations for a title or award."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, bindparam
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, col, select

from models.audit import AuditEvent, defer, deferred
from models.db import insert_rows, table


class SubjectKind(StrEnum):
    individual = "individual"
    collective = "collective"


class NominationStatus(StrEnum):
    """Where one nomination stands, separate from its dossier's stage."""

    proposed = "proposed"
    approved = "approved"
    returned = "returned"
    rejected = "rejected"
    granted = "granted"
    forwarded = "forwarded"


class Nominee(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: SubjectKind
    full_name: str = Field(max_length=200, index=True)
    position: str | None = Field(default=None, max_length=120, description="chức vụ")
    unit_id: int = Field(foreign_key="unit.id", index=True)


class Nomination(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("dossier_id", "nominee_id", "title_code"),)

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    nominee_id: int = Field(foreign_key="nominee.id", index=True)
    title_code: str = Field(max_length=40)
    achievements: str = ""
    initiative: str | None = Field(default=None, description="the recognised initiative (sáng kiến), if any")
    status: NominationStatus = Field(default=NominationStatus.proposed, index=True)
    withdrawn: bool = Field(default=False, description="removed by the school before submission")
    member_figures: dict[str, int] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True),
        description="a collective's members, counted (tdkt/members.py): total, completed, disciplined, per title")


class NominationDecision(SQLModel, table=True):
    """One reviewer's verdict on one nomination at one stage, in one round of the dossier."""

    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="nomination.id", index=True)
    stage: str = Field(max_length=40)
    round: int
    verdict: NominationStatus
    reason: str | None = None
    actor_id: int = Field(foreign_key="person.id")
    audit_event_id: int | None = Field(default=None, foreign_key="auditevent.id")


VERDICTS = "verdicts_unwritten"  # session.info key: a transition's verdict rows, until its event has an id


def record_verdicts(session: Session, *, event: AuditEvent, rows: list[dict[str, Any]]) -> None:
    """Write a transition's verdict rows (NominationDecision columns but the event's) when it commits, linked to
    its audit event: a batch's rows go in one statement, after its events, without an ORM object each."""
    if rows:
        defer(session, VERDICTS, event, rows)


def _write_verdicts(session: OrmSession) -> None:
    """Runs at commit, after the audit chain is sealed and its events written with their ids (models.audit is
    imported, so listens, first)."""
    kept = deferred(session, VERDICTS)
    rows = [{**row, "audit_event_id": audit_event.id} for audit_event, rows in kept for row in rows]
    insert_rows(session, table(NominationDecision), rows)  # every row has every column: one statement for all


orm_event.listen(OrmSession, "before_commit", _write_verdicts)


# a nomination still in play: neither withdrawn nor rejected (its dossier's active list, a batch's preload)
IN_PLAY = (Nomination.withdrawn == False, Nomination.status != NominationStatus.rejected)  # noqa: E712
_OF_DOSSIER = Nomination.dossier_id == bindparam("dossier_id")
_ACTIVE = (select(Nomination, Nominee).join(Nominee, col(Nominee.id) == Nomination.nominee_id)
           .where(_OF_DOSSIER, *IN_PLAY).order_by(col(Nomination.id)))  # built once: see models.db (statements)
_NAMES = (select(Nomination.id, Nominee.full_name).join(Nominee, col(Nominee.id) == Nomination.nominee_id)
          .where(_OF_DOSSIER, *IN_PLAY))


def active_nominee_names(session: Session, *, dossier_id: int) -> dict[int, str]:
    """The nominee's name of each nomination still in play: `active_nominations` without their rows, for a
    check that only names them (a council's vote)."""
    return {nomination_id or 0: name for nomination_id, name in session.exec(_NAMES, params={"dossier_id": dossier_id})}


def active_nominations(session: Session, *, dossier_id: int) -> list[tuple[Nomination, Nominee]]:
    """The dossier's nominations that are still in play (not withdrawn, not rejected), with their nominees."""
    return [(n, p) for n, p in session.exec(_ACTIVE, params={"dossier_id": dossier_id}).all()]
