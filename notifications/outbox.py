"""Deliver outbox rows: claim due rows, send them once each with a stable Message-ID, record the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from config.settings import Settings
from models.db import utcnow
from models.dossier import Dossier
from models.outbox import Channel, OutboxMessage, OutboxStatus
from notifications.mailer import PermanentFailure, build_message, send_all
from notifications.render import render
from notifications.webhook import post_all

# a fresh action link's token for the recipient (by email) to act on the dossier at its stage, or None
# (tdkt.services.links.token_for): handed in, so that sending needs nothing of the use cases
LinkIssuer = Callable[[Session, str, Dossier], str | None]
# the path of a fresh sign-in link for a person, by id (tdkt.services.links.sign_in_path), for an invitation
SignInIssuer = Callable[[int], str]
INVITATION = "invitation"
CLAIM_LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=6)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def message_id(outbox_id: int, settings: Settings) -> str:
    """Stable per outbox row, so a retried send is recognisably the same email, never a second one."""
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "tdkt.invalid"
    return f"<tdkt-outbox-{outbox_id}@{domain}>"


def backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def claim(session: Session, *, now: datetime, limit: int, ids: list[int] | None = None) -> list[OutboxMessage]:
    """Take due rows for this sender: bump attempts and push next_attempt_at by a lease, atomically per row."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.pending, col(OutboxMessage.next_attempt_at) <= now
    ).order_by(col(OutboxMessage.id)).limit(limit)
    if ids is not None:
        query = query.where(col(OutboxMessage.id).in_(ids))
    claimed = session.execute(
        update(OutboxMessage)
        .where(col(OutboxMessage.id).in_(query.with_for_update(skip_locked=True).scalar_subquery()),
               col(OutboxMessage.status) == OutboxStatus.pending, col(OutboxMessage.next_attempt_at) <= now)
        .values(attempts=col(OutboxMessage.attempts) + 1, next_attempt_at=now + CLAIM_LEASE)
        .returning(col(OutboxMessage.id))
        .execution_options(synchronize_session=False)
    ).scalars().all()
    if not claimed:
        return []
    return list(session.exec(select(OutboxMessage).where(col(OutboxMessage.id).in_(claimed))
                             .order_by(col(OutboxMessage.id)).execution_options(populate_existing=True)).all())


def _asking(row: OutboxMessage) -> bool:
    return row.channel == Channel.email and bool(row.context.get("ask_to_act")) and row.dossier_id is not None


def _with_link(session: Session, row: OutboxMessage, settings: Settings, dossiers: dict[int, Dossier],
               issue_link: LinkIssuer, sign_in: SignInIssuer | None) -> dict[str, Any]:
    """An email that asks its recipient to act gets a fresh action link, an invitation a sign-in link, both
    issued now and never stored in clear; every email knows the site's address (the public results, the
    decision and its certificates)."""
    context = {**row.context, "site": settings.base_url.rstrip("/")}
    if row.event == INVITATION and row.channel == Channel.email and sign_in is not None:
        return {**context, "link": f"{settings.base_url.rstrip('/')}{sign_in(int(row.context['person_id']))}"}
    if not _asking(row):
        return context
    dossier = dossiers.get(row.dossier_id or 0)
    if dossier is None or dossier.stage != row.context.get("stage_code"):
        return context  # the dossier has moved on since: a link would only say so
    token = issue_link(session, row.recipient_email, dossier)
    return {**context, "link": f"{settings.base_url.rstrip('/')}/l/{token}"} if token else context


def deliver(session: Session, *, settings: Settings, issue_link: LinkIssuer, now: datetime | None = None,
            limit: int = 500, ids: list[int] | None = None, sign_in: SignInIssuer | None = None) -> DeliveryReport:
    """Send the due rows; a connection failure leaves them pending with backoff; 5xx marks them failed.

    It commits as it goes: the claim (a lease: no other sender takes these rows meanwhile) and the action links
    its emails carry before anything is sent, then each email's outcome as soon as the server has answered it,
    so a sender stopped mid-round sends again at most the email it had in flight."""
    now = now or utcnow()
    if ids is not None and not ids:
        return DeliveryReport()
    rows = claim(session, now=now, limit=limit, ids=ids)
    report = DeliveryReport()
    if not rows:
        return report
    asked = {row.dossier_id for row in rows if _asking(row)}  # the dossiers their links are for, read at once
    dossiers = {d.id or 0: d for d in session.exec(select(Dossier).where(col(Dossier.id).in_(asked))).all()} \
        if asked else {}
    rendered = {message_id(row.id or 0, settings):
                (row, render(row.event, _with_link(session, row, settings, dossiers, issue_link, sign_in),
                             to_email=row.recipient_email, to_name=row.recipient_name))
                for row in rows}
    session.commit()

    def record(key: str, error: Exception | None) -> None:
        row = rendered[key][0]
        if error is None:
            row.status, row.sent_at, row.last_error = OutboxStatus.sent, utcnow(), None
            report.sent += 1
        elif isinstance(error, PermanentFailure):
            row.status, row.last_error = OutboxStatus.failed, str(error)[:500]
            report.failed += 1
        else:
            row.next_attempt_at, row.last_error = now + backoff(row.attempts), str(error)[:500]
            report.retrying += 1
        session.add(row)
        session.commit()

    emails = [build_message(email, message_id=key, sender=settings.mail_from)
              for key, (row, email) in rendered.items() if row.channel == Channel.email]
    send_all(emails, settings, record)
    posts = {key: (row.recipient_email, {"id": key, "event": row.event, "subject": email.subject, "text": email.text,
                                         "context": row.context})
             for key, (row, email) in rendered.items() if row.channel == Channel.webhook}
    if posts:
        failures = post_all(posts, settings)
        for key in posts:
            record(key, failures.get(key))
    return report


def failed_messages(session: Session) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.failed)).all())
