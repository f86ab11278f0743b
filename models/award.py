"""Award history: the titles each person or collective was granted, by school year.

Written when a decision grants a nomination, and imported for the years before tdkt; the rule set's
preconditions (consecutive years of a title, LĐTT in the same year) are checked against it.
"""

from __future__ import annotations

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select


class AwardRecord(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("nominee_id", "title_code", "year"),)

    id: int | None = Field(default=None, primary_key=True)
    nominee_id: int = Field(foreign_key="nominee.id", index=True)
    title_code: str = Field(max_length=40)
    year: int = Field(description="first calendar year of the school year: 2022 for 2022-2023")
    decision_number: str | None = Field(default=None, max_length=60)
    decision_id: int | None = Field(default=None, foreign_key="decision.id")


def school_year_start(school_year: str) -> int:
    """'2022-2023' → 2022."""
    return int(school_year.split("-", 1)[0])


def years_held(session: Session, *, nominee_ids: list[int]) -> dict[tuple[int, str], set[int]]:
    """(nominee id, title code) → the school years in which it was granted."""
    held: dict[tuple[int, str], set[int]] = {}
    query = select(AwardRecord.nominee_id, AwardRecord.title_code, AwardRecord.year).where(
        col(AwardRecord.nominee_id).in_(nominee_ids))
    for nominee_id, title_code, year in session.exec(query):
        held.setdefault((nominee_id, title_code), set()).add(year)
    return held
