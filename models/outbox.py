"""The transactional outbox: every notification is a row written in the transaction of what caused it, sent
later by the delivery flow."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, Session, SQLModel, col, select

from models.db import UTCDateTime, utcnow


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"


class Channel(StrEnum):
    email = "email"
    webhook = "webhook"


class OutboxMessage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    channel: Channel = Field(default=Channel.email)
    event: str = Field(max_length=60)
    recipient_email: str = Field(max_length=500, description="an email address, or the URL of a webhook row")
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


def enqueue(session: Session, *, event: str, recipients: list[tuple[str, str]], context: dict[str, Any],
            dossier_id: int | None = None) -> list[OutboxMessage]:
    """Queue one email per (email, name) recipient, plus one webhook post when TDKT_WEBHOOK_URL is set."""
    from config.settings import get_settings

    now, webhook_url = utcnow(), get_settings().webhook_url
    rows = [OutboxMessage(channel=Channel.email, event=event, recipient_email=email, recipient_name=name,
                          dossier_id=dossier_id, context=context, next_attempt_at=now, created_at=now)
            for email, name in recipients]
    if webhook_url and rows:
        rows.append(OutboxMessage(channel=Channel.webhook, event=event, recipient_email=webhook_url,
                                  recipient_name=str(context.get("recipient_unit", "")), dossier_id=dossier_id,
                                  context=context, next_attempt_at=now, created_at=now))
    session.add_all(rows)
    session.flush()
    return rows


def due(session: Session, *, now: datetime) -> bool:
    """Whether any row waits to be sent now (one index lookup: the scheduler asks every few seconds)."""
    query = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.pending,
                                           col(OutboxMessage.next_attempt_at) <= now).limit(1)
    return session.exec(query).first() is not None
