"""A lease that lets exactly one scheduler process be active at a time, whatever the number of app processes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col

from models.db import UTCDateTime


class SchedulerLease(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=120)
    expires_at: datetime = Field(sa_type=UTCDateTime)


def acquire(session: Session, *, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; True when `holder` has it until now + ttl. Commits its own change."""
    result = session.execute(
        update(SchedulerLease)
        .where(col(SchedulerLease.name) == name,
               (col(SchedulerLease.holder) == holder) | (col(SchedulerLease.expires_at) < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    if result.rowcount == 1:  # type: ignore[attr-defined]
        session.commit()
        return True
    session.rollback()
    if session.get(SchedulerLease, name) is not None:
        session.rollback()
        return False
    try:
        session.add(SchedulerLease(name=name, holder=holder, expires_at=now + ttl))
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def release(session: Session, *, name: str, holder: str) -> None:
    row = session.get(SchedulerLease, name)
    if row is not None and row.holder == holder:
        session.delete(row)
    session.commit()
