"""Rendering: the Jinja2 environment, pages, downloads and the refusal pages every router shares."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.paper import Paper
from tdkt.common.errors import Refused
from tdkt.common.numbers import decimal
from tdkt.common.timefmt import days_left, fmt_datetime
from tdkt.documents.papers import DOSSIER_PAPERS, dossier_paper
from tdkt.services import attachments
from tdkt.services.links import LinkRefused

LOG = logging.getLogger("tdkt.web")
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),  # compiled once per process
                        autoescape=select_autoescape(["html"]), undefined=StrictUndefined, auto_reload=False)
TEMPLATES.filters["dt"] = fmt_datetime
TEMPLATES.filters["decimal"] = decimal
TEMPLATES.filters["left"] = days_left
TEMPLATES.globals["paper_kinds"] = attachments.KINDS
PREVIEWABLE = ("application/pdf", "image/png", "image/jpeg")  # what a browser shows in the page
TEMPLATES.globals["previewable"] = PREVIEWABLE
LINK_TITLES = {
    "forged": "Đường dẫn không hợp lệ", "wrong_person": "Đường dẫn dành cho người khác",
    "used": "Đường dẫn đã được sử dụng", "moved_on": "Hồ sơ đã chuyển bước", "expired": "Đường dẫn đã hết hạn",
}
LINK_STATUS = {"forged": 404, "wrong_person": 403, "used": 410, "moved_on": 409, "expired": 410}
HTTP_ERRORS = {
    404: ("Không tìm thấy trang", "Địa chỉ này không có trên hệ thống. Hãy mở lại đường dẫn trong thư, hoặc về "
                                  "trang chủ."),
    405: ("Không thực hiện được", "Trang này không nhận yêu cầu kiểu này. Hãy mở lại trang rồi thao tác trên đó."),
}


def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(TEMPLATES.get_template(name).render(**context), status_code=status)


def message(status: int, title: str, text: str) -> HTMLResponse:
    return page("message.html", status, title=title, message=text)


def link_error(refusal: LinkRefused, token: str = "") -> HTMLResponse:
    """A refused link's page; one used or moved on still lists its dossier's papers (they stay downloadable)."""
    readable = bool(token) and refusal.code in ("used", "moved_on")
    return page("link_error.html", LINK_STATUS.get(refusal.code, 400), title=LINK_TITLES.get(refusal.code, "Lỗi"),
                refusal=refusal, papers=DOSSIER_PAPERS if readable else {}, token=token)


def not_signed_in() -> HTMLResponse:
    return message(403, "Chưa đăng nhập", "Hãy mở đường dẫn đăng nhập hoặc một đường dẫn trong thư gửi cho bạn.")


def too_big(limit: int) -> Response:
    return message(413, "Tệp quá lớn", f"Tệp vượt quá {limit / 1_000_000:g} MB; không có gì được lưu.")


def download(content: bytes, media_type: str, filename: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})



def paper_file(session: Session, *, dossier_id: int, paper_id: int, inline: bool = False) -> Response:
    """A paper attached to the dossier, saved — or, `inline` and a PDF or an image, shown in the browser."""
    paper = session.get(Paper, paper_id)
    if paper is None or paper.dossier_id != dossier_id:
        return message(404, "Không có giấy tờ này", "Không tìm thấy giấy tờ.")
    shown = inline and paper.content_type in PREVIEWABLE
    return FileResponse(attachments.storage_path(paper.sha256), media_type=paper.content_type,
                        filename=paper.filename, content_disposition_type="inline" if shown else "attachment")


def generated_file(session: Session, *, dossier_id: int, name: str) -> Response:
    """A paper tdkt draws up for the dossier (DOSSIER_PAPERS), or the page saying why it cannot yet."""
    try:
        content, media_type = dossier_paper(session, dossier_id=dossier_id, name=name)
    except Refused as refusal:
        return message(404, "Chưa lập được giấy tờ", refusal.message)
    return download(content, media_type, name)


async def http_error(_request: Request, exc: Exception) -> HTMLResponse:
    """Starlette's own answers (no such page, a method a page does not take) as a page in Vietnamese, not JSON;
    a number in the address that is not one (/dashboard/abc, a link cut short) is no such page either."""
    status = exc.status_code if isinstance(exc, StarletteHTTPException) else 404
    title, text = HTTP_ERRORS.get(status, ("Không thực hiện được", "Yêu cầu không thực hiện được."))
    return message(status, title, text)


async def refused(request: Request, exc: Exception) -> HTMLResponse:
    """A refusal no router answered itself: a refused link's page, or the refusal's message."""
    request.state.outcome = getattr(exc, "code", "refused")  # the access log's
    if isinstance(exc, LinkRefused):
        return link_error(exc, str(request.path_params.get("token", "")))
    assert isinstance(exc, Refused)
    if exc.code == "csrf":
        return message(403, "Yêu cầu không hợp lệ", exc.message)
    return message(409, "Không thực hiện được", exc.message)


async def bad_value(_request: Request, _exc: Exception) -> HTMLResponse:
    """A number in the address beyond what the database holds (a link cut or altered): no such page."""
    title, text = HTTP_ERRORS[404]
    return message(404, title, text)


async def database_down(_request: Request, exc: Exception) -> HTMLResponse:
    """The database is unreachable for a moment: say so, and keep the detail in the log."""
    LOG.warning("database unavailable: %s", exc)
    return message(503, "Hệ thống đang tạm gián đoạn", "Chưa kết nối được cơ sở dữ liệu; không có gì được lưu. "
                                                       "Hãy thử lại sau ít phút.")
