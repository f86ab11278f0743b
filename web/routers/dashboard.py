"""The offices' dashboard of a phase, a block's bulk approval, and the papers the offices draw up."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from config.route import default_route
from config.vocabulary import UnitKind
from models.campaign import Campaign, Phase
from models.db import session_scope
from models.paper import proposal_number
from models.unit import Unit
from notifications.outbox import failed_messages
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.documents import papers as documents
from tdkt.documents import reports
from tdkt.services import bulk, proposal_numbers
from web.deps import HOME, HomeForm, SignedIn, csrf_page, office_person, viewer
from web.pages import download, message, not_signed_in, page

router = APIRouter(prefix="/dashboard/{phase_id}")


@router.get("", response_class=HTMLResponse)
def dashboard(phase_id: int, request: Request, person_id: SignedIn, stage: str = "", block: str = "",
              overdue: str = "", q: str = "", sort: str = "school",
              saved: str = Query("", alias="da-ghi-so")) -> Response:
    """The offices' view of a phase: who has submitted, where each dossier stands, overdue, quotas, failures."""
    asked = {"stage": stage, "block": block, "overdue": overdue == "1", "q": q, "sort": sort}
    return _dashboard(request, phase_id, person_id, asked, done="Đã ghi số tờ trình." if saved == "1" else "")


def _dashboard(request: Request, phase_id: int, person_id: int | None, asked: dict[str, Any], *, done: str = "",
               refused: Refused | None = None, typed: str = "") -> Response:
    with session_scope() as session:
        person, unit = office_person(session, person_id)
        if person is None or unit is None:
            return message(403, "Không có quyền xem", "Trang tổng hợp dành cho Phòng GD&ĐT, Phòng Nội vụ và UBND. "
                                                       "Hãy mở đường dẫn đăng nhập hoặc một đường dẫn trong thư gửi "
                                                       "cho bạn trước.")
        phase = session.get(Phase, phase_id)
        if phase is None:
            return message(404, "Không có đợt này", f"Không có đợt số {phase_id}.")
        block_ids = {u.name: u.id for u in session.exec(select(Unit).where(Unit.kind == UnitKind.block))}
        every = services.status_rows(session, phase_id=phase_id)
        rows = services.filter_rows(every, stage=asked["stage"], block=asked["block"], overdue=asked["overdue"],
                                    search=asked["q"], sort=asked["sort"])
        route = default_route()
        offers = {  # only what this person's office does: no paper it cannot draw up, no approval not its own
            "office_proposal": bool(route.review_steps(UnitKind(unit.kind))),
            "higher_proposal": route.decision_step_for(person.role) is not None,
            "block_approval": any(stage.verdicts is not None and stage.actors is not None
                                  and person.role in stage.actors.roles for stage in route.stages.values()),
        }
        response = csrf_page(
            request, "dashboard.html", HOME, phase=phase, person=person, block_ids=block_ids,
            viewer=viewer(session, person), offers=offers, rows=rows, overview=services.overview(every),
            by_title=services.title_overview(session, phase_id=phase_id), stages=sorted({r.stage for r in every}),
            blocks=sorted({r.block for r in every if r.block}), asked=asked,
            quotas=services.quota_usage(session, phase_id=phase_id), failed=failed_messages(session),
            number=typed or proposal_number(session, phase_id=phase_id, unit_id=unit.id or 0) or "", done=done,
            errors=[("number", refused.message)] if refused else [])
    if refused is not None:
        response.status_code = 422
    return response


@router.post("/so-to-trinh", response_class=HTMLResponse)
async def number_proposal(phase_id: int, request: Request, person_id: SignedIn, form: HomeForm) -> Response:
    """The office's văn thư records the number it gave the office's tờ trình of the phase."""
    typed = str(form.get("number", ""))

    def record() -> Response:
        try:
            with session_scope() as session:
                person, unit = office_person(session, person_id)
                if person is None or unit is None:
                    return not_signed_in()
                proposal_numbers.number_proposal(session, phase_id=phase_id, unit=unit, number=typed, actor=person)
        except Refused as refused:
            asked = {"stage": "", "block": "", "overdue": False, "q": "", "sort": "school"}
            return _dashboard(request, phase_id, person_id, asked, refused=refused, typed=typed)
        return RedirectResponse(f"/dashboard/{phase_id}?da-ghi-so=1#f-number", status_code=303)

    return await run_in_threadpool(record)


@router.get("/khoi/{block_id}", response_class=HTMLResponse)
def bulk_preview(phase_id: int, block_id: int, request: Request, person_id: SignedIn) -> Response:
    """What a bulk approval of the block would do: the clean dossiers, and what stops the others."""
    with session_scope() as session:
        person, _ = office_person(session, person_id)
        if person is None:
            return not_signed_in()
        found = bulk.candidates(session, phase_id=phase_id, block_id=block_id, actor=person)
        block = session.get(Unit, block_id)
    return csrf_page(request, "bulk.html", HOME, found=found, block=block, phase_id=phase_id, done=None)


@router.post("/khoi/{block_id}", response_class=HTMLResponse)
async def bulk_approve(phase_id: int, block_id: int, person_id: SignedIn, _form: HomeForm) -> Response:
    """Approve the block's clean dossiers in one confirmed step (one audited transition each)."""

    def approve() -> Response:
        with session_scope() as session:
            person, _ = office_person(session, person_id)
            if person is None:
                return not_signed_in()
            done, left = bulk.approve_clean(session, phase_id=phase_id, block_id=block_id, actor=person)
            block = session.get(Unit, block_id)
        return page("bulk.html", found=left, block=block, phase_id=phase_id, done=done, csrf="")

    return await run_in_threadpool(approve)


@router.get("/to-trinh.docx")
def office_proposal(phase_id: int, person_id: SignedIn) -> Response:
    """The office's consolidated tờ trình of the phase (the nominations it has approved)."""
    return _office_paper(person_id, lambda session, office: documents.office_proposal(
        session, phase_id=phase_id, office=office), "to-trinh-tong-hop.docx")


@router.get("/to-trinh-cap-tren.docx")
def higher_proposal(phase_id: int, person_id: SignedIn) -> Response:
    """The tờ trình proposing to the levels above what the phase proposed higher (forwarded nominations)."""
    return _office_paper(person_id, lambda session, _office: documents.higher_proposal(session, phase_id=phase_id),
                         "to-trinh-de-nghi-cap-tren.docx")


@router.get("/bao-cao.docx")
def phase_report(phase_id: int, person_id: SignedIn, nam: str = "") -> Response:
    """The office's báo cáo sơ kết of the phase (?nam=1: tổng kết of its school year)."""
    return _office_paper(person_id, lambda session, office: reports.office_report(
        session, office=office, phase_id=phase_id, year=nam == "1"), "bao-cao-tong-ket.docx" if nam == "1" else
        "bao-cao-so-ket.docx")


@router.get("/thong-ke.xlsx")
def year_statistics(phase_id: int, person_id: SignedIn) -> Response:
    """The statistics of the phase's school year: by title and by unit, with the money."""
    with session_scope() as session:
        _, office = office_person(session, person_id)
        if office is None:
            return not_signed_in()
        phase = session.get(Phase, phase_id)
        campaign = session.get(Campaign, phase.campaign_id) if phase else None
        if campaign is None:
            return message(404, "Không có đợt này", f"Không có đợt số {phase_id}.")
        content = reports.year_statistics(session, campaign_code=campaign.code)
    return download(content, documents.XLSX, f"thong-ke-{campaign.code}.xlsx")


def _office_paper(person_id: int | None, make: Callable[[Session, Unit], bytes], filename: str) -> Response:
    """A paper the offices' dashboard links: made for the signed-in office, or the reason it cannot be yet."""
    with session_scope() as session:
        _, office = office_person(session, person_id)
        if office is None:
            return not_signed_in()
        try:
            content = make(session, office)
        except Refused as refusal:
            return message(404, "Chưa lập được giấy tờ", refusal.message)
    return download(content, documents.DOCX, filename)
