"""How many nominations of each title and status a phase has beyond the schools: the ratio caps read it.

A phase-scope cap (CSTĐCS ≤ 15 % of LĐTT) compares counts over the whole phase. Counting the nominations
at every review scanned all of them (20,000 in a province) twice per approval; the tally keeps the counts
instead. It counts the nominations still in play (not withdrawn, not rejected) whose dossier has left the
route's first stage, per (phase, title, status).

Only a transition changes a dossier's stage and its nominations' statuses (`tdkt.engine._write`), so it is
the one writer: it records its change with `record`, and the changes are added to the rows when the
transaction commits (`apply_pending`, on every session's before_commit, after the audit chain is sealed),
so a row is locked for the commit only. A change recorded inside a savepoint that rolls back is dropped
with its transition's audit event. Readers add their own transaction's pending changes (`counts`).

A check that reads a phase-wide count and would raise it (an approval that others do not count yet) takes
the phase's lock first (`lock_phase`): without it, two approvals in two web workers each read the count
before the other committed, both passed, and the phase ended over its cap. A transition that only lowers a
count, or leaves it as it is (a verification of a dossier the Phòng already approved), need not wait.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import bindparam, func
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Field, Session, SQLModel, col, select

from models.audit import AuditEvent, defer, deferred
from models.cache import core_execute
from models.db import upsert
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus

PHASE_LOCK = 0x74646B74  # "tdkt": the first key of the advisory lock on a phase's counts (the phase is the second)
LOCKED = "tally_locked"  # session.info key: the phases whose lock this transaction has taken
COMMITTED = "tally_committed"  # session.info key: phase -> its committed rows as read under its lock (`counts`)
PENDING = "tally_pending"  # session.info key: [(audit event, (phase, Counter of changes))] (models.audit.defer)
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


def record(session: Session, *, event: AuditEvent, phase_id: int, change: Counter[Key]) -> None:
    """Note a transition's change to the tally (applied at commit, or dropped with `event` by a rollback)."""
    change = Counter({key: n for key, n in change.items() if n})
    if change:
        defer(session, PENDING, event, (phase_id, change))


def lock_phase(session: Session, *, phase_id: int) -> None:
    """Wait for the other transactions deciding on this phase's counts to end, and hold them off until this one
    ends. Taken after the dossiers' row locks (a decision's parts lock more dossiers later, so its action
    must not have a check that takes it). SQLite runs one writer at a time already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    held = session.info.setdefault(LOCKED, set())
    if phase_id not in held:  # a batch's second approval of the phase holds it already
        session.execute(select(func.pg_advisory_xact_lock(PHASE_LOCK, phase_id)))
        held.add(phase_id)


def phase_locked(session: Session, *, phase_id: int) -> bool:
    """Whether this transaction holds the phase's lock (`lock_phase`)."""
    return phase_id in session.info.get(LOCKED, ())


def _forget_locks(session: OrmSession, _transaction: object) -> None:
    """Any transaction's end, a savepoint's included, forgets the locks: asking again is harmless, and a
    rolled-back savepoint may have released one. The rows read under them go with them (`counts`)."""
    session.info.pop(LOCKED, None)
    session.info.pop(COMMITTED, None)


_OF_PHASE = (select(TitleTally.title_code, TitleTally.status, TitleTally.count)
             .where(TitleTally.phase_id == bindparam("phase_id")))  # built once: see models.db (statements)


def counts(session: Session, *, phase_id: int) -> Counter[Key]:
    """The phase's tally as this transaction sees it: the committed rows plus its own pending changes.

    Under the phase's lock (`lock_phase`) the committed rows are read once and kept until the lock ends: no other
    transaction can raise a count meanwhile, so a batch of a hundred approvals reads them once, not once each
    (they were 1,000 of a province review's 1,815 statements). Another transaction may still lower a count
    (a return, a rejection) that a later read would have seen; the batch's first approval, which commits with
    the last, could not have seen it either."""
    locked = phase_locked(session, phase_id=phase_id)
    kept: dict[int, Counter[Key]] = session.info.setdefault(COMMITTED, {})
    committed = kept.get(phase_id) if locked else None  # kept only from a read made under the lock
    if committed is None:
        rows = core_execute(session, _OF_PHASE, {"phase_id": phase_id}).all()
        committed = Counter({(title, status): n for title, status, n in rows})
        if locked:
            kept[phase_id] = committed
    total = Counter(committed)
    for _, (pending_phase, change) in deferred(session, PENDING, take=False):
        if pending_phase == phase_id:
            total.update(change)
    return total


def apply_pending(session: OrmSession) -> None:
    """Add the transaction's changes to the rows, in one statement, in key order (so two commits cannot
    deadlock on each other's rows)."""
    totals: Counter[tuple[int, str, str]] = Counter()
    for _, (phase_id, change) in deferred(session, PENDING):
        for (title, status), n in change.items():
            totals[(phase_id, title, status)] += n
    values = [{"phase_id": p, "title_code": t, "status": s, "count": n} for (p, t, s), n in sorted(totals.items()) if n]
    if values:
        upsert(session, TitleTally, values, key=["phase_id", "title_code", "status"], add=["count"])


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
    query = select(TitleTally)
    if phase_id is not None:
        query = query.where(TitleTally.phase_id == phase_id)
    return Counter({(r.phase_id, r.title_code, r.status): r.count for r in session.exec(query).all() if r.count})


orm_event.listen(OrmSession, "before_commit", apply_pending)
orm_event.listen(OrmSession, "after_transaction_end", _forget_locks)
