"""A school's dossier (hồ sơ) for one phase: the unit that travels along the route."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import UniqueConstraint, bindparam
from sqlmodel import Field, Session, SQLModel, select

from models.db import UTCDateTime, utcnow


class DossierStatus(StrEnum):
    """The dossier's coarse status; its exact place is `stage`, which the route config names."""

    draft = "draft"
    in_review = "in_review"
    returned = "returned"
    decided = "decided"
    rejected = "rejected"
    forwarded_higher = "forwarded_higher"


class Dossier(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("phase_id", "school_id"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    school_id: int = Field(foreign_key="unit.id", index=True)
    stage: str = Field(max_length=40, index=True)
    status: DossierStatus = Field(default=DossierStatus.draft, index=True)
    round: int = Field(default=1, description="1 + the number of times it was returned")
    version: int = Field(default=0, description="bumped by every transition; guards against double acts")
    consolidation_id: int | None = Field(default=None, foreign_key="consolidation.id", index=True)
    return_reason: str | None = None
    late: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Consolidation(SQLModel, table=True):
    """A block leader's consolidated list for one phase (tổng hợp của khối)."""

    __table_args__ = (UniqueConstraint("phase_id", "block_id"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    block_id: int = Field(foreign_key="unit.id", index=True)
    forwarded_by: int | None = Field(default=None, foreign_key="person.id")
    forwarded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


_LOCKED = (select(Dossier).where(Dossier.id == bindparam("dossier_id")).with_for_update()
           .execution_options(populate_existing=True))  # built once: see models.db (statements)


def locked(session: Session, dossier_id: int) -> Dossier | None:
    """The dossier, locked until the transaction ends, read afresh."""
    return session.exec(_LOCKED, params={"dossier_id": dossier_id}).first()


def get_or_create_dossier(session: Session, *, phase_id: int, school_id: int, stage: str) -> Dossier:
    dossier = session.exec(select(Dossier).where(Dossier.phase_id == phase_id, Dossier.school_id == school_id)).first()
    if dossier is None:
        dossier = Dossier(phase_id=phase_id, school_id=school_id, stage=stage)
        session.add(dossier)
        session.flush()
    return dossier


def dossiers_of_phase(session: Session, *, phase_id: int) -> list[Dossier]:
    return list(session.exec(select(Dossier).where(Dossier.phase_id == phase_id).order_by(Dossier.id)).all())  # type: ignore[arg-type]
