"""Database engine, sessions and migrations: SQLite embedded, PostgreSQL in production."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_engines: dict[str, Engine] = {}


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


def upsert(session: Session, model: type, rows: list[dict[str, Any]], *, key: list[str],
           add: list[str] | None = None, replace: list[str] | None = None) -> None:
    """INSERT the rows; where a row's `key` exists already, add the `add` columns to it or replace the
    `replace` ones (INSERT … ON CONFLICT, the same on PostgreSQL and SQLite)."""
    if not rows:
        return
    into = model.__table__  # type: ignore[attr-defined]
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(into).values(rows)
    changes = {c: into.c[c] + statement.excluded[c] for c in add or []}
    changes |= {c: statement.excluded[c] for c in replace or []}
    session.execute(statement.on_conflict_do_update(index_elements=key, set_=changes))


def insert_new(session: Session, model: type, rows: list[dict[str, Any]], *, key: list[str]) -> None:
    """INSERT the rows whose `key` is not there yet (INSERT … ON CONFLICT DO NOTHING, on both databases), as an
    executemany that SQLAlchemy pages (one statement of a province's 20,000 rows passes PostgreSQL's 65,535
    parameters)."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model.__table__).on_conflict_do_nothing(index_elements=key), rows)  # type: ignore[attr-defined]


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


def reachable(url: str | None = None) -> None:
    """Raise OperationalError now if a database server does not answer (the embedded SQLite file always does)."""
    engine = get_engine(url)
    if engine.dialect.name != "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")


def dispose_engines() -> None:
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def new_session(url: str | None = None) -> Session:
    """A plain session; rows stay readable after commit (the pages render them once the unit of work ends)."""
    return Session(get_engine(url), expire_on_commit=False)


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


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection for migrations, in one transaction.

    On SQLite, foreign keys are off while migrations run and checked before they commit: a migration that
    rebuilds a table (SQLite's way to drop a constraint) drops the old one while other tables refer to it,
    the procedure SQLite documents for schema changes."""
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # on the driver's connection: a PRAGMA inside a transaction does nothing
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                yield connection
                if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise RuntimeError("migration left rows that refer to missing rows (PRAGMA foreign_key_check)")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def _alembic() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def schema_behind(url: str | None = None) -> bool:
    """Whether the database answers but its schema is older than this tdkt's newest migration: an upgrade whose
    `tdkt init` has not run yet (the commands that serve migrate themselves; the others do not)."""
    head = ScriptDirectory.from_config(_alembic()).get_current_head()
    try:
        with get_engine(url).connect() as connection:
            return MigrationContext.configure(connection).get_current_revision() != head
    except OperationalError:  # not reachable: not a question of its schema
        return False


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Bring the schema to the newest Alembic revision (or to `revision`: a database as an older tdkt left it)."""
    cfg = _alembic()
    with migrating(get_engine(url)) as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
