"""The commendation decision (quyết định khen thưởng) and its annex list."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, Session, SQLModel, select


class Decision(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    number: str = Field(unique=True, max_length=60, description="Số: 12/QĐ-UBND")
    signed_on: date
    issuer_unit_id: int = Field(foreign_key="unit.id")
    signer_id: int = Field(foreign_key="person.id")
    audit_event_id: int | None = Field(default=None, foreign_key="auditevent.id")


class DecisionEntry(SQLModel, table=True):
    """One line of the annex, a snapshot so later edits of names cannot change a signed decision."""

    id: int | None = Field(default=None, primary_key=True)
    decision_id: int = Field(foreign_key="decision.id", index=True)
    nomination_id: int = Field(foreign_key="nomination.id", unique=True)
    nominee_name: str
    position: str | None = None
    unit_name: str
    title_code: str
    title_name: str


def decision_entries(session: Session, *, decision_id: int) -> list[DecisionEntry]:
    query = select(DecisionEntry).where(DecisionEntry.decision_id == decision_id).order_by(DecisionEntry.id)  # type: ignore[arg-type]
    return list(session.exec(query).all())


def next_decision_number(session: Session, *, year: int, code: str) -> str:
    """Numbers restart each calendar year (Nghị định 30/2020)."""
    count = sum(1 for d in session.exec(select(Decision)).all() if d.signed_on.year == year)
    return f"{count + 1}/{code}"
