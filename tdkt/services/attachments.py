"""Attach papers to a school's dossier: type checked by content (not by name), size-limited, stored by hash."""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO
from pathlib import Path

from sqlmodel import Session

from config.settings import get_settings
from config.vocabulary import PAPER_KINDS
from models.dossier import Dossier
from models.paper import Paper
from models.unit import Person
from tdkt.common.errors import Refused

KINDS = PAPER_KINDS
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def sniff(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) recognised from the bytes themselves, or None."""
    if content.startswith(b"%PDF-"):
        return "application/pdf", ".pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", ".png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", ".jpg"
    if content.startswith(b"PK"):
        try:
            with zipfile.ZipFile(BytesIO(content)) as archive:
                if "word/document.xml" in archive.namelist():
                    return DOCX, ".docx"
        except zipfile.BadZipFile:
            return None
    return None


def storage_path(sha256: str) -> Path:
    return get_settings().files_dir / sha256[:2] / sha256


def attach(session: Session, *, dossier: Dossier, person: Person, kind: str, filename: str, content: bytes,
           start_stage: str) -> Paper:
    """Store a paper on the dossier while it is at the school; refuses a type or size it does not accept."""
    if dossier.stage != start_stage:
        raise Refused("not_editable", "Chỉ đính kèm giấy tờ khi hồ sơ còn ở trường.")
    if kind not in KINDS:
        raise Refused("bad_kind", f"Loại giấy tờ không hợp lệ. Chọn: {', '.join(KINDS.values())}.")
    limit = get_settings().upload_max_bytes
    if len(content) > limit:
        raise Refused("too_big", f"Tệp {filename} vượt quá {limit / 1_000_000:g} MB.")
    found = sniff(content)
    if found is None:
        raise Refused("bad_type", f"Tệp {filename} không phải PDF, DOCX, PNG hoặc JPEG (kiểm tra theo nội dung tệp, "
                                  "không theo tên).")
    content_type, extension = found
    digest = hashlib.sha256(content).hexdigest()
    path = storage_path(digest)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_bytes(content)
    name = Path(filename).stem[:200] + extension
    paper = Paper(dossier_id=dossier.id or 0, kind=kind, filename=name, content_type=content_type,
                  size=len(content), sha256=digest, uploaded_by=person.id or 0)
    session.add(paper)
    session.flush()
    return paper


def remove(session: Session, *, dossier: Dossier, paper_id: int, start_stage: str) -> str:
    """Take a paper off the dossier while it is at the school (to replace it, attach the right one); its file
    stays stored, as a returned dossier's record of what it held names it. Returns its file name."""
    if dossier.stage != start_stage:
        raise Refused("not_editable", "Chỉ gỡ giấy tờ khi hồ sơ còn ở trường.")
    paper = session.get(Paper, paper_id)
    if paper is None or paper.dossier_id != dossier.id:
        raise Refused("not_found", "Giấy tờ này không thuộc hồ sơ của trường.")
    session.delete(paper)
    session.flush()
    return paper.filename
