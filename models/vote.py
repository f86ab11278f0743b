"""Council votes: the school emulation council's (họp xét: the meeting and the tally per nomination) and, on a
higher grantor's track, the grantor's council's (the province's Hội đồng Thi đua – Khen thưởng: its meeting is
the part's CouncilVote, its count per nomination a CouncilBallot, beside the school's tally)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import UniqueConstraint, inspect
from sqlmodel import Field, Session, SQLModel, col, select

from models.db import upsert
from models.dossier import Dossier
from models.nomination import Nomination, Nominee


class CouncilVote(SQLModel, table=True):
    """A council's meeting as its biên bản records it."""

    id: int | None = Field(default=None, primary_key=True)
    dossier_id: int = Field(foreign_key="dossier.id", unique=True)
    held_on: date
    members_total: int
    members_present: int
    secret_ballot: bool = True
    starts_at: time | None = Field(default=None, description="giờ họp")
    place: str = Field(default="", max_length=500, description="địa điểm")
    chair: str = Field(default="", max_length=500, description="chủ trì (Chủ tịch Hội đồng)")
    secretary: str = Field(default="", max_length=500, description="thư ký")
    absent: str = Field(default="", max_length=500, description="thành viên vắng mặt, với lý do")
    counters: str = Field(default="", max_length=500, description="Ban kiểm phiếu, when the ballot is secret")


@dataclass(frozen=True)
class Minutes:
    """What the biên bản records of the meeting besides its counts."""

    starts_at: time | None = None
    place: str = ""
    chair: str = ""
    secretary: str = ""
    absent: str = ""
    counters: str = ""


MINUTES_LABELS = {"place": "Địa điểm", "chair": "Chủ trì", "secretary": "Thư ký", "absent": "Vắng mặt",
                  "counters": "Ban kiểm phiếu"}


class VoteTally(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    nomination_id: int = Field(foreign_key="nomination.id", unique=True)
    votes_for: int
    votes_against: int




class CouncilBallot(SQLModel, table=True):
    """The grantor's council's count for one nomination of a dossier's part (its CouncilVote is the meeting)."""

    __table_args__ = (UniqueConstraint("council_vote_id", "nomination_id"),)

    id: int | None = Field(default=None, primary_key=True)
    council_vote_id: int = Field(foreign_key="councilvote.id", index=True)
    nomination_id: int = Field(foreign_key="nomination.id", index=True)
    votes_for: int
    votes_against: int


def ballots_of(session: Session, *, council_vote_id: int) -> dict[int, CouncilBallot]:
    rows = session.exec(select(CouncilBallot).where(CouncilBallot.council_vote_id == council_vote_id)).all()
    return {row.nomination_id: row for row in rows}


def council_vote_for(session: Session, *, dossier_id: int) -> CouncilVote | None:
    return session.exec(select(CouncilVote).where(CouncilVote.dossier_id == dossier_id)).first()


def minutes_tallies(session: Session, *, dossier_id: int) -> list[tuple[str, str, VoteTally]]:
    """Every count the school's council gave at the dossier's meeting, whatever happened to the nomination since
    (withdrawn, refused, proposed to another grantor's track): (name, title code, tally), in the order entered."""
    parts = select(Dossier.id).where(col(Dossier.parent_id) == dossier_id)
    rows = session.exec(select(Nominee.full_name, Nomination.title_code, VoteTally)
                        .join(Nomination, col(Nomination.id) == VoteTally.nomination_id)
                        .join(Nominee, col(Nominee.id) == Nomination.nominee_id)
                        .where((col(Nomination.dossier_id) == dossier_id) | col(Nomination.dossier_id).in_(parts))
                        .order_by(col(Nomination.id))).all()
    return [(name, code, tally) for name, code, tally in rows]


def tallies_for(session: Session, *, nomination_ids: list[int]) -> dict[int, VoteTally]:
    if not nomination_ids:
        return {}
    rows = session.exec(select(VoteTally).where(col(VoteTally.nomination_id).in_(nomination_ids))).all()
    return {row.nomination_id: row for row in rows}


def save_tallies(session: Session, tallies: dict[int, tuple[int, int]]) -> None:
    """Each nomination's (for, against), replacing an earlier count; tallies this session holds already are read
    afresh when next used."""
    if not tallies:
        return
    upsert(session, VoteTally, [{"nomination_id": n, "votes_for": f, "votes_against": a}
                                for n, (f, a) in sorted(tallies.items())],
           key=["nomination_id"], replace=["votes_for", "votes_against"])
    for held in [o for o in session.identity_map.values() if isinstance(o, VoteTally)]:
        loaded = inspect(held).dict  # what it holds, read without asking the database
        if "nomination_id" not in loaded or loaded["nomination_id"] in tallies:
            session.expire(held)
