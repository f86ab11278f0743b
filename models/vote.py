"""The school emulation council's vote (họp xét): the meeting and the tally per nomination."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, Session, SQLModel, select


class CouncilVote(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", unique=True)
    held_on: date
    members_total: int
    members_present: int
    secret_ballot: bool = True


class VoteTally(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="nomination.id", unique=True)
    votes_for: int
    votes_against: int


def council_vote_for(session: Session, *, dossier_id: int) -> CouncilVote | None:
    return session.exec(select(CouncilVote).where(CouncilVote.dossier_id == dossier_id)).first()


def tallies_for(session: Session, *, nomination_ids: list[int]) -> dict[int, VoteTally]:
    if not nomination_ids:
        return {}
    rows = session.exec(select(VoteTally).where(VoteTally.nomination_id.in_(nomination_ids))).all()  # type: ignore[attr-defined]
    return {row.nomination_id: row for row in rows}
