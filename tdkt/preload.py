"""A batch of transitions in one transaction: its dossiers locked up front, what they read loaded at once.

A transition reads its dossier (locked), the nominations with their nominees, the council's vote and
tallies, the papers and the nominees' award history: six queries each. `preload` takes the locks of a whole
batch in one statement (by id, so two batches cannot deadlock) and reads the nominations once for all its
dossiers; the votes, tallies, papers and award history are read the same way when a check first asks for
them (a decision's transitions ask for none of them). The engine and its checks then take them from here.
The rows are read under the locks, and no transition writes them, so they are what each transition would
have read itself. A dossier's preloaded rows serve its one transition:
`forget` drops them once it is written, and a second transition of it in the same batch reads afresh.

What the transitions write to the dossiers and their nominations is gathered the same way (`gather_move`,
`gather_statuses`) and written when the batch ends, one UPDATE per kind of change instead of two per dossier
(a decision's thousand dossiers: 2,000 statements). Until then the rows in memory are what the database
will hold: the checks take the batch's own dossiers and nominations from them and read only the others from
the database (tdkt/checks.py, tdkt/award_rules.py), and a dossier read afresh is read once the batch's
writes are written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from models import paper
from models.award import years_held
from models.db import AnyOf, write_rows
from models.dossier import Dossier, move
from models.nomination import IN_PLAY, Nomination, NominationStatus, Nominee
from models.unit import Person, Unit
from models.vote import CouncilVote, VoteTally, tallies_for

KEY = "preloaded"
HELD = "held_dossiers"  # session.info key: dossier id -> a dossier locked by the caller (see `hold`)
T = TypeVar("T")


@dataclass
class Preloaded:
    dossiers: dict[int, Dossier]  # those not yet written (see `forget`)
    nominations: dict[int, list[tuple[Nomination, Nominee]]] = field(default_factory=dict)
    people: dict[int, list[Person]] = field(default_factory=dict)  # each school's active people
    every: dict[int, Dossier] = field(default_factory=dict)  # written or not, as its transitions left them
    memo: dict[tuple[object, ...], object] = field(default_factory=dict)  # see `once` and `_loaded`
    moves: dict[tuple[int, tuple[tuple[str, Any], ...]], list[int]] = field(default_factory=dict)  # see `gather_move`
    statuses: dict[NominationStatus, list[int]] = field(default_factory=dict)  # see `gather_statuses`

    def nominees(self) -> list[int]:
        return sorted({p.id or 0 for pairs in self.nominations.values() for _, p in pairs})


# built once (models.db); the lists one array parameter on PostgreSQL (a chunk's 500 nominations' tallies were
# 17 KB of SQL, which psycopg parsed afresh at every execution)
_LOCKED = (select(Dossier).where(AnyOf(Dossier.id, "dossier_ids")).order_by(col(Dossier.id)).with_for_update()
           .execution_options(populate_existing=True))
_NOMINATIONS = (select(Nomination, Nominee).join(Nominee, col(Nominee.id) == Nomination.nominee_id)
                .where(AnyOf(Nomination.dossier_id, "dossier_ids"), *IN_PLAY)
                .order_by(col(Nomination.id)))
_VOTES = select(CouncilVote).where(AnyOf(CouncilVote.dossier_id, "dossier_ids"))


def preload(session: Session, dossier_ids: list[int]) -> None:
    """Lock the dossiers and load what their transitions read (replaces an earlier batch's rows)."""
    ids = sorted(set(dossier_ids))
    dossiers = session.exec(_LOCKED, params={"dossier_ids": ids}).all()
    batch = Preloaded(dossiers={d.id or 0: d for d in dossiers}, every={d.id or 0: d for d in dossiers})
    schools = {d.school_id for d in dossiers}
    session.exec(select(Unit).where(col(Unit.id).in_(schools))).all()  # kept by the session
    batch.people = {school_id: [] for school_id in schools}
    for person in session.exec(select(Person).where(col(Person.unit_id).in_(schools), Person.active == True)  # noqa: E712
                               .order_by(col(Person.id))).all():
        batch.people[person.unit_id].append(person)
    for nomination, nominee in session.exec(_NOMINATIONS, params={"dossier_ids": ids}).all():
        batch.nominations.setdefault(nomination.dossier_id, []).append((nomination, nominee))
    session.info[KEY] = batch


def _votes(session: Session, batch: Preloaded) -> dict[int, CouncilVote]:
    return {v.dossier_id: v for v in session.exec(_VOTES, params={"dossier_ids": sorted(batch.every)}).all()}


def _tallies(session: Session, batch: Preloaded) -> dict[int, VoteTally]:
    return tallies_for(session, nomination_ids=[n.id or 0 for pairs in batch.nominations.values() for n, _ in pairs])


def _kinds_of_papers(session: Session, batch: Preloaded) -> dict[int, set[str]]:
    return paper.paper_kinds(session, dossier_ids=sorted(batch.every))


def _held(session: Session, batch: Preloaded) -> dict[tuple[int, str], set[int]]:
    return years_held(session, nominee_ids=batch.nominees())


def _loaded(session: Session, batch: Preloaded, load: Callable[[Session, Preloaded], T]) -> T:
    """One kind of rows for the whole batch, read when a transition first asks for it."""
    return once(session, ("loaded", load.__name__), lambda: load(session, batch))


@contextmanager
def batch(session: Session, dossier_ids: list[int]) -> Iterator[None]:
    """Preload for the transitions applied inside the block; its rows are dropped when it ends.

    Inside, the session does not flush before each query: the transitions' audit events and emails (which no
    check reads) are written together when the batch commits, not one transition at a time."""
    preload(session, dossier_ids)
    try:
        with session.no_autoflush:
            yield
            write_gathered(session)
    finally:
        session.info.pop(KEY, None)


def current(session: Session) -> Preloaded | None:
    """The batch being applied in this session, if any."""
    batch: Preloaded | None = session.info.get(KEY)
    return batch


def people(session: Session, unit_id: int) -> list[Person] | None:
    """The active people of a school of the batch (None: not preloaded, ask the database)."""
    batch = current(session)
    return batch.people.get(unit_id) if batch is not None else None


def person_by_email(session: Session, email: str) -> Person | None:
    """An active person of the batch's schools with this email, if there is one."""
    batch = current(session)
    wanted = email.strip().lower()
    return next((p for people in (batch.people.values() if batch else []) for p in people if p.email == wanted), None)


def once(session: Session, key: tuple[object, ...], load: Callable[[], T]) -> T:
    """`load()` once per batch, for rows that the batch's own transitions cannot change."""
    batch = current(session)
    assert batch is not None
    if key not in batch.memo:
        batch.memo[key] = load()
    return cast(T, batch.memo[key])


def forget(session: Session, dossier_id: int) -> None:
    batch = current(session)
    if batch is not None:
        batch.dossiers.pop(dossier_id, None)


def _from_batch(session: Session, dossier_id: int, pick: Callable[[Preloaded], T], load: Callable[[], T]) -> T:
    batch = current(session)
    if batch is not None and dossier_id in batch.dossiers:
        return pick(batch)
    write_gathered(session)  # a dossier of the batch read again (its second transition) is read as written
    return load()


def gather_move(session: Session, dossier: Dossier, values: dict[str, Any]) -> bool:
    """Keep a transition's move of `dossier` (the values it writes, from its version as loaded) for the batch's
    end, where the moves that write the same values from the same version are one UPDATE. False outside a batch:
    the caller writes it."""
    batch = current(session)
    if batch is None:
        return False
    batch.moves.setdefault((dossier.version, tuple(sorted(values.items()))), []).append(dossier.id or 0)
    return True


def gather_statuses(session: Session, nominations: list[Nomination], status: NominationStatus) -> bool:
    """Keep the nominations' new status for the batch's end (one UPDATE per status). False outside a batch."""
    batch = current(session)
    if batch is None:
        return False
    batch.statuses.setdefault(status, []).extend(n.id or 0 for n in nominations)
    return True


def write_gathered(session: Session) -> None:
    """Write the moves and statuses the batch's transitions have gathered so far."""
    batch = current(session)
    if batch is None:
        return
    for (was, values), dossier_ids in batch.moves.items():
        move(session, dossier_ids, was=was, values=dict(values))
    for status, nomination_ids in batch.statuses.items():
        write_rows(session, Nomination, nomination_ids, status=status)
    batch.moves, batch.statuses = {}, {}


def hold(session: Session, dossier: Dossier) -> None:
    """A dossier the caller has just locked and read in this transaction (an action link's): its transition
    takes it from here instead of locking and reading it again. Held until that transition or the
    transaction's end."""
    session.info.setdefault(HELD, {})[dossier.id or 0] = dossier


def locked_dossier(session: Session, dossier_id: int, load: Callable[[], Dossier | None]) -> Dossier | None:
    held = session.info.get(HELD, {}).pop(dossier_id, None)
    return held if held is not None else _from_batch(session, dossier_id, lambda b: b.dossiers[dossier_id], load)


def _release(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the locks ended with the transaction
        session.info.pop(HELD, None)


event.listen(OrmSession, "after_transaction_end", _release)


def nominations(session: Session, dossier_id: int,
                load: Callable[[], list[tuple[Nomination, Nominee]]]) -> list[tuple[Nomination, Nominee]]:
    return _from_batch(session, dossier_id, lambda b: list(b.nominations.get(dossier_id, [])), load)


def vote(session: Session, dossier_id: int, load: Callable[[], CouncilVote | None]) -> CouncilVote | None:
    return _from_batch(session, dossier_id, lambda b: _loaded(session, b, _votes).get(dossier_id), load)


def tallies(session: Session, dossier_id: int, nomination_ids: list[int],
            load: Callable[[], dict[int, VoteTally]]) -> dict[int, VoteTally]:
    def pick(batch: Preloaded) -> dict[int, VoteTally]:
        loaded = _loaded(session, batch, _tallies)
        return {i: loaded[i] for i in nomination_ids if i in loaded}

    return _from_batch(session, dossier_id, pick, load)


def paper_kinds(session: Session, dossier_id: int, load: Callable[[], set[str]]) -> set[str]:
    """The kinds of paper attached to a dossier of the batch."""
    return _from_batch(session, dossier_id,
                       lambda b: _loaded(session, b, _kinds_of_papers).get(dossier_id, set()), load)


def held(session: Session, dossier_id: int,
         load: Callable[[], dict[tuple[int, str], set[int]]]) -> dict[tuple[int, str], set[int]]:
    return _from_batch(session, dossier_id, lambda b: _loaded(session, b, _held), load)
