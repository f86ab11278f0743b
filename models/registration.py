"""Emulation registration (đăng ký thi đua): at the start of the year each school registers its collectives
and individuals with the title each aims for; block leaders consolidate and forward to the Phòng GD&ĐT."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from config.vocabulary import SubjectKind
from models.db import UTCDateTime


class RegistrationStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"  # sent to the block leader
    forwarded = "forwarded"  # sent on by the block leader to the Phòng


class Registration(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "school_id"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    school_id: int = Field(foreign_key="unit.id", index=True)
    status: RegistrationStatus = Field(default=RegistrationStatus.draft)
    pledge: str = Field(default="", description="the school's emulation pledge (giao ước thi đua)")
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    forwarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    forwarded_by: int | None = Field(default=None, foreign_key="person.id")
    late: bool = False


class RegistrationEntry(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("registration_id", "full_name", "kind", "title_code"),)

    id: int | None = Field(default=None, primary_key=True)
    registration_id: int = Field(foreign_key="registration.id", index=True)
    kind: SubjectKind
    full_name: str = Field(max_length=200)
    position: str | None = Field(default=None, max_length=120)
    title_code: str = Field(max_length=40)


def registration_of(session: Session, *, campaign_id: int, school_id: int) -> Registration | None:
    return session.exec(select(Registration).where(Registration.campaign_id == campaign_id,
                                                   Registration.school_id == school_id)).first()


def entries_of(session: Session, *, registration_id: int) -> list[RegistrationEntry]:
    return list(session.exec(select(RegistrationEntry).where(RegistrationEntry.registration_id == registration_id)
                             .order_by(col(RegistrationEntry.id))).all())


def forwarded_entries(session: Session, *, campaign_id: int, school_id: int) -> list[RegistrationEntry]:
    """What the school registered, once its block leader has forwarded it (before that it does not count)."""
    registration = registration_of(session, campaign_id=campaign_id, school_id=school_id)
    if registration is None or registration.status != RegistrationStatus.forwarded:
        return []
    return entries_of(session, registration_id=registration.id or 0)
