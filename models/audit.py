"""The append-only audit trail: who did what to which dossier, when, from which stage, and why."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, select

from models.db import UTCDateTime


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


def history(session: Session, *, dossier_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.dossier_id == dossier_id).order_by(AuditEvent.id)  # type: ignore[arg-type]
    return list(session.exec(query).all())


def history_with_actors(session: Session, *, dossier_id: int) -> list[tuple[AuditEvent, str]]:
    """The dossier's events with the name of who acted, in one query."""
    from models.unit import Person

    query = (select(AuditEvent, Person.full_name).join(Person, Person.id == AuditEvent.actor_id)  # type: ignore[arg-type]
             .where(AuditEvent.dossier_id == dossier_id).order_by(AuditEvent.id))  # type: ignore[arg-type]
    return [(event, name) for event, name in session.exec(query).all()]
