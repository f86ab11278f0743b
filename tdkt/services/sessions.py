"""Sign-in sessions of the pages: started only by a sign-in link, ended by signing out or by their expiry.

An action link never starts one: it authorises its own action only (a mail scanner or a forwarded email that
opens it signs nobody in).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, select, update

from config.settings import get_settings
from models.db import utcnow
from models.unit import Person
from models.web_session import WebSession
from tdkt.common.errors import Refused


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, *, person_id: int, now: datetime | None = None) -> str:
    """A new session for the person (Refused for one deactivated); returns the token the browser's cookie
    carries (only its hash is kept)."""
    person = session.get(Person, person_id)
    if person is None or not person.active:
        raise Refused("inactive", "Tài khoản này đã ngừng hoạt động. Hãy liên hệ cán bộ quản trị của đơn vị.")
    token = secrets.token_urlsafe(32)
    now = now or utcnow()
    session.add(WebSession(token_hash=_hash(token), person_id=person_id, created_at=now,
                           expires_at=now + timedelta(hours=get_settings().session_hours)))
    return token


def person_of(session: Session, *, token: str, now: datetime | None = None) -> int | None:
    """Whom a cookie's session signs in, while it is neither ended nor expired (nor its person deactivated)."""
    if not token or len(token) > 100:
        return None
    query = select(WebSession.person_id).join(Person, col(Person.id) == WebSession.person_id).where(
        WebSession.token_hash == _hash(token), col(WebSession.ended_at).is_(None),
        col(WebSession.expires_at) > (now or utcnow()), col(Person.active) == True)  # noqa: E712
    return session.exec(query).first()


def end(session: Session, *, token: str, now: datetime | None = None) -> None:
    """Sign out: the session is over, whoever holds a copy of its cookie."""
    session.execute(update(WebSession).where(col(WebSession.token_hash) == _hash(token),
                                             col(WebSession.ended_at).is_(None)).values(ended_at=now or utcnow()))
