"""The commendation decision (quyết định khen thưởng) and its annex list."""

from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, func, select


class Decision(SQLModel, table=True):
    """Numbers restart each calendar year (Nghị định 30/2020): a number is an issuer's once a year."""

    __table_args__ = (UniqueConstraint("issuer_unit_id", "year", "number", name="uq_decision_issuer_year_number"),)

    id: int | None = Field(default=None, primary_key=True)
    phase_id: int = Field(foreign_key="phase.id", index=True)
    number: str = Field(max_length=60, description="Số: 12/QĐ-UBND")
    year: int = Field(description="the calendar year of signing, in which the number is unique")
    signed_on: date
    issuer_unit_id: int = Field(foreign_key="unit.id")
    form: str = Field(default="", max_length=40, description="the rule set's form it grants (one decision per "
                                                             "grantor and form)")
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


def next_decision_number(session: Session, *, issuer_unit_id: int, year: int, code: str) -> str:
    """The issuer's next number of the year (numbers restart each calendar year, Nghị định 30/2020)."""
    count = session.exec(select(func.count()).select_from(Decision).where(Decision.issuer_unit_id == issuer_unit_id,
                                                                         Decision.year == year)).one()
    return f"{count + 1}/{code}"


def following_number(number: str) -> str | None:
    """The number after `number` in the register: '12/QĐ-UBND' → '13/QĐ-UBND'; None when it does not start with
    one."""
    head, slash, tail = number.partition("/")
    return f"{int(head) + 1}{slash}{tail}" if head.strip().isdigit() else None


def number_taken(session: Session, *, issuer_unit_id: int, year: int, number: str) -> bool:
    return session.exec(select(Decision.id).where(Decision.issuer_unit_id == issuer_unit_id, Decision.year == year,
                                                  Decision.number == number)).first() is not None
