"""The start page, sign-in links, and the signed-in person's work list."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from config.route import default_route
from config.settings import get_settings
from models.campaign import school_year_of
from models.db import session_scope
from models.dossier import Dossier
from models.unit import Person, Unit
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.common.timefmt import local_today
from tdkt.services import accounts, links, sessions
from tdkt.services.worklist import worklist
from tdkt.workflow.engine import may_act
from web.deps import HOME, PERSON_COOKIE, HomeForm, SignedIn, csrf_page, remember, viewer
from web.pages import link_error, message, not_signed_in, page

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def index() -> HTMLResponse:
    """Start page."""
    return page("index.html", embedded=get_settings().environment == "embedded")


@router.get("/s/{token}")
def sign_in(token: str) -> Response:
    """A sign-in link: remembers the person in this browser and shows their work list."""
    try:
        person_id = links.check_sign_in(token)
    except links.LinkRefused as refusal:
        return link_error(refusal)
    with session_scope() as session:
        token = sessions.start(session, person_id=person_id)
    response = RedirectResponse("/home", status_code=303)
    remember(response, token)
    return response


@router.get("/home", response_class=HTMLResponse)
def home(request: Request, person_id: SignedIn) -> Response:
    """What the signed-in person can act on now; opening one issues them an action link."""
    with session_scope() as session:
        person = session.get(Person, person_id) if person_id else None
        if person is None:
            return not_signed_in()
        work = worklist(session, person=person, route=default_route(), today=local_today())
        who, administers = viewer(session, person), bool(accounts.domain(session, person=person))
    return csrf_page(request, "home.html", HOME, work=work, viewer=who, administers=administers)


@router.post("/signout")
def sign_out(request: Request, _form: HomeForm) -> Response:
    """End this browser's session on the server (a shared computer at school): a copy of its cookie dies too."""
    with session_scope() as session:
        sessions.end(session, token=request.cookies.get(PERSON_COOKIE, ""))
    response = message(200, "Đã đăng xuất", "Bạn đã đăng xuất khỏi trình duyệt này.")
    response.delete_cookie(PERSON_COOKIE)
    return response


@router.post("/home/dossiers/{dossier_id}")
async def open_from_home(dossier_id: int, person_id: SignedIn, _form: HomeForm) -> Response:
    """Issue the signed-in person a fresh action link for a dossier they may act on, and open it."""
    return await run_in_threadpool(_issue, person_id, lambda session, person: session.get(Dossier, dossier_id))


@router.post("/home/phases/{phase_id}")
async def start_dossier(phase_id: int, person_id: SignedIn, _form: HomeForm) -> Response:
    """A school opens its dossier for a phase (created when missing), then works on it through its link."""
    return await run_in_threadpool(_issue, person_id, lambda session, person: services.open_dossier(
        session, phase_id=phase_id, school_id=person.unit_id))


def _issue(person_id: int | None, find: Callable[[Session, Person], Dossier | None]) -> Response:
    route = default_route()
    try:
        with session_scope() as session:
            person = session.get(Person, person_id) if person_id else None
            if person is None:
                return not_signed_in()
            dossier = find(session, person)
            school = session.get(Unit, dossier.school_id) if dossier else None
            year = school_year_of(session, phase_id=dossier.phase_id) if dossier else None
            if dossier is None or school is None or not may_act(session, route=route, stage_name=dossier.stage,
                                                                 actor=person, school=school, school_year=year):
                return message(403, "Không có quyền xử lý", "Hồ sơ này không chờ bạn xử lý ở bước hiện tại.")
            token = links.issue(session, person=person, dossier=dossier, route=route)
    except Refused as refusal:
        return message(422, "Chưa mở được hồ sơ", refusal.message)
    return RedirectResponse(f"/l/{token}", status_code=303)
