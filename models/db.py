"""Database engine, sessions and migrations: SQLite embedded, PostgreSQL in production.

Statements: the queries of the hot paths (an approval by link, a batch's transitions) are built once, at import,
with `bindparam` placeholders, and executed with their values (`session.exec(STATEMENT, params=...)`). Built at
each call, a small SELECT cost ~0.3 ms of CPU, ~0.12 ms of which went to constructing it again and working
out what SQLAlchemy memoizes on a statement object (its cache key, its columns); the approval by link runs
about ten such queries (measured 2026-12-04)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BindParameter,
    Boolean,
    ColumnElement,
    DateTime,
    Table,
    TextClause,
    Update,
    all_,
    any_,
    bindparam,
    event,
    text,
    update,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, Engine] = {}
T = TypeVar("T")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware datetime")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def table(model: type) -> Table:
    """A model's table, for the statements of a hot path written without the ORM's layer (an UPDATE through
    it costs ~0.15 ms more of CPU, measured)."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]


class AnyOf(ColumnElement[bool]):
    """`column IN (the list given as parameter `name`)`, written for each database: on PostgreSQL one array
    parameter (`column = ANY(:name)`); elsewhere SQLAlchemy's expanding IN, which writes one placeholder per
    value into the SQL at every execution (~8 Python calls a value, for an approval by link's twenty nominees
    read twice; measured 2026-12-06), and PostgreSQL then sees another statement for each length of the list.
    `negate`: NOT IN."""

    type = Boolean()
    _is_implicitly_boolean = True  # a comparison: SQLite gets no "= 1" after it
    inherit_cache = True
    # the parameter is part of the statement's cache key, as any bindparam is: the reference cache keys its
    # answers by the statement's parameters (models.cache)
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement),
                           ("values", InternalTraversal.dp_clauseelement), ("negate", InternalTraversal.dp_boolean)]

    def __init__(self, column: Any, name: str, *, negate: bool = False) -> None:
        self.column, self.negate = column, negate
        self.values: BindParameter[Any] = bindparam(name)


@compiles(AnyOf)
def _in_expanding(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    values: BindParameter[Any] = bindparam(element.values.key, expanding=True)
    return compiler.process(element.column.not_in(values) if element.negate else element.column.in_(values), **kw)


@compiles(AnyOf, "postgresql")
def _any_array(element: AnyOf, compiler: SQLCompiler, **kw: Any) -> str:
    values: BindParameter[Any] = bindparam(element.values.key, type_=postgresql.ARRAY(element.column.type))
    return compiler.process(element.column != all_(values) if element.negate else element.column == any_(values), **kw)


_UPDATES: dict[tuple[str, tuple[str, ...]], Update] = {}  # by table and columns set: built once (statements)


def update_rows(session: OrmSession, rows: Sequence[Any], **values: Any) -> None:
    """Write `values` to these loaded rows of one model in one UPDATE on its table (`write_rows`), and set them on
    the rows as written, without reading the rows back or searching the session."""
    if not rows:
        return
    write_rows(session, type(rows[0]), [row.id for row in rows], **values)
    for row in rows:
        for name, value in values.items():
            set_committed_value(row, name, value)


def write_rows(session: OrmSession, model: type, ids: list[int], **values: Any) -> None:
    """Write `values` to the rows of `model` with these ids, in one UPDATE. The statement is built once per table
    and columns, its ids one array parameter on PostgreSQL (`AnyOf`): a decision updates a thousand dossiers'
    nominations."""
    written, columns = table(model), tuple(sorted(values))
    if (statement := _UPDATES.get((written.name, columns))) is None:
        statement = _UPDATES[(written.name, columns)] = (update(written).where(AnyOf(written.c.id, "row_ids"))
                                                         .values({name: bindparam(f"new_{name}") for name in columns}))
    session.execute(statement, {"row_ids": ids, **{f"new_{k}": v for k, v in values.items()}})


def flushed_connection(session: OrmSession) -> Connection:
    """The session's connection, for a statement run past the ORM's layer, once what the session holds unflushed
    is written, as `Session.execute` does first (nothing to do when it holds no change)."""
    if session.autoflush:
        session.flush()
    return session.connection()


# by database, table, columns and what to do on a conflict
_ROWS_SQL: dict[tuple[str, str, tuple[str, ...], str], tuple[TextClause, list[int]]] = {}


def insert_rows(session: OrmSession, into: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT `rows` (each with the same columns; values numbers, text, enums or None) in one statement whose
    one parameter is the rows as JSON, read back into columns by PostgreSQL's `json_array_elements` or SQLite's
    `json_each`. An executemany sent one set of values per row, ~35 Python calls each: a dossier's twenty
    verdict rows cost 440–540 µs of CPU that way, 170 µs this way (measured 2026-12-06). It flushes first,
    as Session.execute does. Not for the reference tables (models.cache notes writes to them through the
    session's statements only)."""
    _write_json_rows(session, into, rows, "")


def upsert(session: OrmSession, model: type, rows: list[dict[str, Any]], *, key: list[str],
           add: list[str] | None = None, replace: list[str] | None = None) -> None:
    """INSERT the rows as `insert_rows` does (nor is it for the reference tables); on a row whose `key` exists
    already, add the `add` columns to it or replace the `replace` ones (INSERT … ON CONFLICT, on PostgreSQL and
    SQLite alike).

    Written as SQLAlchemy's multi-row INSERT, the statement was compiled afresh at each call (its rows are part
    of it): ~1 ms of CPU for a council's twenty tallies, a third of recording its vote (measured 2026-12-06)."""
    into = table(model)
    changes = [f"{c} = {into.name}.{c} + excluded.{c}" for c in add or []]
    changes += [f"{c} = excluded.{c}" for c in replace or []]
    _write_json_rows(session, into, rows, f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(changes)}")


def _write_json_rows(session: OrmSession, into: Table, rows: list[dict[str, Any]], conflict: str) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect
    columns = tuple(rows[0])
    key = (dialect.name, into.name, columns, conflict)
    if key not in _ROWS_SQL:
        _ROWS_SQL[key] = (text(_rows_sql(dialect, into, columns) + conflict),
                          [i for i, c in enumerate(columns) if isinstance(into.c[c].type, SAEnum)])
    statement, enums = _ROWS_SQL[key]
    values = [[row[c] for c in columns] for row in rows]
    for i in enums:  # as SQLAlchemy's Enum type stores a member: by its name
        for line in values:
            if isinstance(line[i], Enum):
                line[i] = line[i].name
    flushed_connection(session).execute(statement, {"rows": json.dumps(values, ensure_ascii=False)})


def _rows_sql(dialect: Dialect, into: Table, columns: tuple[str, ...]) -> str:
    """Each row is a JSON array of the values in `columns`' order; rows are inserted in the list's order (the
    ids follow it, as a decision's annex needs). `WHERE true`: SQLite would read an ON CONFLICT after the
    SELECT as its join's condition."""
    names = ", ".join(columns)
    if dialect.name == "postgresql":
        picked = ", ".join(f"CAST(r ->> {i} AS {into.c[c].type.compile(dialect)})" for i, c in enumerate(columns))
        return (f"INSERT INTO {into.name} ({names}) SELECT {picked} "
                "FROM json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS e(r, n) WHERE true ORDER BY n")
    picked = ", ".join(f"json_extract(value, '$[{i}]')" for i in range(len(columns)))
    return f"INSERT INTO {into.name} ({names}) SELECT {picked} FROM json_each(:rows) WHERE true ORDER BY key"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take SQLite's write lock when a transaction begins, so two writers queue instead of one failing.

    SQLite has no row locks: a transaction that read under an older snapshot cannot later write. Beginning
    IMMEDIATE makes the second of two concurrent transitions wait, then read the first one's result.
    """
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine(url: str | None = None) -> Engine:
    """One engine per URL per process."""
    if url is None:
        from config.settings import get_settings

        url = get_settings().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def remembered(session: Session, key: tuple[Any, ...], load: Callable[[], T]) -> T:
    """`load()` once per session: for rows a batch of transitions reads for every dossier and that do not change
    within it (an office, a stage deadline, a recipient)."""
    if key not in session.info:
        session.info[key] = load()
    return cast(T, session.info[key])


def forget_all(session: Session, *kinds: str) -> None:
    """Drop what the session remembered under keys starting with one of `kinds` (after writing such rows)."""
    for key in [k for k in session.info if isinstance(k, tuple) and k and k[0] in kinds]:
        del session.info[key]


KEPT_KINDS = "kept_kinds"  # session.info key: the classes whose loaded rows the session holds (`keep_loaded`)


def keep_loaded(session: Session, *classes: type) -> Session:
    """Hold every row of `classes` the session loads until it closes.

    The identity map only references rows weakly: an office or a phase read by one transition of a batch is
    collected when the transition returns, and `session.get` reads it again for the next dossier. Kept
    here, it is read once per batch (a rollback still expires it, so it is read afresh after one). One
    listener for every session reads the classes from the session (`event.listen` on each new session cost
    ~40 µs, ~1.5 % of an approval by link, measured 2026-12-06).
    """
    session.info[KEPT_KINDS] = frozenset(classes)  # an exact type test: these tables have no subclasses
    return session


def _keep_if_kept_kind(session: OrmSession, instance: object) -> None:
    kinds = session.info.get(KEPT_KINDS)
    if kinds and type(instance) in kinds:
        keep(session, instance)


event.listen(OrmSession, "loaded_as_persistent", _keep_if_kept_kind)


def keep(session: OrmSession, instance: object) -> None:
    """Hold a strong reference to `instance` until the session closes."""
    session.info.setdefault("kept", []).append(instance)


def new_session(url: str | None = None) -> Session:
    """A session that keeps the reference rows it loads (models.REFERENCE) until it closes, and reads them by key
    from the process's reference cache (models.cache.ReferenceSession)."""
    from models import REFERENCE
    from models.cache import ReferenceSession

    return keep_loaded(ReferenceSession(get_engine(url), expire_on_commit=False), *REFERENCE)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    session = new_session(url)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def migrate(url: str | None = None) -> None:
    """Bring the schema to the newest Alembic revision."""
    engine = get_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
