"""How many nominations of each title and status a phase has beyond the schools: the ratio caps read it.

A phase-scope cap (CSTĐCS ≤ 15 % of LĐTT) compares counts over the whole phase. Counting the nominations
at every review scanned all of them (20,000 in a province) twice per approval; the tally keeps the counts
instead. It counts the nominations still in play (not withdrawn, not rejected) whose dossier has left the
route's first stage, per (phase, title, status).

Only a transition changes a dossier's stage and its nominations' statuses (the engine), so it is the one
writer: it adds its change with `record`, in its own transaction.

A check that reads a phase-wide count and would raise it (an approval that others do not count yet) takes
the phase's lock first (`lock_phase`): without it, two approvals in two web workers each read the count
before the other committed, both passed, and the phase ended over its cap. `record` takes the same lock, so
the writers of one phase's rows queue instead of deadlocking on them.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func
from sqlmodel import Field, Session, SQLModel, col, select

from models.db import upsert
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus

PHASE_LOCK = 0x74646B74  # "tdkt": the first key of the advisory lock on a phase's counts (the phase is the second)
Key = tuple[str, str]  # (title code, nomination status)


class TitleTally(SQLModel, table=True):
    phase_id: int = Field(foreign_key="phase.id", primary_key=True)
    title_code: str = Field(max_length=40, primary_key=True)
    status: str = Field(max_length=20, primary_key=True)
    count: int = 0


def contribution(stage: str, start: str, statuses: list[tuple[str, NominationStatus]]) -> Counter[Key]:
    """What a dossier at `stage` adds to its phase's tally, given its in-play nominations' (title, status)."""
    if stage == start:
        return Counter()
    return Counter((title, str(status)) for title, status in statuses if status != NominationStatus.rejected)


def record(session: Session, *, phase_id: int, change: Counter[Key]) -> None:
    """Add a transition's change to the phase's rows, in key order."""
    rows = [{"phase_id": phase_id, "title_code": title, "status": status, "count": n}
            for (title, status), n in sorted(change.items()) if n]
    if rows:
        lock_phase(session, phase_id=phase_id)
        upsert(session, TitleTally, rows, key=["phase_id", "title_code", "status"], add=["count"])


def lock_phase(session: Session, *, phase_id: int) -> None:
    """Wait for the other transactions deciding on this phase's counts to end, and hold them off until this one
    ends (taking it again in the same transaction is free). Taken after the dossiers' row locks. SQLite runs one
    writer at a time already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(PHASE_LOCK, phase_id)))


def counts(session: Session, *, phase_id: int) -> Counter[Key]:
    """The phase's tally as this transaction sees it (columns, not rows: `record` writes past the ORM)."""
    rows = session.exec(select(TitleTally.title_code, TitleTally.status, TitleTally.count)
                        .where(TitleTally.phase_id == phase_id)).all()
    return Counter({(title, status): n for title, status, n in rows})


def recount(session: Session, *, start: str, phase_id: int | None = None) -> Counter[tuple[int, str, str]]:
    """The tally counted from the nominations themselves: to fill it, and to check it."""
    query = (select(Dossier.phase_id, Nomination.title_code, Nomination.status, func.count())
             .join(Dossier, col(Dossier.id) == Nomination.dossier_id)
             .where(Dossier.stage != start, Nomination.withdrawn == False,  # noqa: E712
                    Nomination.status != NominationStatus.rejected)
             .group_by(col(Dossier.phase_id), col(Nomination.title_code), col(Nomination.status)))
    if phase_id is not None:
        query = query.where(Dossier.phase_id == phase_id)
    return Counter({(p, t, str(s)): n for p, t, s, n in session.exec(query).all()})


def stored(session: Session, *, phase_id: int | None = None) -> Counter[tuple[int, str, str]]:
    query = select(TitleTally.phase_id, TitleTally.title_code, TitleTally.status, TitleTally.count)
    if phase_id is not None:
        query = query.where(TitleTally.phase_id == phase_id)
    return Counter({(p, t, s): n for p, t, s, n in session.exec(query).all() if n})

