"""A dossier to read, for the signed-in people who may see it: where it stands, its nominees and its papers, at
every stage (an action link is spent once used; this page is not)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from config.route import default_route
from models.db import session_scope
from models.dossier import Dossier
from models.unit import Person
from tdkt import services
from tdkt.documents import papers as documents
from web.deps import SignedIn, viewer
from web.pages import generated_file, message, not_signed_in, page, paper_file

router = APIRouter(prefix="/ho-so/{dossier_id}")


def _seen(session: Session, person_id: int | None, dossier_id: int) -> tuple[Person, Dossier] | Response:
    """The signed-in person and the dossier they may see, or the page saying why not."""
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return not_signed_in()
    dossier = session.get(Dossier, dossier_id)
    if dossier is None or not services.may_see(session, person=person, dossier=dossier):
        return message(403, "Không có quyền xem", "Hồ sơ này không thuộc trường hay các phòng của bạn.")
    return person, dossier


@router.get("", response_class=HTMLResponse)
def read_dossier(dossier_id: int, person_id: SignedIn) -> Response:
    """The dossier as it stands, read only."""
    with session_scope() as session:
        seen = _seen(session, person_id, dossier_id)
        if isinstance(seen, Response):
            return seen
        person, dossier = seen
        view = services.dossier_view(session, dossier_id=dossier.id or 0, route=default_route())
        return page("dossier_read.html", view=view, generated=documents.DOSSIER_PAPERS, viewer=viewer(session, person))


@router.get("/papers/{paper_id}")
def read_paper(dossier_id: int, paper_id: int, person_id: SignedIn) -> Response:
    with session_scope() as session:
        seen = _seen(session, person_id, dossier_id)
        return seen if isinstance(seen, Response) else paper_file(session, dossier_id=dossier_id, paper_id=paper_id)


@router.get("/documents/{name}")
def read_generated(dossier_id: int, name: str, person_id: SignedIn) -> Response:
    with session_scope() as session:
        seen = _seen(session, person_id, dossier_id)
        return seen if isinstance(seen, Response) else generated_file(session, dossier_id=dossier_id, name=name)
