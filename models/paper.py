"""Papers attached to a dossier (tờ trình, biên bản họp xét, báo cáo thành tích …), stored on disk by hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Field, Session, SQLModel, col, select

from models.cache import core_execute
from models.db import AnyOf, UTCDateTime, utcnow

PAPER_KINDS = {"to_trinh": "Tờ trình", "bien_ban": "Biên bản họp xét", "danh_sach": "Danh sách đề nghị",
               "bao_cao_thanh_tich": "Báo cáo thành tích", "sang_kien": "Giấy chứng nhận sáng kiến",
               "khac": "Giấy tờ khác"}


class Paper(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    kind: str = Field(max_length=40, description="to_trinh, bien_ban, bao_cao_thanh_tich, khac")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    uploaded_by: int = Field(foreign_key="person.id")
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


_OF_DOSSIER = (select(Paper).where(Paper.dossier_id == bindparam("dossier_id"))
               .order_by(col(Paper.id)))  # built once: see models.db (statements)


def papers_of(session: Session, *, dossier_id: int) -> list[Paper]:
    return list(session.exec(_OF_DOSSIER, params={"dossier_id": dossier_id}).all())


_KINDS = select(Paper.dossier_id, Paper.kind).where(AnyOf(Paper.dossier_id, "dossier_ids")).distinct()  # built once


def paper_kinds(session: Session, *, dossier_ids: list[int]) -> dict[int, set[str]]:
    """Dossier → the kinds of paper attached to it (what the award rules ask), without reading each paper as a
    row; a dossier with none is left out."""
    found: dict[int, set[str]] = {}
    for dossier_id, kind in core_execute(session, _KINDS, {"dossier_ids": dossier_ids}):
        found.setdefault(dossier_id, set()).add(kind)
    return found
