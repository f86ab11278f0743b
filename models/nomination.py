"""Nominees (individuals or collectives) and their nominations for a title or award."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint, insert
from sqlmodel import Field, Session, SQLModel, col, select

from config.vocabulary import SubjectKind


class NominationStatus(StrEnum):
    """Where one nomination stands, separate from its dossier's stage."""

    proposed = "proposed"
    approved = "approved"
    returned = "returned"
    rejected = "rejected"
    granted = "granted"
    forwarded = "forwarded"


class Nominee(SQLModel, table=True):
    """A person (or a collective) who can be nominated: one record per staff member, kept across transfers
    (`unit_id` is the current unit), so the award history follows the person, not the name."""

    id: int | None = Field(default=None, primary_key=True)
    kind: SubjectKind
    full_name: str = Field(max_length=200, index=True)
    position: str | None = Field(default=None, max_length=120, description="chức vụ")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    birth_date: date | None = Field(default=None, description="ngày sinh: tells namesakes apart")
    identity_code: str | None = Field(default=None, max_length=20, unique=True, index=True,
                                      description="mã định danh cá nhân or mã số viên chức, where known")
    recruited_on: date | None = Field(default=None, description="ngày tuyển dụng (LĐTT's 10-month condition)")
    sex: str | None = Field(default=None, max_length=6, description="giới tính (a config.vocabulary.Sex), for the "
                                                                    "year's statistics")
    direct_teaching: bool | None = Field(default=None, description="trực tiếp giảng dạy, for the year's statistics")


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
    disciplined: bool = Field(default=False, description="the nominee was disciplined (khiển trách or above) in "
                                                         "the school year")
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


def record_verdicts(session: Session, rows: list[dict[str, Any]]) -> None:
    """Write a transition's verdict rows (NominationDecision's columns, each linked to its audit event), in one
    statement."""
    if rows:
        session.execute(insert(NominationDecision), rows)


# a nomination still in play: neither withdrawn nor rejected
IN_PLAY = (Nomination.withdrawn == False, Nomination.status != NominationStatus.rejected)  # noqa: E712


def active_nominee_names(session: Session, *, dossier_id: int) -> dict[int, str]:
    """The nominee's name of each nomination still in play, by nomination."""
    query = (select(Nomination.id, Nominee.full_name).join(Nominee, col(Nominee.id) == Nomination.nominee_id)
             .where(Nomination.dossier_id == dossier_id, *IN_PLAY))
    return {nomination_id or 0: name for nomination_id, name in session.exec(query)}


def active_nominations(session: Session, *, dossier_id: int) -> list[tuple[Nomination, Nominee]]:
    """The dossier's nominations that are still in play (not withdrawn, not rejected), with their nominees."""
    query = (select(Nomination, Nominee).join(Nominee, col(Nominee.id) == Nomination.nominee_id)
             .where(Nomination.dossier_id == dossier_id, *IN_PLAY).order_by(col(Nomination.id)))
    return [(n, p) for n, p in session.exec(query).all()]
