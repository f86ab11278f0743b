"""The transactional outbox: every notification is a row written with its transition, sent later."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from models.db import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class OutboxMessage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    event: str = Field(max_length=60)
    recipient_email: str = Field(max_length=200)
    recipient_name: str = Field(max_length=200)
    dossier_id: int | None = Field(default=None, foreign_key="dossier.id", index=True)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: OutboxStatus = Field(default=OutboxStatus.pending, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class NotificationLog(SQLModel, table=True):
    """One row per reminder, escalation or digest ever sent; its unique key makes a second send impossible.

    Keys: reminder:<phase>:<stage>:<unit>:<offset>, escalation:<phase>:<stage>:<unit>, digest:<person>:<date>.
    """

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
