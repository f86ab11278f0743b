"""Công khai: the signed decisions, their papers and certificates, searchable and exported; no sign-in."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from models.db import session_scope
from tdkt.common.errors import Refused
from tdkt.documents import papers as documents
from tdkt.documents import results
from tdkt.documents.certificates import certificates_zip
from web.pages import download, message, page

router = APIRouter()


@router.get("/ket-qua/quyet-dinh-{decision_id}/giay-khen.zip")
def decision_certificates(decision_id: int) -> Response:
    """The certificates of a signed decision: one DOCX per nominee and one merged for printing."""
    with session_scope() as session:
        try:
            content = certificates_zip(session, decision_id=decision_id)
        except Refused as refusal:
            return message(404, "Không có giấy khen", refusal.message)
    return download(content, "application/zip", f"giay-khen-quyet-dinh-{decision_id}.zip")


@router.get("/ket-qua/quyet-dinh-{decision_id}.{fmt}")
def decision_paper(decision_id: int, fmt: str) -> Response:
    """A signed decision (DOCX, with its annex) or its annex list (XLSX): public like the results."""
    build = {"docx": (documents.decision_document, documents.DOCX),
             "xlsx": (documents.decision_annex, documents.XLSX)}
    if fmt not in build:
        return message(404, "Không có định dạng này", "Chỉ có .docx và .xlsx.")
    with session_scope() as session:
        try:
            content = build[fmt][0](session, decision_id=decision_id)
        except Refused as refusal:
            return message(404, "Không có quyết định này", refusal.message)
    return download(content, build[fmt][1], f"quyet-dinh-{decision_id}.{fmt}")


@router.get("/ket-qua", response_class=HTMLResponse)
def public_results(q: str = "") -> Response:
    """Công khai: signed decisions and the titles they grant, searchable with or without diacritics."""
    with session_scope() as session:
        found = results.search(session, query=q)
    return page("results.html", found=found, q=q)


@router.get("/ket-qua.{fmt}")
def export_results(fmt: str, q: str = "") -> Response:
    """The public results as CSV or XLSX (the same rows as the page)."""
    if fmt not in results.EXPORTS:
        return message(404, "Không có định dạng này", "Chỉ có .csv và .xlsx.")
    with session_scope() as session:
        content, media_type = results.export(results.search(session, query=q), fmt=fmt)
    return download(content, media_type, f"ket-qua-khen-thuong.{fmt}")
