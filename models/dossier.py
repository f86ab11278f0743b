"""A school's dossier (hồ sơ) for one phase: the unit that travels along the route."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Field, Session, SQLModel, col, select

from config.vocabulary import DossierStatus
from models.db import UTCDateTime, utcnow


class Dossier(SQLModel, table=True):
    """The school's dossier of a phase (`grantor` empty), or the part of it proposed to a higher grantor (the
    grantor's authority code), which travels that grantor's track of the route (Route.grantors)."""

    __table_args__ = (UniqueConstraint("phase_id", "school_id", "grantor", name="uq_dossier_phase_school_grantor"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    school_id: int = Field(foreign_key="unit.id", index=True)
    grantor: str = Field(default="", max_length=40)
    parent_id: int | None = Field(default=None, foreign_key="dossier.id",
                                  description="the school's dossier this part was proposed from")
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


def locked(session: Session, dossier_id: int) -> Dossier | None:
    """The dossier, locked until the transaction ends, read afresh."""
    query = select(Dossier).where(Dossier.id == dossier_id).with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def move(session: Session, dossier: Dossier, *, values: dict[str, Any]) -> None:
    """Write a transition's `values` (its new stage, status, version, …) to the dossier, only if it is still at
    the version it was read at. Raises StaleDataError, as the ORM does for a versioned row, when it has moved on
    meanwhile (another transaction acted on it first)."""
    statement = update(Dossier).where(col(Dossier.id) == dossier.id, col(Dossier.version) == dossier.version)
    changed = session.execute(statement.values(**values).execution_options(synchronize_session=False))
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleDataError(f"dossier {dossier.id} moved on from version {dossier.version}")
    for key, value in values.items():  # what the UPDATE wrote, without reading the row back
        set_committed_value(dossier, key, value)


def get_or_create_dossier(session: Session, *, phase_id: int, school_id: int, stage: str, grantor: str = "",
                          parent_id: int | None = None, status: DossierStatus = DossierStatus.draft) -> Dossier:
    """The school's dossier of the phase (or its part for `grantor`), created at `stage` when missing."""
    dossier = session.exec(select(Dossier).where(Dossier.phase_id == phase_id, Dossier.school_id == school_id,
                                                 Dossier.grantor == grantor)).first()
    if dossier is None:
        dossier = Dossier(phase_id=phase_id, school_id=school_id, stage=stage, grantor=grantor, parent_id=parent_id,
                          status=status)
        session.add(dossier)
        session.flush()
    return dossier
