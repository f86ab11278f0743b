"""A campaign (phong trào thi đua), its phases (đợt), their per-stage deadlines and quotas."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from config.rules import RuleSet, campaign_rules
from models.db import UTCDateTime


class Campaign(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=80)
    number: str = Field(max_length=60, description="Số: …/KH-… of the plan")
    issued_on: date | None = Field(default=None, description="the day the plan was signed, which the papers cite")
    theme: str
    school_year: str = Field(max_length=20)
    issuer_unit_id: int = Field(foreign_key="unit.id")
    signer: str = Field(default="", max_length=200,
                        description="who signed the plan, as printed: 'KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG / …'")
    rule_set: str = Field(max_length=80)
    rule_overrides: str = Field(default="", description="JSON merged over the rule set (the campaign's quy chế)")
    registration_due: datetime | None = Field(default=None, sa_type=UTCDateTime,
                                              description="block leaders forward registrations by then")


class Phase(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("campaign_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    number: int
    name: str = Field(max_length=200)
    starts_on: date
    ends_on: date
    year_end: bool = Field(default=False, description="đợt tổng kết năm học: the phase in which the year's titles "
                                                      "(xét tặng hằng năm) are proposed and decided")
    occasion: str = Field(default="regular", max_length=20,
                          description="regular; thematic (khen thưởng chuyên đề); ad_hoc (khen thưởng đột xuất: "
                                      "only the schools that propose take part)")
    forms: list[str] = Field(default_factory=list, sa_type=JSON,
                             description="the titles the phase proposes, by code; any that may be when empty")


class StageDeadline(SQLModel, table=True):
    """When a stage's actors must have acted, for one phase (the route names the deadline key)."""

    __table_args__ = (UniqueConstraint("phase_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    key: str = Field(max_length=40)
    due_at: datetime = Field(sa_type=UTCDateTime)


class ReportDue(SQLModel, table=True):
    """A report the plan asks of the offices below its issuer by a date (báo cáo sơ kết, tổng kết)."""

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    name: str = Field(max_length=200)
    due_at: datetime = Field(sa_type=UTCDateTime)
    unit_kind: str = Field(max_length=30, description="the kind of office that reports (phong_gddt)")


class PhaseQuota(SQLModel, table=True):
    """At most `max_count` nominations of a subject kind (and optionally a title) approved in a phase."""

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    subject: str = Field(max_length=20, description="individual or collective")
    title_code: str | None = Field(default=None, max_length=40)
    max_count: int


def deadline_for(session: Session, *, phase_id: int, key: str) -> datetime | None:
    """When the phase's stage deadline `key` falls, if the phase has one."""
    query = select(StageDeadline.due_at).where(StageDeadline.phase_id == phase_id, StageDeadline.key == key)
    return session.exec(query).first()


def quotas_for(session: Session, *, phase_id: int) -> list[PhaseQuota]:
    return list(session.exec(select(PhaseQuota).where(PhaseQuota.phase_id == phase_id)).all())


def get_campaign_by_code(session: Session, *, code: str) -> Campaign | None:
    return session.exec(select(Campaign).where(Campaign.code == code)).first()



def school_year_of(session: Session, *, phase_id: int) -> str | None:
    """The school year of the campaign a phase (and so a dossier) belongs to."""
    return session.exec(select(Campaign.school_year).join(Phase, col(Phase.campaign_id) == Campaign.id)
                        .where(Phase.id == phase_id)).first()


def phase_rules(session: Session, *, phase_id: int) -> RuleSet:
    """The rule set of the campaign a phase (and so a dossier) belongs to."""
    phase = session.get(Phase, phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    assert campaign is not None, f"phase {phase_id} has no campaign"
    return campaign_rules(campaign)
