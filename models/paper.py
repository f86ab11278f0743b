"""Papers attached to a dossier (tờ trình, biên bản họp xét, báo cáo thành tích …), stored on disk by hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from models.db import UTCDateTime, utcnow


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


def papers_of(session: Session, *, dossier_id: int) -> list[Paper]:
    return list(session.exec(select(Paper).where(Paper.dossier_id == dossier_id).order_by(col(Paper.id))).all())


def paper_kinds(session: Session, *, dossier_ids: list[int]) -> dict[int, set[str]]:
    """Dossier → the kinds of paper attached to it (what the award rules ask), without reading each paper as a
    row; a dossier with none is left out."""
    found: dict[int, set[str]] = {}
    query = select(Paper.dossier_id, Paper.kind).where(col(Paper.dossier_id).in_(dossier_ids)).distinct()
    for dossier_id, kind in session.exec(query):
        found.setdefault(dossier_id, set()).add(kind)
    return found


class ProposalNumber(SQLModel, table=True):
    """The number a unit's văn thư gave its tờ trình of a phase (from its register of outgoing papers): printed on
    the tờ trình and cited by the decision taken on it. A unit draws one tờ trình per phase (a block's is its
    leader's, kept under the block)."""

    __table_args__ = (UniqueConstraint("phase_id", "unit_id"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    unit_id: int = Field(foreign_key="unit.id")
    number: str = Field(max_length=40)
    entered_by: int | None = Field(default=None, foreign_key="person.id")
    entered_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


def proposal_number(session: Session, *, phase_id: int, unit_id: int) -> str | None:
    """The number of the unit's tờ trình of the phase; None before its văn thư has given one."""
    return session.exec(select(ProposalNumber.number).where(ProposalNumber.phase_id == phase_id,
                                                           ProposalNumber.unit_id == unit_id)).first()
