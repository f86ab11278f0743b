"""An action link's pages: GET shows the dossier (and changes nothing), POST (with CSRF) acts or edits."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from config.route import Route, default_route
from config.settings import get_settings
from config.vocabulary import DossierStatus, Sex, SubjectKind
from models.campaign import phase_rules
from models.db import session_scope
from models.decision import Decision
from models.dossier import Dossier
from models.link import ActionLink
from models.nomination import Nomination, active_nominations
from models.paper import proposal_number
from models.unit import Person, Unit
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.documents import papers as documents
from tdkt.services import attachments, importer, links, proposal_numbers
from tdkt.services.importer import import_nominees
from tdkt.services.people import Profile
from tdkt.workflow import members
from web.deps import LinkForm, SignedIn, check_csrf, csrf_page, viewer
from web.forms import BAD_VOTE, ActionForm, EditForm, FiguresForm, NomineeForm, VoteForm, read
from web.pages import download, generated_file, link_error, message, page, paper_file, too_big

router = APIRouter(prefix="/l/{token}")
log = logging.getLogger("tdkt.web.links")
BLOCK_PAPER, DOCX = "to-trinh-khoi.docx", documents.DOCX
Change = Callable[[Session, ActionLink, Dossier], object]


@router.get("", response_class=HTMLResponse)
def open_link(token: str, request: Request, person_id: SignedIn) -> Response:
    """Show the dossier and its choices; never changes anything (mail scanners open links too)."""
    return _dossier_page(request, token, person_id)  # signs nobody in: the link authorises its own actions only


def _dossier_page(request: Request, token: str, person_id: int | None, *, status: int = 200,
                  refused: Refused | None = None, typed: dict[str, Any] | None = None, form_id: str = "") -> Response:
    """The link's dossier page; after a refused form, with the error summary at the top, the error beside its
    field and what was typed kept in the form."""
    route = default_route()
    with session_scope() as session:
        opened = links.check(session, token=token, route=route, signed_in=person_id)
        dossier, person = opened.dossier, opened.person
        view = services.dossier_view(session, dossier_id=dossier.id or 0, route=route)
        members_ = _block_members(session, dossier) if (route.block_step() or ("",))[0] == dossier.stage else []
        who = viewer(session, person)
        school = session.get(Unit, dossier.school_id)
        numbers = {"truong": proposal_number(session, phase_id=dossier.phase_id, unit_id=dossier.school_id),
                   "khoi": proposal_number(session, phase_id=dossier.phase_id, unit_id=school.block_id or 0)
                   if school else None}
    typed = typed or {}
    field = _field_of(refused, typed, form_id) if refused else ""
    response = csrf_page(request, "dossier.html", links.token_hash(token), view=view, person=person, token=token,
                         viewer=who, members=members_, school_mode=dossier.stage == route.start,
                         generated=documents.DOSSIER_PAPERS, block_paper=BLOCK_PAPER, form_id=form_id,
                         typed=typed, error_field=field, saved=request.query_params.get("da-luu") == "1",
                         numbers=numbers,
                         errors=[(field, refused.message)] if refused else [])
    response.status_code = status
    return response


FIRST_FIELD = {"nominate-form": "full_name", "vote-form": "held_on", "verdict-form": "verdicts",
               "number-form": "number"}


def _field_of(refused: Refused, typed: dict[str, Any], form_id: str) -> str:
    """The field a refusal is about: the one whose typed value it quotes, else the form's first."""
    quoted = [name for name, value in typed.items() if name != "csrf" and str(value).strip()
              and f"'{str(value).strip()}'" in refused.message]
    return quoted[0] if quoted else FIRST_FIELD.get(form_id, "")


@router.post("", response_class=HTMLResponse)
async def act_by_link(token: str, request: Request, form: LinkForm, person_id: SignedIn) -> Response:
    """Apply the reviewer's choices: one transaction for the transition and the link's use."""
    return await run_in_threadpool(_act, request, token, form, person_id)  # keep the event loop free


@router.post("/import", response_class=HTMLResponse)
async def import_list(token: str, request: Request, person_id: SignedIn) -> Response:
    """The school uploads its nominee list (XLSX/CSV): every row or none; the link stays usable."""
    return await _upload(request, token, person_id, "Hãy chọn tệp .xlsx hoặc .csv để tải lên.",
                         lambda session, _link, dossier, _form, filename, content: import_nominees(
                             session, dossier_id=dossier.id or 0, content=content, filename=filename))


@router.get("/mau-danh-sach.xlsx")
def list_template(token: str, person_id: SignedIn) -> Response:
    """The nominee list to fill in: the columns the import reads, an example row, the phase's titles."""
    with session_scope() as session:
        dossier = links.check(session, token=token, route=default_route(), signed_in=person_id, reading=True).dossier
        content = importer.template(session, dossier_id=dossier.id or 0)
    return download(content, documents.XLSX, "mau-danh-sach-de-nghi.xlsx")


@router.post("/nominate", response_class=HTMLResponse)
async def nominate(token: str, request: Request, form: LinkForm, person_id: SignedIn) -> Response:
    """The school enters one nominee by hand (the other way in is the spreadsheet upload)."""

    def save(session: Session, _link: ActionLink, dossier: Dossier) -> None:
        nominee = read(NomineeForm, form)
        services.add_nomination(session, dossier_id=dossier.id or 0, full_name=nominee.full_name,
                                kind=SubjectKind(nominee.kind), title_code=nominee.title, position=nominee.position,
                                achievements=nominee.achievements, initiative=nominee.initiative,
                                figures=_figures(session, dossier, nominee.figures),  # an individual's: refused
                                birth_date=nominee.birth_date, recruited_on=nominee.recruited_on,
                                identity_code=nominee.identity_code, disciplined=nominee.disciplined,
                                profile=Profile(Sex(nominee.sex) if nominee.sex else None, nominee.direct_teaching))

    return await run_in_threadpool(_edit, token, person_id, save, request, form, "nominate-form")


@router.post("/figures/{nomination_id}", response_class=HTMLResponse)
async def member_figures(token: str, nomination_id: int, form: LinkForm, person_id: SignedIn) -> Response:
    """The school corrects a collective's figures of its members (after a return, say)."""

    def save(session: Session, _link: ActionLink, dossier: Dossier) -> None:
        services.set_member_figures(session, nomination_id=_own(session, dossier, nomination_id),
                                    figures=_figures(session, dossier, read(FiguresForm, form).figures))

    return await run_in_threadpool(_edit, token, person_id, save)


@router.post("/papers", response_class=HTMLResponse)
async def attach_paper(token: str, request: Request, person_id: SignedIn) -> Response:
    """The school attaches a paper (PDF, DOCX, PNG, JPEG — checked by content), size-limited."""
    return await _upload(request, token, person_id, "Hãy chọn tệp giấy tờ để đính kèm.",
                         lambda session, link, dossier, form, filename, content: attachments.attach(
                             session, dossier=dossier, person=session.get(Person, link.person_id),
                             kind=str(form.get("kind", "")), filename=filename, content=content,
                             start_stage=default_route().start))


@router.post("/papers/{paper_id}/remove", response_class=HTMLResponse)
async def remove_paper(token: str, paper_id: int, _form: LinkForm, person_id: SignedIn) -> Response:
    """The school takes a paper off its dossier (a wrong file: remove it, then attach the right one)."""

    def save(session: Session, _link: ActionLink, dossier: Dossier) -> None:
        attachments.remove(session, dossier=dossier, paper_id=paper_id, start_stage=default_route().start)

    return await run_in_threadpool(_edit, token, person_id, save)


@router.post("/edit/{nomination_id}", response_class=HTMLResponse)
async def edit_nomination(token: str, nomination_id: int, form: LinkForm, person_id: SignedIn) -> Response:
    """The school corrects a nominee's position, achievements, initiative or discipline mark."""

    def save(session: Session, _link: ActionLink, dossier: Dossier) -> None:
        typed = read(EditForm, form)
        services.edit_nomination(session, nomination_id=_own(session, dossier, nomination_id),
                                 position=typed.position, achievements=typed.achievements,
                                 initiative=typed.initiative, disciplined=typed.disciplined)

    return await run_in_threadpool(_edit, token, person_id, save)


@router.post("/withdraw/{nomination_id}", response_class=HTMLResponse)
async def withdraw(token: str, nomination_id: int, _form: LinkForm, person_id: SignedIn) -> Response:
    """The school takes a nominee off its dossier (e.g. one who missed the vote threshold)."""

    def save(session: Session, _link: ActionLink, dossier: Dossier) -> None:
        services.withdraw_nomination(session, nomination_id=_own(session, dossier, nomination_id))

    return await run_in_threadpool(_edit, token, person_id, save)


@router.post("/vote", response_class=HTMLResponse)
async def record_vote(token: str, request: Request, form: LinkForm, person_id: SignedIn) -> Response:
    """The school records its council's vote: the meeting (time, place, chair, secretary, absent members, counting
    committee), members, present, for/against per nominee."""

    def save(session: Session, _link: ActionLink, dossier: Dossier) -> None:
        vote = read(VoteForm, form, code="bad_vote", refusal=BAD_VOTE)
        services.record_vote(session, dossier_id=dossier.id or 0, held_on=vote.held_on, members_total=vote.members,
                             members_present=vote.present, tallies=vote.tallies, secret_ballot=vote.secret_ballot,
                             minutes=vote.minutes)

    return await run_in_threadpool(_edit, token, person_id, save, request, form, "vote-form")


@router.post("/so-to-trinh", response_class=HTMLResponse)
async def number_proposal(token: str, request: Request, form: LinkForm, person_id: SignedIn) -> Response:
    """The school's văn thư records the number of its tờ trình (and the block leader's, of the block's)."""

    def save(session: Session, link: ActionLink, dossier: Dossier) -> None:
        school = session.get(Unit, dossier.school_id)
        block = session.get(Unit, school.block_id) if school and school.block_id else None
        unit = block if form.get("of") == "khoi" and block is not None else school
        actor = session.get(Person, link.person_id)
        assert unit is not None and actor is not None
        proposal_numbers.number_proposal(session, phase_id=dossier.phase_id, unit=unit,
                                         number=str(form.get("number", "")), actor=actor)

    return await run_in_threadpool(_edit, token, person_id, save, request, form, "number-form")


@router.get("/papers/{paper_id}")
def download_paper(token: str, paper_id: int, person_id: SignedIn, xem: str = "") -> Response:
    """A paper of the link's dossier, for whoever holds a valid link to it; with ?xem=1 a PDF or an image is
    shown in the browser (the page previews it) instead of saved."""
    with session_scope() as session:
        dossier = links.check(session, token=token, route=default_route(), signed_in=person_id, reading=True).dossier
        return paper_file(session, dossier_id=dossier.id or 0, paper_id=paper_id, inline=xem == "1")


@router.get("/documents/{name}")
def generated_paper(token: str, name: str, person_id: SignedIn) -> Response:
    """A paper tdkt writes for the link's dossier (tờ trình, biên bản, danh sách), or for the block leader the
    block's consolidated tờ trình."""
    with session_scope() as session:
        dossier = links.check(session, token=token, route=default_route(), signed_in=person_id, reading=True).dossier
        if name != BLOCK_PAPER:
            return generated_file(session, dossier_id=dossier.id or 0, name=name)
        try:
            school = session.get(Unit, dossier.school_id)
            content = documents.block_proposal(session, block_id=school.block_id or 0 if school else 0,
                                               phase_id=dossier.phase_id)
        except Refused as refusal:
            return message(404, "Chưa lập được giấy tờ", refusal.message)
    return download(content, DOCX, name)


async def _upload(request: Request, token: str, person_id: int | None, missing: str,
                  store: Callable[..., object]) -> Response:
    """Receive a multipart upload (CSRF, size limit), then `store(session, link, dossier, form, name, content)`.
    A body declared too big, or sent to a link that is not a live one, is answered before it is read."""
    limit = get_settings().upload_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit + 65536:
        return too_big(limit)
    refusal = await run_in_threadpool(_link_refusal, token, person_id)
    if refusal is not None:
        return link_error(refusal)
    try:
        form = dict(await request.form(max_part_size=limit + 1024))
    except HTTPException:  # the part is far over the limit: starlette stops reading it
        return too_big(limit)
    check_csrf(request, form, links.token_hash(token))
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return message(422, "Chưa chọn tệp", missing)
    content, filename = await upload.read(limit + 1), upload.filename
    if len(content) > limit:
        return too_big(limit)
    return await run_in_threadpool(_edit, token, person_id,
                                   lambda session, link, dossier: store(session, link, dossier, form, filename,
                                                                        content))


def _link_refusal(token: str, person_id: int | None) -> links.LinkRefused | None:
    try:
        with session_scope() as session:
            links.check(session, token=token, route=default_route(), signed_in=person_id)
    except links.LinkRefused as refusal:
        return refusal
    return None


def _edit(token: str, person_id: int | None, change: Change, request: Request | None = None,
          typed: dict[str, Any] | None = None, form_id: str = "") -> Response:
    """A school's edit of its dossier through its link (the link is spent only by the submission). A typed form
    that is refused comes back as the dossier page with the error and what was typed (`request`, `typed` and
    `form_id` given); an upload's refusal is a message page."""
    route = default_route()
    try:
        with session_scope() as session:
            opened = links.check(session, token=token, route=route, signed_in=person_id)
            change(session, opened.link, opened.dossier)
    except links.LinkRefused as refusal:
        return link_error(refusal)
    except Refused as refusal:
        if request is not None:
            return _dossier_page(request, token, person_id, status=422, refused=refusal, typed=typed,
                                 form_id=form_id)
        return message(422, "Chưa lưu được", refusal.message)
    return RedirectResponse(f"/l/{token}?da-luu=1#{form_id or 'top'}", status_code=303)


def _to_confirm(session: Session, route: Route, dossier: Dossier, actor: Person,
                choice: ActionForm) -> dict[str, Any] | None:
    """What the confirmation page shows before an action that cannot be undone — a school's submission (it
    leaves the school's hands), a decision (signed), a rejection — or None for one that needs no confirmation."""
    stage = route.stages[dossier.stage]
    action = stage.actions.get(choice.action or "")
    rejecting = "reject" in choice.verdicts.values() or (action is not None and action.status == DossierStatus.rejected)
    submitting = action is not None and dossier.stage == route.start
    if action is not None and action.scope == "phase":
        return {"title": action.label, "annex": services.decision_preview(session, phase_id=dossier.phase_id,
                                                                          actor=actor, route=route),
                "what": "Quyết định được ký với danh sách khen thưởng dưới đây, mỗi danh hiệu, hình thức một quyết "
                        "định, số nối tiếp nhau; sau khi ký không sửa được."}
    if not (submitting or rejecting):  # an approval, a verification: no confirmation, nothing more to read
        return None
    names = {n.id: p.full_name for n, p in active_nominations(session, dossier_id=dossier.id or 0)}
    if submitting and action is not None:
        return {"title": action.label, "listed": sorted(names.values()),
                "what": f"Hồ sơ và {len(names)} người được đề nghị dưới đây được gửi tới bước "
                        f"'{route.stages[action.to].label}'; sau khi gửi, trường chỉ sửa được khi hồ sơ bị trả lại."}
    rejected = [f"{names[nid]}: {choice.reasons.get(nid, '') or choice.reason or 'chưa ghi lý do'}"
                for nid, verdict in choice.verdicts.items() if verdict == "reject" and nid in names]
    if rejected or (action is not None and action.status == DossierStatus.rejected):
        return {"title": "Không đề nghị khen thưởng", "listed": rejected or sorted(names.values()),
                "what": "Những người dưới đây sẽ không được đề nghị khen thưởng trong đợt này; trường được báo lý do."}
    return None


def _act(request: Request, token: str, form: dict[str, Any], person_id: int | None) -> Response:
    """The action, or — refused — the dossier page again with why at the top and the reviewer's choices kept
    (nothing was written, the link is not spent). A refused link answers its own page."""
    try:
        return _acted(request, token, form, person_id)
    except links.LinkRefused:
        raise
    except Refused as refusal:
        return _dossier_page(request, token, person_id, status=409, refused=refusal, typed=form,
                             form_id="verdict-form")


def _acted(request: Request, token: str, form: dict[str, Any], person_id: int | None) -> Response:
    route = default_route()
    with session_scope() as session:
        link, dossier, school, actor = links.check(session, token=token, route=route, signed_in=person_id, lock=True)
        choice = read(ActionForm, form)
        asking = None if choice.confirmed else _to_confirm(session, route, dossier, actor, choice)
        if asking is not None:  # nothing written: the link stays usable for the confirmation's answer
            return csrf_page(request, "confirm.html", links.token_hash(token), token=token, form=form, **asking,
                             viewer=viewer(session, actor))
        links.use(session, link=link)  # first: a second click waits here for this one, then is refused
        verdicts = None
        if route.stages[dossier.stage].verdicts is not None and choice.action is None:
            in_play = active_nominations(session, dossier_id=dossier.id or 0)
            verdicts = choice.verdicts_for([n.id or 0 for n, _ in in_play])
        performed = services.perform(session, dossier_id=dossier.id or 0, actor=actor, action=choice.action,
                                     verdicts=verdicts, reason=choice.reason, expected_stage=link.stage,
                                     number=choice.number)
        done = {"dossier": dossier, "school": school.name, "stage": route.stages[dossier.stage]}
        decisions = _forms_named(session, dossier, performed.decisions) if performed.decisions else []
    log.info("link action", extra={"dossier_id": dossier.id, "person_id": link.person_id,
                                   "action": choice.action or "verdicts", "outcome": dossier.stage})
    return page("done.html", view=done, decisions=decisions)  # where the dossier went; the link shows the rest


def _forms_named(session: Session, dossier: Dossier, decisions: list[Decision]) -> list[tuple[Decision, str]]:
    """Each decision a signing issued, with its form's name (the rule set's)."""
    titles = phase_rules(session, phase_id=dossier.phase_id).titles
    return [(d, titles[d.form].name if d.form in titles else d.form) for d in decisions]


def _own(session: Session, dossier: Dossier, nomination_id: int) -> int:
    """The id of a nomination of the link's dossier (a school's form names one), or Refused."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.dossier_id != dossier.id:
        raise Refused("not_found", "Đề nghị này không thuộc hồ sơ của trường.")
    return nomination_id


def _figures(session: Session, dossier: Dossier, typed: dict[str, str]) -> members.Figures | None:
    """The figures of a collective's members as the phase's rules read them."""
    return members.read(phase_rules(session, phase_id=dossier.phase_id), typed)


def _block_members(session: Session, dossier: Dossier) -> list[services.StatusRow]:
    """For the block leader: where each member school of the dossier's block stands in this phase."""
    school = session.get(Unit, dossier.school_id)
    block = session.get(Unit, school.block_id) if school and school.block_id else None
    rows = services.status_rows(session, phase_id=dossier.phase_id)
    return [r for r in rows if block is not None and r.block == block.name]
