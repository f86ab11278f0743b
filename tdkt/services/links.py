"""Signed, expiring, single-use action links, and the checks that explain a refused one.

A token is `<random>.<signature>`: the signature is an HMAC (TDKT_SECRET_KEY) of the random part and what
the link is bound to (person, dossier, stage), so a token cannot be forged or re-bound; only its sha256 is
stored. A link expires at the stage deadline plus a grace, is used once, and dies when the dossier leaves
the stage it was sent for.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from config.route import Route, default_route
from config.settings import get_settings
from models.campaign import deadline_for
from models.db import utcnow
from models.dossier import Dossier
from models.link import ActionLink, Opened, link_by_hash
from models.unit import Person, get_person_by_email
from tdkt.common.errors import Refused
from tdkt.common.signing import sign, verify
from tdkt.common.timefmt import fmt_datetime

DEFAULT_LIFETIME = timedelta(days=14)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(session: Session, *, person: Person, dossier: Dossier, route: Route, now: datetime | None = None) -> str:
    """Create a link for `person` to act on `dossier` at its current stage; returns the token (not stored)."""
    now = now or utcnow()
    stage = route.stages[dossier.stage]
    deadline = deadline_for(session, phase_id=dossier.phase_id, key=stage.deadline.key) if stage.deadline else None
    grace = timedelta(days=get_settings().link_grace_days)
    expires = (deadline + grace) if deadline else now + DEFAULT_LIFETIME
    random_part = secrets.token_urlsafe(24)
    token = f"{random_part}.{sign(random_part, person.id or 0, dossier.id or 0, dossier.stage)}"
    session.add(ActionLink(token_hash=token_hash(token), person_id=person.id or 0, dossier_id=dossier.id or 0,
                           stage=dossier.stage, expires_at=max(expires, now + grace)))
    return token


def token_for(session: Session, email: str, dossier: Dossier) -> str | None:
    """A link for the active person with this email to act on `dossier` at its stage (None: nobody active)."""
    person = get_person_by_email(session, email=email)
    if person is None or not person.active:
        return None
    return issue(session, person=person, dossier=dossier, route=default_route())


class LinkRefused(Refused):
    """Why a link cannot be used, with where its dossier stands now (when the link is genuine)."""

    def __init__(self, code: str, message: str, dossier: Dossier | None = None) -> None:
        super().__init__(code, message)
        self.dossier = dossier


def check(session: Session, *, token: str, route: Route, now: datetime | None = None,
          signed_in: int | None = None, lock: bool = False, reading: bool = False) -> Opened:
    """The link with its dossier, school and person, or LinkRefused saying forged, for another person, used,
    moved on or expired.

    With `lock` (the link is about to be used), the dossier is locked and read afresh. With `reading` (a paper of
    the dossier is downloaded), a link used or moved on still serves: the papers stay the recipient's to read
    until the link expires."""
    now = now or utcnow()
    random_part, _, signature = token.partition(".")
    found = link_by_hash(session, token_hash=token_hash(token), lock=lock) if signature else None
    if found is None or not verify(signature, random_part, found.link.person_id, found.link.dossier_id,
                                   found.link.stage):
        raise LinkRefused("forged", "Đường dẫn không hợp lệ: nó không do hệ thống phát hành hoặc đã bị sửa.")
    link, dossier = found.link, found.dossier
    where = f"Hồ sơ hiện ở bước: {route.stages[dossier.stage].label}."
    if signed_in is not None and signed_in != link.person_id:
        raise LinkRefused("wrong_person", f"Đường dẫn này được gửi cho người khác, không phải cho bạn. {where}",
                          dossier)
    if link.used_at is not None and not reading:
        raise LinkRefused("used", f"Đường dẫn đã được dùng lúc {fmt_datetime(link.used_at)}. {where}", dossier)
    if dossier.stage != link.stage and not reading:
        raise LinkRefused("moved_on", f"Hồ sơ đã chuyển sang bước khác sau khi thư được gửi. {where}", dossier)
    if now > link.expires_at:
        raise LinkRefused("expired", f"Đường dẫn đã hết hạn lúc {fmt_datetime(link.expires_at)}. {where}", dossier)
    return found


def use(session: Session, *, link: ActionLink, now: datetime | None = None) -> None:
    """Mark the link used, once: a second use in a concurrent request changes no row and is refused."""
    used_at = now or utcnow()
    result = session.execute(update(ActionLink).where(col(ActionLink.id) == link.id, col(ActionLink.used_at).is_(None))
                             .values(used_at=used_at).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkRefused("used", "Đường dẫn vừa được dùng trong một yêu cầu khác.")
    set_committed_value(link, "used_at", used_at)


SIGN_IN_LIFETIME = timedelta(days=30)


def sign_in_token(*, person_id: int, expires: datetime) -> str:
    """A bookmarkable sign-in link token: `<person>.<expiry>.<hmac>`, stateless (nothing is stored).

    It only identifies the person to the browser; every action still goes through a single-use action link
    issued for that person, dossier and stage.
    """
    stamp = int(expires.timestamp())
    return f"{person_id}.{stamp}.{sign('sign-in', person_id, stamp)}"


def sign_in_path(person_id: int) -> str:
    """A fresh sign-in link's path for the person ("/s/<token>"), valid SIGN_IN_LIFETIME."""
    return f"/s/{sign_in_token(person_id=person_id, expires=utcnow() + SIGN_IN_LIFETIME)}"


def _number(text: str) -> bool:
    """ASCII digits of a sane length: "²" is a digit to str.isdigit, and 5,000 digits overflow int()."""
    return text.isascii() and text.isdigit() and len(text) <= 12


def check_sign_in(token: str, *, now: datetime | None = None) -> int:
    """The person a sign-in token names, or LinkRefused (forged or expired)."""
    person, _, rest = token.partition(".")
    stamp, _, mac = rest.partition(".")
    if not (_number(person) and _number(stamp)) or not verify(mac, "sign-in", int(person), int(stamp)):
        raise LinkRefused("forged", "Đường dẫn đăng nhập không hợp lệ: nó không do hệ thống phát hành hoặc đã bị sửa.")
    if (now or utcnow()).timestamp() > int(stamp):
        raise LinkRefused("expired", "Đường dẫn đăng nhập đã hết hạn. Hãy xin cán bộ quản trị một đường dẫn mới.")
    return int(person)
