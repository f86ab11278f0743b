"""The web pages of approval links: GET shows, POST (with CSRF) acts — through the same service layer as the CLI.

No flow runs inside a request: the transition and its outbox rows are written in one transaction, and the
scheduler's sweep delivers the emails.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

from anyio import to_thread
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUpload
from starlette.exceptions import HTTPException as StarletteHTTPException

from config import collector
from config.route import default_route
from config.settings import get_settings
from config.vocabulary import SubjectKind, UnitKind
from models.campaign import Phase, phase_rules
from models.db import session_scope
from models.dossier import Dossier
from models.nomination import Nomination, active_nominations
from models.paper import Paper
from models.unit import Person, Unit
from notifications.mailer import mailbox_files
from notifications.outbox import failed_messages
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.common.signing import sign, verify
from tdkt.common.timefmt import fmt_datetime, local_today, parse_date
from tdkt.documents import papers as documents
from tdkt.documents import results
from tdkt.documents.certificates import certificates_zip
from tdkt.services import attachments as papers
from tdkt.services import bulk, links
from tdkt.services.importer import import_nominees
from tdkt.services.worklist import worklist
from tdkt.workflow import members
from tdkt.workflow.engine import VERDICT_STATUS, Verdict, may_act

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),  # compiled once per process
                        autoescape=select_autoescape(["html"]), undefined=StrictUndefined, auto_reload=False)
TEMPLATES.filters["dt"] = fmt_datetime
TEMPLATES.globals["paper_kinds"] = papers.KINDS
PERSON_COOKIE, CSRF_COOKIE = "tdkt_person", "tdkt_csrf"
BLOCK_PAPER, DOCX = "to-trinh-khoi.docx", documents.DOCX
HOME = "home"  # the CSRF scope of the signed-in pages (an action link's pages use the link's hash)
LINK_TITLES = {
    "forged": "Đường dẫn không hợp lệ", "wrong_person": "Đường dẫn dành cho người khác",
    "used": "Đường dẫn đã được sử dụng", "moved_on": "Hồ sơ đã chuyển bước", "expired": "Đường dẫn đã hết hạn",
}
LINK_STATUS = {"forged": 404, "wrong_person": 403, "used": 410, "moved_on": 409, "expired": 410}


def _signed_in(request: Request) -> int | None:
    """The person a previous link identified in this browser (a signed cookie), if any."""
    value = request.cookies.get(PERSON_COOKIE, "")
    person_id, _, mac = value.partition(".")
    return int(person_id) if person_id.isdigit() and verify(mac, "person", person_id) else None


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(TEMPLATES.get_template(name).render(**context), status_code=status)


HTTP_ERRORS = {
    404: ("Không tìm thấy trang", "Địa chỉ này không có trên hệ thống. Hãy mở lại đường dẫn trong thư, hoặc về "
                                  "trang chủ."),
    405: ("Không thực hiện được", "Trang này không nhận yêu cầu kiểu này. Hãy mở lại trang rồi thao tác trên đó."),
}


async def _error_page(_request: Request, exc: Exception) -> HTMLResponse:
    """Starlette's own answers (no such page, a method a page does not take) as a page in Vietnamese, not JSON;
    a number in the address that is not one (/dashboard/abc, a link cut short) is no such page either."""
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 404
    title, message = HTTP_ERRORS.get(status, ("Không thực hiện được", "Yêu cầu không thực hiện được."))
    return page("message.html", status, title=title, message=message)


def _link_error(refusal: links.LinkRefused) -> HTMLResponse:
    return page("link_error.html", LINK_STATUS.get(refusal.code, 400), title=LINK_TITLES.get(refusal.code, "Lỗi"),
                refusal=refusal)


def _verdicts(form: dict[str, Any], nomination_ids: list[int]) -> dict[int, Verdict]:
    chosen: dict[int, Verdict] = {}
    for nid in nomination_ids:
        verdict = str(form.get(f"verdict_{nid}", ""))
        if verdict not in VERDICT_STATUS:
            raise Refused("verdict_missing", "Hãy chọn ý kiến cho từng người trong danh sách.")
        chosen[nid] = Verdict(verdict, str(form.get(f"reason_{nid}", "")).strip() or None)  # type: ignore[arg-type]
    return chosen


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Each worker serves its pages and actions on TDKT_WEB_THREADS threads; more requests wait their turn.

    Starlette's default is 40 threads. Under a burst of approvals they all held a database connection and
    queued on the audit chain's lock, each switch of the GIL costing CPU: with 2–4 threads a worker approved
    ~25 % more per second on the same two cores (benchmarks/season's load test, interleaved runs). With the
    load spread over both workers (2026-12-04), 2 threads gave approval p99s of 56–77 ms at 100/s against
    74–112 ms with 4 (five runs each), and less CPU: an approval is mostly CPU, and a third or fourth thread
    only adds switches of the GIL."""
    to_thread.current_default_thread_limiter().total_tokens = get_settings().web_threads
    yield


def create_app() -> FastAPI:
    collector.tune()
    default_route()  # a broken route stops the worker at start, and no request waits for it to be parsed
    for name in TEMPLATES.list_templates():  # compiled before the first requests, not by each of their threads
        TEMPLATES.get_template(name)
    app = FastAPI(title="tdkt", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan)
    app.add_exception_handler(StarletteHTTPException, _error_page)
    app.add_exception_handler(RequestValidationError, _error_page)

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        """Start page."""
        return page("index.html", embedded=get_settings().environment == "embedded")

    @app.get("/s/{token}")
    def sign_in(token: str) -> Response:
        """A sign-in link: remembers the person in this browser and shows their work list."""
        try:
            person_id = links.check_sign_in(token)
        except links.LinkRefused as refusal:
            return _link_error(refusal)
        response = RedirectResponse("/home", status_code=303)
        _remember(response, person_id)
        return response

    @app.get("/home", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        """What the signed-in person can act on now; opening one issues them an action link."""
        person_id = _signed_in(request)
        with session_scope() as session:
            person = session.get(Person, person_id) if person_id else None
            if person is None:
                return _not_signed_in()
            work = worklist(session, person=person, route=default_route(), today=local_today())
        return _csrf_page(request, "home.html", HOME, work=work)

    @app.post("/signout")
    async def sign_out(request: Request) -> Response:
        """Forget the person in this browser (a shared computer at school)."""
        if refused := _csrf_refused(request, dict(await request.form()), HOME):
            return refused
        response = page("message.html", title="Đã đăng xuất", message="Bạn đã đăng xuất khỏi trình duyệt này.")
        response.delete_cookie(PERSON_COOKIE)
        return response

    @app.post("/home/dossiers/{dossier_id}")
    async def open_from_home(dossier_id: int, request: Request) -> Response:
        """Issue the signed-in person a fresh action link for a dossier they may act on, and open it."""
        return await _from_home(request, lambda session, person: session.get(Dossier, dossier_id))

    @app.post("/home/phases/{phase_id}")
    async def start_dossier(phase_id: int, request: Request) -> Response:
        """A school opens its dossier for a phase (created when missing), then works on it through its link."""
        return await _from_home(request, lambda session, person: services.open_dossier(
            session, phase_id=phase_id, school_id=person.unit_id))

    @app.get("/l/{token}", response_class=HTMLResponse)
    def open_link(token: str, request: Request) -> Response:
        """Show the dossier and its choices; never changes anything (mail scanners open links too)."""
        route = default_route()
        with session_scope() as session:
            try:
                link, dossier = links.check(session, token=token, route=route, signed_in=_signed_in(request))
            except links.LinkRefused as refusal:
                return _link_error(refusal)
            view = services.dossier_view(session, dossier_id=dossier.id or 0, route=route)
            person = session.get(Person, link.person_id)
            members = _block_members(session, dossier) if (route.block_step() or ("",))[0] == dossier.stage else []
        response = _csrf_page(request, "dossier.html", links.token_hash(token), view=view, person=person, token=token,
                              members=members, school_mode=dossier.stage == route.start,
                              generated=documents.DOSSIER_PAPERS, block_paper=BLOCK_PAPER)
        _remember(response, link.person_id)
        return response

    @app.post("/l/{token}", response_class=HTMLResponse)
    async def act_by_link(token: str, request: Request) -> Response:
        """Apply the reviewer's choices: one transaction for the transition and the link's use."""
        form = dict(await request.form())
        if refused := _csrf_refused(request, form, links.token_hash(token)):
            return refused
        return await run_in_threadpool(_act, token, form, _signed_in(request))  # keep the event loop free

    @app.post("/l/{token}/import", response_class=HTMLResponse)
    async def import_list(token: str, request: Request) -> Response:
        """The school uploads its nominee list (XLSX/CSV): every row or none; the link stays usable."""
        return await _upload(request, token, "Hãy chọn tệp .xlsx hoặc .csv để tải lên.",
                             lambda session, _link, dossier, _form, filename, content: import_nominees(
                                 session, dossier_id=dossier.id or 0, content=content, filename=filename))

    @app.post("/l/{token}/nominate", response_class=HTMLResponse)
    async def nominate(token: str, request: Request) -> Response:
        """The school enters one nominee by hand (the other way in is the spreadsheet upload)."""

        def save(form: dict[str, Any], session: Any, dossier: Any) -> None:
            kind = SubjectKind.collective if form.get("kind") == "collective" else SubjectKind.individual
            services.add_nomination(session, dossier_id=dossier.id or 0, full_name=str(form.get("full_name", "")),
                                    kind=kind, title_code=str(form.get("title", "")),
                                    position=str(form.get("position", "")).strip() or None,
                                    achievements=str(form.get("achievements", "")).strip(),
                                    initiative=str(form.get("initiative", "")),
                                    figures=_figures(session, dossier, form))  # an individual's: refused

        return await _form_edit(request, token, save)

    @app.post("/l/{token}/figures/{nomination_id}", response_class=HTMLResponse)
    async def member_figures(token: str, nomination_id: int, request: Request) -> Response:
        """The school corrects a collective's figures of its members (after a return, say)."""

        def save(form: dict[str, Any], session: Any, dossier: Any) -> None:
            services.set_member_figures(session, nomination_id=_own(session, dossier, nomination_id),
                                        figures=_figures(session, dossier, form))

        return await _form_edit(request, token, save)

    @app.post("/l/{token}/papers", response_class=HTMLResponse)
    async def attach_paper(token: str, request: Request) -> Response:
        """The school attaches a paper (PDF, DOCX, PNG, JPEG — checked by content), size-limited."""
        return await _upload(request, token, "Hãy chọn tệp giấy tờ để đính kèm.",
                             lambda session, link, dossier, form, filename, content: papers.attach(
                                 session, dossier=dossier, person=session.get(Person, link.person_id),
                                 kind=str(form.get("kind", "")), filename=filename, content=content,
                                 start_stage=default_route().start))

    @app.post("/l/{token}/withdraw/{nomination_id}", response_class=HTMLResponse)
    async def withdraw(token: str, nomination_id: int, request: Request) -> Response:
        """The school takes a nominee off its dossier (e.g. one who missed the vote threshold)."""

        def save(_form: dict[str, Any], session: Any, dossier: Any) -> None:
            services.withdraw_nomination(session, nomination_id=_own(session, dossier, nomination_id))

        return await _form_edit(request, token, save)

    @app.get("/l/{token}/papers/{paper_id}")
    def download_paper(token: str, paper_id: int, request: Request) -> Response:
        """A paper of the link's dossier, for whoever holds a valid link to it."""
        with session_scope() as session:
            try:
                _, dossier = links.check(session, token=token, route=default_route(), signed_in=_signed_in(request))
            except links.LinkRefused as refusal:
                return _link_error(refusal)
            paper = session.get(Paper, paper_id)
            if paper is None or paper.dossier_id != dossier.id:
                return page("message.html", 404, title="Không có giấy tờ này", message="Không tìm thấy giấy tờ.")
        return FileResponse(papers.storage_path(paper.sha256), media_type=paper.content_type, filename=paper.filename)

    @app.get("/l/{token}/documents/{name}")
    def generated_paper(token: str, name: str, request: Request) -> Response:
        """A paper tdkt writes for the link's dossier (tờ trình, biên bản, danh sách), or for the block leader
        the block's consolidated tờ trình."""
        with session_scope() as session:
            try:
                _, dossier = links.check(session, token=token, route=default_route(), signed_in=_signed_in(request))
                if name == BLOCK_PAPER:
                    content, media_type = documents.block_proposal(
                        session, block_id=_block_of(session, dossier.school_id), phase_id=dossier.phase_id), DOCX
                else:
                    content, media_type = documents.dossier_paper(session, dossier_id=dossier.id or 0, name=name)
            except links.LinkRefused as refusal:
                return _link_error(refusal)
            except Refused as refusal:
                return page("message.html", 404, title="Chưa lập được giấy tờ", message=refusal.message)
        return _download(content, media_type, name)

    @app.post("/l/{token}/vote", response_class=HTMLResponse)
    async def record_vote(token: str, request: Request) -> Response:
        """The school records its council's vote: members, present, for/against per nominee."""

        def save(form: dict[str, Any], session: Any, dossier: Any) -> None:
            try:
                tallies = {int(k.removeprefix("for_")): (int(str(v)), int(str(form[f"against_{k[4:]}"])))
                           for k, v in form.items() if k.startswith("for_")}
                held_on, total, present = parse_date(str(form["held_on"])), int(str(form["members"])), int(
                    str(form["present"]))
            except (KeyError, ValueError) as exc:
                raise Refused("bad_vote", "Hãy nhập ngày họp (dd/mm/yyyy) và các số phiếu bằng chữ số.") from exc
            services.record_vote(session, dossier_id=dossier.id or 0, held_on=held_on, members_total=total,
                                 members_present=present, tallies=tallies, secret_ballot=form.get("ballot") != "open")

        return await _form_edit(request, token, save)

    @app.get("/dashboard/{phase_id}", response_class=HTMLResponse)
    def dashboard(phase_id: int, request: Request) -> Response:
        """The offices' view of a phase: who has submitted, where each dossier stands, overdue, quotas, failures."""
        with session_scope() as session:
            person, unit = _office_person(session, request)
            if person is None or unit is None:
                return page("message.html", 403, title="Không có quyền xem",
                            message="Trang tổng hợp dành cho Phòng GD&ĐT, Phòng Nội vụ và UBND. Hãy mở đường dẫn "
                                    "đăng nhập hoặc một đường dẫn trong thư gửi cho bạn trước.")
            phase = session.get(Phase, phase_id)
            if phase is None:
                return page("message.html", 404, title="Không có đợt này", message=f"Không có đợt số {phase_id}.")
            block_ids = {u.name: u.id for u in session.exec(select(Unit).where(Unit.kind == UnitKind.block))}
            return page("dashboard.html", phase=phase, person=person, block_ids=block_ids,
                        rows=services.status_rows(session, phase_id=phase_id),
                        quotas=services.quota_usage(session, phase_id=phase_id),
                        failed=failed_messages(session))

    @app.get("/dashboard/{phase_id}/khoi/{block_id}", response_class=HTMLResponse)
    def bulk_preview(phase_id: int, block_id: int, request: Request) -> Response:
        """What a bulk approval of the block would do: the clean dossiers, and what stops the others."""
        with session_scope() as session:
            person, unit = _office_person(session, request)
            if person is None:
                return _not_signed_in()
            found = bulk.candidates(session, phase_id=phase_id, block_id=block_id, actor=person)
            block = session.get(Unit, block_id)
        return _csrf_page(request, "bulk.html", HOME, found=found, block=block, phase_id=phase_id, done=None)

    @app.post("/dashboard/{phase_id}/khoi/{block_id}", response_class=HTMLResponse)
    async def bulk_approve(phase_id: int, block_id: int, request: Request) -> Response:
        """Approve the block's clean dossiers in one confirmed step (one audited transition each)."""
        if refused := _csrf_refused(request, dict(await request.form()), HOME):
            return refused

        def approve() -> Response:
            with session_scope() as session:
                person, _ = _office_person(session, request)
                if person is None:
                    return _not_signed_in()
                done, left = bulk.approve_clean(session, phase_id=phase_id, block_id=block_id, actor=person)
                block = session.get(Unit, block_id)
            return page("bulk.html", found=left, block=block, phase_id=phase_id, done=done, csrf="")

        return await run_in_threadpool(approve)

    @app.get("/dashboard/{phase_id}/to-trinh.docx")
    def office_proposal(phase_id: int, request: Request) -> Response:
        """The office's consolidated tờ trình of the phase (the nominations it has approved)."""
        return _office_paper(request, lambda session, office: documents.office_proposal(
            session, phase_id=phase_id, office=office), "to-trinh-tong-hop.docx")

    @app.get("/dashboard/{phase_id}/to-trinh-cap-tren.docx")
    def higher_proposal(phase_id: int, request: Request) -> Response:
        """The tờ trình proposing to the levels above what the phase proposed higher (forwarded nominations)."""
        return _office_paper(request, lambda session, _office: documents.higher_proposal(session, phase_id=phase_id),
                             "to-trinh-de-nghi-cap-tren.docx")

    @app.get("/ket-qua/quyet-dinh-{decision_id}/giay-khen.zip")
    def decision_certificates(decision_id: int) -> Response:
        """The certificates of a signed decision: one DOCX per nominee and one merged for printing."""
        with session_scope() as session:
            try:
                content = certificates_zip(session, decision_id=decision_id)
            except Refused as refusal:
                return page("message.html", 404, title="Không có giấy khen", message=refusal.message)
        return _download(content, "application/zip", f"giay-khen-quyet-dinh-{decision_id}.zip")

    @app.get("/ket-qua/quyet-dinh-{decision_id}.{fmt}")
    def decision_paper(decision_id: int, fmt: str) -> Response:
        """A signed decision (DOCX, with its annex) or its annex list (XLSX): public like the results."""
        build = {"docx": (documents.decision_document, DOCX), "xlsx": (documents.decision_annex, documents.XLSX)}
        if fmt not in build:
            return page("message.html", 404, title="Không có định dạng này", message="Chỉ có .docx và .xlsx.")
        with session_scope() as session:
            try:
                content = build[fmt][0](session, decision_id=decision_id)
            except Refused as refusal:
                return page("message.html", 404, title="Không có quyết định này", message=refusal.message)
        return _download(content, build[fmt][1], f"quyet-dinh-{decision_id}.{fmt}")

    @app.get("/ket-qua", response_class=HTMLResponse)
    def public_results(q: str = "") -> Response:
        """Công khai: signed decisions and the titles they grant, searchable with or without diacritics."""
        with session_scope() as session:
            found = results.search(session, query=q)
        return page("results.html", found=found, q=q)

    @app.get("/ket-qua.{fmt}")
    def export_results(fmt: str, q: str = "") -> Response:
        """The public results as CSV or XLSX (the same rows as the page)."""
        if fmt not in results.EXPORTS:
            return page("message.html", 404, title="Không có định dạng này", message="Chỉ có .csv và .xlsx.")
        with session_scope() as session:
            content, media_type = results.export(results.search(session, query=q), fmt=fmt)
        return _download(content, media_type, f"ket-qua-khen-thuong.{fmt}")

    @app.get("/mailbox", response_class=HTMLResponse)
    def mailbox() -> Response:
        """The dev mailbox: emails written to var/mailbox/ when no SMTP server is configured."""
        if get_settings().environment != "embedded":
            return page("message.html", 404, title="Không có trang này", message="Hộp thư demo chỉ có ở chế độ demo.")
        mails = [message_from_bytes(p.read_bytes(), policy=default) for p in reversed(mailbox_files())]
        return page("mailbox.html", mails=[{"to": m["To"], "subject": m["Subject"], "date": m["Date"],
                                            "body": body.get_content() if (body := m.get_body(("plain",))) else ""}
                                           for m in mails[:200]])

    return app


async def _upload(request: Request, token: str, missing: str, store: Callable[..., object]) -> Response:
    """Receive a multipart upload (CSRF, size limit), then `store(session, link, dossier, form, name, content)`."""
    limit = get_settings().upload_max_bytes
    try:
        form = dict(await request.form(max_part_size=limit + 1024))
    except HTTPException:  # the part is far over the limit: starlette stops reading it
        return _too_big(limit)
    if refused := _csrf_refused(request, form, links.token_hash(token)):
        return refused
    upload = form.get("file")
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        return page("message.html", 422, title="Chưa chọn tệp", message=missing)
    content, filename = await upload.read(limit + 1), upload.filename
    if len(content) > limit:
        return _too_big(limit)
    return await run_in_threadpool(_edit, token, _signed_in(request),
                                   lambda session, link, dossier: store(session, link, dossier, form, filename,
                                                                        content))


async def _form_edit(request: Request, token: str, save: Callable[[dict[str, Any], Any, Any], object]) -> Response:
    """A school's form on its dossier page: CSRF, then `save(form, session, dossier)` in the threadpool."""
    form = dict(await request.form())
    if refused := _csrf_refused(request, form, links.token_hash(token)):
        return refused
    return await run_in_threadpool(_edit, token, _signed_in(request),
                                   lambda session, _link, dossier: save(form, session, dossier))


def _own(session: Any, dossier: Dossier, nomination_id: int) -> int:
    """The id of a nomination of the link's dossier (a school's form names one), or Refused."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.dossier_id != dossier.id:
        raise Refused("not_found", "Đề nghị này không thuộc hồ sơ của trường.")
    return nomination_id


def _figures(session: Any, dossier: Dossier, form: dict[str, Any]) -> members.Figures | None:
    """The figures of a collective's members typed into a form's `figure_<key>` fields."""
    return members.read(phase_rules(session, phase_id=dossier.phase_id),
                        {key.removeprefix("figure_"): str(value) for key, value in form.items()
                         if key.startswith("figure_")})


def _too_big(limit: int) -> Response:
    return page("message.html", 413, title="Tệp quá lớn",
                message=f"Tệp vượt quá {limit / 1_000_000:g} MB; không có gì được lưu.")


def _download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _remember(response: Response, person_id: int) -> None:
    response.set_cookie(PERSON_COOKIE, f"{person_id}.{sign('person', person_id)}", httponly=True, samesite="lax")


def _office_person(session: Any, request: Request) -> tuple[Person | None, Unit | None]:
    """The signed-in person and their unit when it is an office (Phòng, Sở, UBND); (None, None) otherwise."""
    person_id = _signed_in(request)
    person = session.get(Person, person_id) if person_id else None
    unit = session.get(Unit, person.unit_id) if person else None
    return (person, unit) if unit is not None and unit.kind.is_office else (None, None)


def _office_paper(request: Request, make: Callable[[Any, Unit], bytes], filename: str) -> Response:
    """A paper the offices' dashboard links: made for the signed-in office, or the reason it cannot be yet."""
    with session_scope() as session:
        _, office = _office_person(session, request)
        if office is None:
            return _not_signed_in()
        try:
            content = make(session, office)
        except Refused as refusal:
            return page("message.html", 404, title="Chưa lập được tờ trình", message=refusal.message)
    return _download(content, DOCX, filename)


def _not_signed_in() -> HTMLResponse:
    return page("message.html", 403, title="Chưa đăng nhập",
                message="Hãy mở đường dẫn đăng nhập hoặc một đường dẫn trong thư gửi cho bạn.")


async def _from_home(request: Request, find: Callable[[Any, Person], Dossier | None]) -> Response:
    if refused := _csrf_refused(request, dict(await request.form()), HOME):
        return refused
    return await run_in_threadpool(_issue_from_home, _signed_in(request), find)


def _issue_from_home(person_id: int | None, find: Callable[[Any, Person], Dossier | None]) -> Response:
    route = default_route()
    try:
        with session_scope() as session:
            person = session.get(Person, person_id) if person_id else None
            if person is None:
                return _not_signed_in()
            dossier = find(session, person)
            school = session.get(Unit, dossier.school_id) if dossier else None
            if dossier is None or school is None or not may_act(session, route=route, stage_name=dossier.stage,
                                                                 actor=person, school=school):
                return page("message.html", 403, title="Không có quyền xử lý",
                            message="Hồ sơ này không chờ bạn xử lý ở bước hiện tại.")
            token = links.issue(session, person=person, dossier=dossier, route=route)
    except Refused as refusal:
        return page("message.html", 422, title="Chưa mở được hồ sơ", message=refusal.message)
    return RedirectResponse(f"/l/{token}", status_code=303)


def _csrf_page(request: Request, name: str, scope: str, **context: Any) -> HTMLResponse:
    """A page whose forms carry a CSRF token bound to this browser's nonce cookie and to `scope` (an action
    link's hash, or HOME for the signed-in pages)."""
    nonce = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(16)
    response = page(name, csrf=sign("csrf", nonce, scope), **context)
    response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="strict")
    return response


def _csrf_refused(request: Request, form: dict[str, Any], scope: str) -> Response | None:
    nonce = request.cookies.get(CSRF_COOKIE, "")
    if nonce and verify(str(form.get("csrf", "")), "csrf", nonce, scope):
        return None
    return page("message.html", 403, title="Yêu cầu không hợp lệ",
                message="Phiên làm việc không hợp lệ (CSRF). Hãy mở lại trang hoặc đường dẫn trong thư rồi thao tác "
                        "lại.")


def _edit(token: str, signed_in: int | None, change: Callable[[Any, Any, Any], object]) -> Response:
    """A school's edit of its dossier through its link (the link is spent only by the submission)."""
    route = default_route()
    try:
        with session_scope() as session:
            link, dossier = links.check(session, token=token, route=route, signed_in=signed_in)
            change(session, link, dossier)
    except links.LinkRefused as refusal:
        return _link_error(refusal)
    except Refused as refusal:
        return page("message.html", 422, title="Chưa lưu được", message=refusal.message)
    return RedirectResponse(f"/l/{token}", status_code=303)


def _act(token: str, form: dict[str, Any], signed_in: int | None) -> Response:
    route = default_route()
    try:
        with session_scope() as session:
            link, dossier = links.check(session, token=token, route=route, signed_in=signed_in, lock=True)
            actor = session.get(Person, link.person_id)
            assert actor is not None
            action = str(form.get("action", "")) or None
            reason = str(form.get("reason", "")).strip() or None
            links.use(session, link=link)  # first: a second click waits here for this one, then is refused
            verdicts = None
            if route.stages[dossier.stage].verdicts is not None and action is None:
                ids = [n.id or 0 for n, _ in active_nominations(session, dossier_id=dossier.id or 0)]
                verdicts = _verdicts(form, ids)
            decision = services.perform(session, dossier_id=dossier.id or 0, actor=actor, action=action,
                                        verdicts=verdicts, reason=reason, expected_stage=link.stage,
                                        number=str(form.get("number", "")).strip() or None).decision
            school = session.get(Unit, dossier.school_id)
            done = {"dossier": dossier, "school": school.name if school else "", "stage": route.stages[dossier.stage]}
    except links.LinkRefused as refusal:
        return _link_error(refusal)
    except Refused as refusal:
        return page("message.html", 409, title="Không thực hiện được", message=refusal.message)
    return page("done.html", view=done, decision=decision)  # where the dossier went; the link shows the rest


def _block_members(session: Any, dossier: Any) -> list[services.StatusRow]:
    """For the block leader: where each member school of the dossier's block stands in this phase."""
    school = session.get(Unit, dossier.school_id)
    block = session.get(Unit, school.block_id) if school and school.block_id else None
    rows = services.status_rows(session, phase_id=dossier.phase_id)
    return [r for r in rows if block is not None and r.block == block.name]


def _block_of(session: Any, school_id: int) -> int:
    school = session.get(Unit, school_id)
    return school.block_id or 0 if school else 0


app = create_app()
