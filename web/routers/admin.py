"""Quản trị: an office sets up its year — its units and each unit's staff from its own lists, its plan from a file
or last year's, the accounts it invites and deactivates. Only an office's people administer, and only their
district's units (services.accounts); every change is an audit event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from config.blank import layout_path
from config.route import default_route
from config.settings import get_settings
from models.audit import record_change
from models.campaign import Campaign
from models.db import session_scope
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.uploads import read_yaml
from tdkt.documents import templates
from tdkt.documents.templates import PAPERS
from tdkt.services import accounts, plans
from tdkt.services.staff import import_staff, staff_template
from tdkt.services.units import KINDS, import_units, units_template
from web.deps import HOME, SignedIn, check_csrf, csrf_page, viewer
from web.pages import download, message, not_signed_in, too_big

router = APIRouter(prefix="/quan-tri")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DONE = {"don-vi": "Đã nhập danh sách đơn vị.", "can-bo": "Đã nhập danh sách cán bộ.",
        "ke-hoach": "Đã tạo phong trào từ kế hoạch.", "chep": "Đã chép kế hoạch sang năm học sau.",
        "moi": "Đã gửi thư mời; thư đi trong ít phút.", "ngung": "Đã ngừng hoạt động tài khoản.",
        "mo-lai": "Đã kích hoạt lại tài khoản.", "mau": "Đã dùng mẫu của đơn vị cho giấy tờ này từ lần lập sau.",
        "bo-mau": "Giấy tờ này trở lại mẫu của tdkt.", "sua": "Đã lưu thay đổi.",
        "phoi": "Đã lưu vị trí in giấy khen trên phôi của đơn vị."}


def _admin(session: Session, person_id: int | None) -> tuple[Person, list[Unit]] | Response:
    person = session.get(Person, person_id) if person_id else None
    if person is None:
        return not_signed_in()
    try:
        return person, accounts.require(session, person=person)
    except Refused as refusal:
        return message(403, "Không có quyền quản trị", refusal.message + " Hãy liên hệ Phòng GD&ĐT hoặc UBND.")


def _page(request: Request, session: Session, person: Person, units: list[Unit], *, status: int = 200,
          errors: list[tuple[str, str]] | None = None, form_id: str = "", done: str = "") -> HTMLResponse:
    ids = [u.id for u in units]
    campaigns = session.exec(select(Campaign).where(col(Campaign.issuer_unit_id).in_(ids))
                             .order_by(col(Campaign.school_year).desc())).all()
    search, page = request.query_params.get("tim", ""), request.query_params.get("trang", "1")
    response = csrf_page(request, "admin.html", HOME, viewer=viewer(session, person), person=person, units=units,
                         people=accounts.accounts_page(session, units=units, search=search,
                                                       page=int(page) if page.isdecimal() else 1),
                         search=search, campaigns=campaigns,
                         offices=[u for u in units if u.kind.is_office], route=default_route(), kinds=KINDS,
                         papers=[(key, label, templates.own(key) is not None) for key, label in PAPERS.items()],
                         errors=errors or [], form_id=form_id, done=DONE.get(done, ""))
    response.status_code = status
    return response


@router.get("", response_class=HTMLResponse)
def overview(request: Request, person_id: SignedIn, da: str = "") -> Response:
    with session_scope() as session:
        found = _admin(session, person_id)
        if isinstance(found, Response):
            return found
        return _page(request, session, *found, done=da)


def _admin_download(person_id: int | None, make: Callable[[], bytes], media_type: str, filename: str) -> Response:
    """A file of the administration (a template, a starter, positions) for those who administer."""
    with session_scope() as session:
        found = _admin(session, person_id)
    return found if isinstance(found, Response) else download(make(), media_type, filename)


@router.get("/mau-don-vi.xlsx")
def template(person_id: SignedIn) -> Response:
    return _admin_download(person_id, units_template, XLSX, "mau-danh-sach-don-vi.xlsx")


@router.get("/mau-can-bo.xlsx")
def staff_list_template(person_id: SignedIn) -> Response:
    return _admin_download(person_id, staff_template, XLSX, "mau-danh-sach-can-bo.xlsx")


async def _form(request: Request) -> dict[str, Any] | Response:
    """The posted form, its CSRF token checked; a body over the upload limit is answered before it is read."""
    limit = get_settings().upload_max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit + 65536:
        return too_big(limit)
    try:
        form = dict(await request.form(max_part_size=limit + 1024))
    except HTTPException:  # the part is far over the limit: starlette stops reading it
        return too_big(limit)
    return check_csrf(request, form, HOME)


async def _upload(form: dict[str, Any]) -> tuple[bytes, str]:
    """The uploaded file's content and name; ("", "") when none was chosen (the change refuses that)."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return b"", ""
    content = await upload.read(get_settings().upload_max_bytes + 1)
    if len(content) > get_settings().upload_max_bytes:
        raise Refused("too_big", f"Tệp {upload.filename} vượt quá giới hạn tải lên; không có gì được lưu.")
    return content, upload.filename


def _act(request: Request, person_id: int | None, form_id: str, done: str, change: Any) -> Response:
    """Run an administrative change in one transaction: on success back to the page (what was done said), on a
    refusal the page again with the error summary, nothing written."""
    with session_scope() as session:
        found = _admin(session, person_id)
        if isinstance(found, Response):
            return found
        person, units = found
        try:
            change(session, person, units)
        except Refused as refusal:
            session.rollback()
            return _page(request, session, person, accounts.require(session, person=person),
                         status=403 if refusal.code == "forbidden" else 422, errors=[(form_id, refusal.message)],
                         form_id=form_id)
    return RedirectResponse(f"/quan-tri?da={done}#xong", status_code=303)


async def _file_change(request: Request, person_id: int | None, form_id: str, missing: str,
                       store: Callable[[Session, Person, list[Unit], dict[str, Any], bytes, str], object],
                       done: str = "") -> Response:
    """An uploaded list or plan, stored by `store(session, person, units, form, content, filename)` as one change."""
    form = await _form(request)
    if isinstance(form, Response):
        return form
    content, filename = await _upload(form)

    def change(session: Session, person: Person, units: list[Unit]) -> None:
        if not filename:
            raise Refused("no_file", missing)
        store(session, person, units, form, content, filename)

    return await run_in_threadpool(_act, request, person_id, form_id, done or form_id, change)


def _within(units: list[Unit], code: str, message: str, *, office: bool = False) -> Unit:
    """The administered unit of this code (an office, when `office`), or Refused("forbidden")."""
    found = next((u for u in units if u.code == code and (u.kind.is_office or not office)), None)
    if found is None:
        raise Refused("forbidden", message)
    return found


@router.post("/don-vi", response_class=HTMLResponse)
async def units_upload(request: Request, person_id: SignedIn) -> Response:
    return await _file_change(request, person_id, "don-vi", "Chưa chọn tệp danh sách đơn vị.",
                              lambda session, person, units, _form, content, name: import_units(
                                  session, content=content, filename=name, actor=person,
                                  allowed={u.code for u in units}))


@router.post("/can-bo", response_class=HTMLResponse)
async def staff_upload(request: Request, person_id: SignedIn) -> Response:
    return await _file_change(request, person_id, "can-bo", "Chưa chọn tệp danh sách cán bộ.",
                              lambda session, person, units, form, content, name: import_staff(
                                  session, content=content, filename=name, actor=person,
                                  unit_code=_within(units, str(form.get("unit", "")),
                                                    "Hãy chọn một đơn vị bạn quản trị.").code))


@router.post("/ke-hoach", response_class=HTMLResponse)
async def plan_upload(request: Request, person_id: SignedIn) -> Response:
    def create(session: Session, person: Person, units: list[Unit], form: dict[str, Any], content: bytes,
               name: str) -> None:
        issuer = _within(units, str(form.get("issuer", "")),
                         "Hãy chọn cơ quan ban hành kế hoạch trong các đơn vị bạn quản trị.", office=True)
        plan = read_yaml(content, name, plans.CampaignSpec, what="Kế hoạch")
        plans.create_campaign(session, plan=plan, issuer=issuer, actor=person)

    return await _file_change(request, person_id, "ke-hoach", "Chưa chọn tệp kế hoạch (.yaml).", create)


@router.get("/ke-hoach/{code}.yaml")
def plan_download(code: str, person_id: SignedIn) -> Response:
    with session_scope() as session:
        found = _admin(session, person_id)
        if isinstance(found, Response):
            return found
        campaign = session.exec(select(Campaign).where(Campaign.code == code)).first()
        if campaign is None or all(u.id != campaign.issuer_unit_id for u in found[1]):
            return message(404, "Không có kế hoạch này",
                           f"Không có phong trào mã {code} trong các đơn vị bạn quản trị.")
        text = plans.plan_yaml(plans.plan_of(session, campaign=campaign))
    return download(text.encode("utf-8"), "application/yaml", f"{code}.yaml")


async def _form_change(request: Request, person_id: int | None, form_id: str, done: str,
                       apply: Callable[[Session, Person, list[Unit], dict[str, Any]], object]) -> Response:
    """A posted form's change, `apply(session, person, units, form)`, as one administrative transaction."""
    form = await _form(request)
    if isinstance(form, Response):
        return form

    def change(session: Session, person: Person, units: list[Unit]) -> None:
        apply(session, person, units, form)

    return await run_in_threadpool(_act, request, person_id, form_id, done, change)


@router.post("/ke-hoach/{code}/chep", response_class=HTMLResponse)
async def plan_copy(code: str, request: Request, person_id: SignedIn) -> Response:
    def copy(session: Session, person: Person, units: list[Unit], form: dict[str, Any]) -> None:
        campaign = session.exec(select(Campaign).where(Campaign.code == code)).first()
        issuer = next((u for u in units if campaign is not None and u.id == campaign.issuer_unit_id), None)
        if campaign is None or issuer is None:
            raise Refused("forbidden", f"Không có phong trào mã {code} trong các đơn vị bạn quản trị.")
        new_code = str(form.get("code", "")).strip().lower()
        if not new_code:
            raise Refused("no_code", "Hãy ghi mã phong trào của năm học mới.")
        plans.create_campaign(session, plan=plans.next_year(plans.plan_of(session, campaign=campaign), code=new_code),
                              issuer=issuer, actor=person)

    return await _form_change(request, person_id, "chep", "chep", copy)


@router.post("/tai-khoan/{account_id}/{what}", response_class=HTMLResponse)
async def account(account_id: int, what: str, request: Request, person_id: SignedIn) -> Response:
    """Invite (moi), deactivate (ngung) or reactivate (mo-lai) an account."""
    if what not in ("moi", "ngung", "mo-lai"):
        return message(404, "Không tìm thấy trang", "Không có thao tác này.")

    def change(session: Session, person: Person, _units: list[Unit], _form: dict[str, Any]) -> None:
        if what == "moi":
            accounts.invite(session, actor=person, person_id=account_id)
        else:
            accounts.set_active(session, actor=person, person_id=account_id, active=what == "mo-lai")

    return await _form_change(request, person_id, f"tai-khoan-{account_id}", what, change)


@router.post("/tai-khoan/{account_id}", response_class=HTMLResponse)
async def account_edit(account_id: int, request: Request, person_id: SignedIn) -> Response:
    """Correct an account: name, email, role, unit."""
    return await _form_change(request, person_id, f"tai-khoan-{account_id}", "sua", lambda session, person, _u, form:
                              accounts.edit(session, actor=person, person_id=account_id,
                                            full_name=str(form.get("full_name", "")),
                                            email=str(form.get("email", "")), role=str(form.get("role", "")),
                                            unit_code=str(form.get("unit", "")),
                                            school_year=str(form.get("school_year", ""))))


@router.post("/don-vi/{code}", response_class=HTMLResponse)
async def unit_edit(code: str, request: Request, person_id: SignedIn) -> Response:
    """Correct a unit's name and email."""
    return await _form_change(request, person_id, f"don-vi-{code}", "sua", lambda session, person, _u, form:
                              accounts.edit_unit(session, actor=person, code=code, name=str(form.get("name", "")),
                                                 email=str(form.get("email", ""))))


@router.get("/mau/{paper}.docx")
def template_starter(paper: str, person_id: SignedIn) -> Response:
    """The paper's starter template: every field, for the office to lay out."""
    return _admin_download(person_id, lambda: templates.starter(paper), DOCX, f"mau-{paper}.docx")


@router.post("/mau/{paper}", response_class=HTMLResponse)
async def template_upload(paper: str, request: Request, person_id: SignedIn) -> Response:
    def install(session: Session, person: Person, _units: list[Unit], _form: dict[str, Any], content: bytes,
                name: str) -> None:
        record_change(session, actor=person, action="install_template", detail={"paper": paper, "file": name})
        templates.install(paper, content, name)  # last: a refused template leaves neither file nor event

    return await _file_change(request, person_id, f"mau-{paper}", "Chưa chọn tệp mẫu (.docx).", install, "mau")


@router.post("/mau/{paper}/xoa", response_class=HTMLResponse)
async def template_remove(paper: str, request: Request, person_id: SignedIn) -> Response:
    def change(session: Session, person: Person, _units: list[Unit], _form: dict[str, Any]) -> None:
        if not templates.remove(paper):
            raise Refused("no_template", "Giấy tờ này đang dùng mẫu của tdkt.")
        record_change(session, actor=person, action="remove_template", detail={"paper": paper})

    return await _form_change(request, person_id, f"mau-{paper}", "bo-mau", change)


@router.get("/phoi.yaml")
def blank_positions(person_id: SignedIn) -> Response:
    """The positions certificates are printed at on the office's pre-printed blanks (its own, or tdkt's)."""
    return _admin_download(person_id, lambda: layout_path().read_bytes(), "application/yaml", "giay-khen-phoi.yaml")


@router.post("/phoi", response_class=HTMLResponse)
async def blank_upload(request: Request, person_id: SignedIn) -> Response:
    def install(session: Session, person: Person, _units: list[Unit], _form: dict[str, Any], content: bytes,
                name: str) -> None:
        record_change(session, actor=person, action="install_blank_layout", detail={"file": name})
        templates.install_blank_layout(content, name)

    return await _file_change(request, person_id, "phoi", "Chưa chọn tệp vị trí (.yaml).", install, "phoi")
