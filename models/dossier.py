"""A school's dossier (hồ sơ) for one phase: the unit that travels along the route."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import UniqueConstraint, bindparam, update
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Field, Session, SQLModel, select

from models.cache import core_execute
from models.db import AnyOf, UTCDateTime, table, utcnow


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


_DOSSIERS = table(Dossier)
# built once (models.db); its SET clause is the columns named in the values it is executed with
_MOVE = update(_DOSSIERS).where(AnyOf(_DOSSIERS.c.id, "dossier_ids"), _DOSSIERS.c.version == bindparam("was"))


def move(session: Session, dossier_ids: list[int], *, was: int, values: dict[str, Any]) -> None:
    """Write a transition's `values` (its new stage, status, version, …) to these dossiers in one UPDATE, each
    only if it is still at version `was`. Raises StaleDataError, as the ORM does for a versioned row, when one
    of them has moved on meanwhile (another transaction acted on it first)."""
    changed = core_execute(session, _MOVE, {**values, "dossier_ids": dossier_ids, "was": was})
    if changed.rowcount != len(dossier_ids):
        raise StaleDataError(f"{len(dossier_ids) - changed.rowcount} of {len(dossier_ids)} dossiers moved on")


def get_or_create_dossier(session: Session, *, phase_id: int, school_id: int, stage: str) -> Dossier:
    dossier = session.exec(select(Dossier).where(Dossier.phase_id == phase_id, Dossier.school_id == school_id)).first()
    if dossier is None:
        dossier = Dossier(phase_id=phase_id, school_id=school_id, stage=stage)
        session.add(dossier)
        session.flush()
    return dossier


def dossiers_of_phase(session: Session, *, phase_id: int) -> list[Dossier]:
    return list(session.exec(select(Dossier).where(Dossier.phase_id == phase_id).order_by(Dossier.id)).all())  # type: ignore[arg-type]
