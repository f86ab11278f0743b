"""Reference rows kept between sessions in each process, valid while the database's reference version holds.

Every request and every batch reads the same units, people, phases, campaigns, deadlines, quotas and
delegations: an approval by link asked PostgreSQL for fourteen such rows each time. A SELECT that reads only
these tables (`TABLES`; `session.get` included) is answered here after its first run, keyed by its SQL and
parameters, per database.

Correctness rests on one counter, `ReferenceVersion`: the database's triggers on these tables add one to it
in any transaction that writes them, whoever writes (tdkt, or SQL by hand; migration 0012). Each
transaction reads it once before its first cached answer; when it has moved, every process drops what it
kept. So a cached row is never older than the version read at the start of the transaction, as with a
SELECT made at that moment, and a transaction that has written reference rows (seen here, from its flushes
and statements) reads them from the database until it ends.

Cached rows are stored pickled, so each session gets its own copies; a row the session already holds is
never overwritten (as with any query). `ReferenceSession.get` (the sessions of `models.db.new_session`) finds a
row by its class and key before the ORM builds, compiles and runs its SELECT: ~20 µs instead of ~80 µs of CPU
for a row already kept (measured 2026-12-06), and a web request reads about ten.

Values worked out from these rows alone (which office a school answers to, who receives a unit's emails) are
kept too, under the same version (`lasting`): a web request is a new session, and worked them out again each
time (~10 % of an approval's CPU, py-spy).
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import CursorResult, Executable, Select, Table, event, inspect
from sqlalchemy.orm import ORMExecuteState, SessionTransaction
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.util import find_tables
from sqlmodel import Field, Session, SQLModel, select

from models.db import flushed_connection, keep, remembered

TABLES = frozenset({"unit", "person", "phase", "campaign", "stagedeadline", "phasequota", "delegation"})
MAX_ENTRIES = 20_000  # distinct statements kept per database (a 1,000-school province needs a few thousand)
T = TypeVar("T")
VERSION, WROTE = "reference_version", "reference_written"  # session.info keys, for the current transaction


class ReferenceVersion(SQLModel, table=True):
    id: int = Field(default=1, primary_key=True)
    version: int = 0


class _Store:
    """What one process keeps for one database."""

    def __init__(self) -> None:
        self.version: int | None = None
        self.entries: OrderedDict[str, bytes] = OrderedDict()
        self.sql: dict[Any, str] = {}
        self.values: dict[tuple[Any, ...], Any] = {}  # see `lasting`
        self.rows: OrderedDict[Any, bytes] = OrderedDict()  # by identity key: see `ReferenceSession.get`

    def valid_at(self, version: int) -> None:
        if version != self.version:
            self.entries.clear()
            self.values.clear()
            self.rows.clear()
            self.version = version

    def put(self, kept: OrderedDict[Any, bytes], key: Any, blob: bytes, read_at: int) -> None:
        """Keep a result read under version `read_at` in `kept` (`entries` or `rows`), unless another thread has
        seen a newer one since."""
        if read_at != self.version:
            return
        kept[key] = blob
        if len(kept) > MAX_ENTRIES:
            kept.popitem(last=False)


_stores: dict[str, _Store] = {}  # by database URL
_by_engine: WeakKeyDictionary[Any, _Store] = WeakKeyDictionary()  # the same, found without rendering the URL
_lock = threading.Lock()


def clear() -> None:
    """Forget everything (tests empty their database between tests without a migration)."""
    with _lock:
        _stores.clear()
        _by_engine.clear()


_read: dict[Any, frozenset[str]] = {}  # the tables a SELECT reads, by the shape of its SQL (its cache key)


def _tables(statement: Any) -> frozenset[str]:
    return frozenset(t.name for t in find_tables(statement, include_joins=True, include_selects=True,
                                                 include_crud=True) if isinstance(t, Table))


def _read_tables(statement: Any) -> frozenset[str]:
    """What a SELECT reads, found once per shape of statement: walking the statement cost about a tenth of
    a web request (measured). Its cache key is computed anyway; SQLAlchemy keeps it for compiling."""
    key = statement._generate_cache_key()
    if key is None:
        return _tables(statement)
    found = _read.get(key.key)
    if found is None:
        if len(_read) >= MAX_ENTRIES:
            _read.clear()
        found = _read[key.key] = _tables(statement)
    return found


def _written(statement: Any) -> frozenset[str]:
    """The table an INSERT, UPDATE or DELETE writes (any statement else: every table it names)."""
    table = getattr(statement, "table", None)
    return frozenset((table.name,)) if isinstance(table, Table) else _tables(statement)


def _cacheable(state: ORMExecuteState) -> bool:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return False
    if state.session.info.get(WROTE):
        return False  # this transaction changed reference rows: read them from the database
    statement = state.statement
    if getattr(statement, "_for_update_arg", None) is not None or state.execution_options.get("populate_existing") \
            or state.load_options._populate_existing:
        return False
    tables = _read_tables(statement)  # by its cache key, which compiling it needs anyway (not `all_mappers`,
    # which worked out the statement's column descriptions at every execution: ~2 % of a web request, py-spy)
    return bool(tables) and tables <= TABLES


_VERSION = select(ReferenceVersion.version).where(ReferenceVersion.id == 1)  # built once: see models.db


def _store(session: OrmSession) -> _Store:
    """This database's store, checked against its version once per transaction."""
    engine = session.get_bind().engine
    store = _by_engine.get(engine)
    if store is None:
        with _lock:
            store = _by_engine[engine] = _stores.setdefault(str(engine.url), _Store())
    if VERSION not in session.info:  # on the connection: the ORM's layer cost ~0.15 ms more (measured)
        version = session.connection().execute(_VERSION).scalar_one()
        with _lock:
            store.valid_at(version)
        session.info[VERSION] = version
    return store


def _attach(session: OrmSession, row: Any) -> Any:
    """An unpickled row in `session`: the session's own copy when it holds one, else this one."""
    if not _mapped(row):
        return row
    held = session.identity_map.get(inspect(row).key)
    if held is not None:
        return held
    session.add(row)  # detached with its identity: it becomes persistent, unchanged
    keep(session, row)  # held for the session's life, as the rows it loads itself
    return row


def _note_write(session: OrmSession, statement: Any) -> None:
    if _written(statement) & TABLES:
        session.info[WROTE] = True


def core_execute(session: OrmSession, statement: Executable,
                 params: Any = None) -> CursorResult[*tuple[Any, ...]]:
    """Run a Core statement (on tables, not classes) on the session's connection, without the ORM's layer
    around each statement: ~50 µs and ~100 Python calls less a statement, for the eight such statements of an
    approval by link (measured 2026-12-06). It flushes first, as `Session.execute` does; a write to a
    reference table is noted as there; a SELECT is never answered from this cache, so it is for the other
    tables (the tally, nominations, the audit chain, the outbox)."""
    if not isinstance(statement, Select):
        _note_write(session, statement)
    return flushed_connection(session).execute(statement, params)


def _on_execute(state: ORMExecuteState) -> Any:
    if not state.is_select:
        _note_write(state.session, state.statement)
        return None
    if not _cacheable(state):
        return None
    session, statement = state.session, cast(Any, state.statement)
    store = _store(session)
    key = statement._generate_cache_key().to_offline_string(store.sql, statement, state.parameters or {})
    blob = store.entries.get(key)
    if blob is None:
        frozen = state.invoke_statement().freeze()
        if frozen._source_supports_scalars or not any(_mapped(v) for row in frozen.data for v in row):
            with _lock:  # rows of one entity, or of plain values; not rows that mix entities
                store.put(store.entries, key, pickle.dumps(frozen), session.info[VERSION])
        return frozen()
    frozen = pickle.loads(blob)
    if not frozen._source_supports_scalars:
        return frozen()
    return frozen.with_new_rows([[_attach(session, row)] for row in frozen.data])()


class ReferenceSession(Session):
    """A session whose `get` of a reference row by its key is answered from the store without a SELECT."""

    def get(self, entity: Any, ident: Any, **options: Any) -> Any:
        if options or getattr(entity, "__tablename__", None) not in TABLES or self.info.get(WROTE):
            return super().get(entity, ident, **options)
        key = identity_key(entity, ident)
        if key in self.identity_map:  # the session's own copy, as the ORM finds it
            return super().get(entity, ident)
        store = _store(self)
        blob = store.rows.get(key)
        if blob is not None:
            return _attach(self, pickle.loads(blob))
        row = super().get(entity, ident)  # its SELECT flushes the session's changes first: WROTE may be set now
        if row is not None and not self.info.get(WROTE):
            blob = pickle.dumps(row)
            with _lock:
                store.put(store.rows, key, blob, self.info[VERSION])
        return row


def lasting(session: Session, key: tuple[Any, ...], load: Callable[[], T]) -> T:
    """`load()`, kept in this process while the reference version holds (and in the session, as
    `models.db.remembered`). Only for values that `load` works out from reference rows alone and that hold no
    rows themselves (ids, dates, names): a row belongs to one session. A transaction that changes reference
    rows flushes them before it asks again (as `set_deadline` and `delegate` do): from then on it works the
    value out itself, while a kept one would not see changes still pending in the session."""
    return remembered(session, key, lambda: _lasting(session, key, load))


def _lasting(session: Session, key: tuple[Any, ...], load: Callable[[], T]) -> T:
    if session.info.get(WROTE):
        return load()  # this transaction changed reference rows: work it out from them
    store = _store(session)
    read_at = session.info[VERSION]
    if key in store.values:
        return cast(T, store.values[key])
    value = load()
    with _lock:
        if store.version == read_at and not session.info.get(WROTE):
            if len(store.values) >= MAX_ENTRIES:
                store.values.clear()
            store.values[key] = value
    return value


def _mapped(value: object) -> bool:
    return hasattr(value, "_sa_instance_state")


def _after_flush(session: OrmSession, _context: object) -> None:
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(getattr(type(obj), "__tablename__", None) in TABLES for obj in changed):
        session.info[WROTE] = True


def _ended(session: OrmSession, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the transaction, not a savepoint: the next one checks and writes afresh
        session.info.pop(VERSION, None)
        session.info.pop(WROTE, None)


event.listen(OrmSession, "do_orm_execute", _on_execute)
event.listen(OrmSession, "after_flush", _after_flush)
event.listen(OrmSession, "after_transaction_end", _ended)
