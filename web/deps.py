"""What the routers depend on: the person this browser signed in as, the CSRF-checked form, the office."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from config.route import default_route
from config.settings import get_settings
from models.db import session_scope
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.signing import sign, verify
from tdkt.services import links, sessions
from web.pages import page

PERSON_COOKIE, CSRF_COOKIE = "tdkt_person", "tdkt_csrf"
HOME = "home"  # the CSRF scope of the signed-in pages (an action link's pages use the link's hash)


class CsrfRefused(Refused):
    """A form posted without this browser's CSRF token for the page it came from."""

    def __init__(self) -> None:
        super().__init__("csrf", "Phiên làm việc không hợp lệ (CSRF). Hãy mở lại trang hoặc đường dẫn trong thư rồi "
                                 "thao tác lại.")


def signed_in(request: Request) -> int | None:
    """The person this browser signed in as (its session on the server: not ended, not expired), if any."""
    token = request.cookies.get(PERSON_COOKIE, "")
    if not token:
        return None
    with session_scope() as session:
        person_id = sessions.person_of(session, token=token)
    request.state.person_id = person_id  # the access log's
    return person_id


SignedIn = Annotated[int | None, Depends(signed_in)]


def remember(response: Response, token: str) -> None:
    """The cookie of a session begun by a sign-in link (it lasts as long as the session on the server)."""
    settings = get_settings()
    response.set_cookie(PERSON_COOKIE, token, max_age=settings.session_hours * 3600, httponly=True, samesite="lax",
                        secure=settings.base_url.startswith("https://"))


def csrf_page(request: Request, name: str, scope: str, **context: Any) -> HTMLResponse:
    """A page whose forms carry a CSRF token bound to this browser's nonce cookie and to `scope` (an action
    link's hash, or HOME for the signed-in pages)."""
    nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
    response = page(name, csrf=sign("csrf", nonce, scope), **context)
    response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict")
    return response


def check_csrf(request: Request, form: dict[str, Any], scope: str) -> dict[str, Any]:
    """The form, or CsrfRefused."""
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if not (nonce and verify(str(form.get("csrf", "")), "csrf", nonce, scope)):
        raise CsrfRefused()
    return form


async def home_form(request: Request) -> dict[str, Any]:
    """A signed-in page's form, its CSRF token checked."""
    return check_csrf(request, dict(await request.form()), HOME)


async def link_form(token: str, request: Request) -> dict[str, Any]:
    """An action link's page's form, its CSRF token checked against the link."""
    return check_csrf(request, dict(await request.form()), links.token_hash(token))


HomeForm = Annotated[dict[str, Any], Depends(home_form)]
LinkForm = Annotated[dict[str, Any], Depends(link_form)]


def office_person(session: Session, person_id: int | None) -> tuple[Person | None, Unit | None]:
    """The signed-in person and their unit when it is an office (Phòng, Sở, UBND); (None, None) otherwise."""
    person = session.get(Person, person_id) if person_id else None
    unit = session.get(Unit, person.unit_id) if person else None
    return (person, unit) if unit is not None and unit.kind.is_office else (None, None)


def viewer(session: Session, person: Person | None) -> str | None:
    """Who the page is for, as the header shows it: name, role and unit."""
    if person is None:
        return None
    unit = session.get(Unit, person.unit_id)
    return f"{person.full_name} — {default_route().role_label(person.role)}, {unit.name if unit else ''}".rstrip(", ")
