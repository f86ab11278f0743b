"""Fixtures: every database test runs on SQLite and on PostgreSQL, each run in its own fresh database."""

from __future__ import annotations

import os
import secrets
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

from benchmarks.smtp_sink import SmtpServer, free_port
from config import prefect_env

prefect_env.apply()
os.environ.setdefault("TDKT_SECRET_KEY", secrets.token_urlsafe(48))  # the PostgreSQL runs refuse the demo key

from config.route import default_route  # noqa: E402
from config.rules import rule_set  # noqa: E402
from config.settings import get_settings  # noqa: E402
from models.audit import GENESIS, AuditChain  # noqa: E402
from models.db import dispose_engines, get_engine, migrate  # noqa: E402
from tests.proxy import Proxy  # noqa: E402

PG_ADMIN = os.environ.get("TDKT_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def _reset_caches() -> None:
    get_settings.cache_clear()
    default_route.cache_clear()
    rule_set.cache_clear()


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A database of this run's own, dropped at the end; PostgreSQL must be up (make test starts it)."""
    name = f"tdkt_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN} (run `make postgres`): {exc}")
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    migrate(url)
    yield url
    dispose_engines()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'tdkt.db'}"
    migrate(url)
    return url


def _end_leftover_sessions(engine: Engine) -> None:
    """End any session an earlier test left open on this database (a relay cut mid-transaction, a server still
    stopping): one idle in a transaction holds its locks, and TRUNCATE would wait for it for minutes. Said on
    stderr, so that a test leaking one shows in the captured output."""
    with engine.connect() as connection:
        ended = connection.execute(text(
            "SELECT pid, state, left(query, 120), pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'"
        )).all()
        connection.commit()
    for pid, state, query, _ in ended:
        print(f"conftest: ended a leftover session {pid} ({state}): {query}", file=sys.stderr)


def _empty(url: str) -> None:
    engine = get_engine(url)
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    if engine.dialect.name == "postgresql":
        _end_leftover_sessions(engine)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
        # as a fresh migration leaves it: the audit chain's head row (models/migrations 0007)
        connection.execute(AuditChain.__table__.insert().values(id=1, last_seq=0, last_hash=GENESIS))  # type: ignore[attr-defined]


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """The database for one test, emptied first; the settings point at it."""
    url = request.getfixturevalue(f"{request.param}_url")
    _empty(url)
    monkeypatch.setenv("TDKT_DATABASE_URL", url)
    monkeypatch.setenv("TDKT_TEMPLATES_DIR", str(tmp_path / "templates"))  # an office's templates: the test's own
    _reset_caches()
    yield url
    _reset_caches()


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: PostgreSQL and the other real parts must be there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped — a skip counts as a failure", red=True)
        session.exitstatus = 1


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback, started; the settings point at it."""
    server = SmtpServer(free_port())
    server.start()
    monkeypatch.setenv("TDKT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TDKT_SMTP_PORT", str(server.port))
    get_settings.cache_clear()
    yield server
    server.stop()
    get_settings.cache_clear()


@pytest.fixture
def client(db_url: str) -> TestClient:
    """The web app in this process, on the test's database."""
    from web.app import create_app

    return TestClient(create_app())


@pytest.fixture
def unreachable(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The settings point at a database nothing answers for."""
    monkeypatch.setenv("TDKT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2")
    get_settings.cache_clear()
    yield
    dispose_engines()
    get_settings.cache_clear()


@pytest.fixture
def proxied(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Proxy]:
    """The settings point at the test's PostgreSQL through a relay the test can cut and restore."""
    url = make_url(db_url)
    proxy = Proxy(url.port or 5432)
    monkeypatch.setenv("TDKT_DATABASE_URL", url.set(port=proxy.port).render_as_string(hide_password=False)
                       + "?connect_timeout=2")
    get_settings.cache_clear()
    dispose_engines()
    yield proxy
    proxy.cut()
    dispose_engines()
    get_settings.cache_clear()
