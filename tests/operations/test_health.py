"""/healthz says the process answers; /readyz says whether it can work — database, schema, scheduler, outbox —
with a non-200 status when it cannot, for a monitor or a proxy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from config.settings import get_settings
from models.db import utcnow
from models.lease import SchedulerLease
from models.outbox import enqueue
from tests.proxy import Proxy
from web.app import create_app


def _lease(session: Session, minutes: int) -> None:
    session.add(SchedulerLease(name="scheduler", holder="host:1", expires_at=utcnow() + timedelta(minutes=minutes)))
    session.commit()


def test_healthz_answers(client: TestClient) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_ready_with_a_scheduler_and_nothing_stuck(session: Session, client: TestClient) -> None:
    _lease(session, 1)
    enqueue(session, event="dossier_submitted", recipients=[("a@x.invalid", "A")], context={})  # fresh: not stuck
    session.commit()
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json() == {"ready": True, "checks": {"database": "ok", "migrations": "ok", "scheduler": "ok",
                                                       "outbox": "ok"}}


def test_not_ready_without_a_scheduler_or_with_a_stuck_email(session: Session, client: TestClient) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 503 and "tdkt scheduler" in answer.json()["checks"]["scheduler"]
    _lease(session, -5)  # its holder stopped renewing five minutes ago
    assert client.get("/readyz").json()["checks"]["scheduler"] != "ok"
    session.exec(text("DELETE FROM schedulerlease"))  # type: ignore[call-overload]
    _lease(session, 1)
    (row,) = enqueue(session, event="dossier_submitted", recipients=[("a@x.invalid", "A")], context={})
    row.created_at = utcnow() - timedelta(minutes=get_settings().outbox_stuck_minutes + 5)
    session.commit()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"]["outbox"].startswith("có thư chờ gửi đã 35 phút")


def test_not_ready_when_the_schema_is_behind(session: Session, client: TestClient) -> None:
    _lease(session, 1)
    head = session.exec(text("SELECT version_num FROM alembic_version")).one()[0]  # type: ignore[call-overload]
    session.exec(text("UPDATE alembic_version SET version_num = '0013'"))  # type: ignore[call-overload]
    session.commit()
    try:
        answer = client.get("/readyz")
        assert answer.status_code == 503 and "tdkt init" in answer.json()["checks"]["migrations"]
    finally:
        session.exec(text("UPDATE alembic_version SET version_num = :v").bindparams(v=head))  # type: ignore[call-overload]
        session.commit()




def test_not_ready_when_the_database_cannot_be_reached(unreachable: None) -> None:
    answer = TestClient(create_app()).get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"] == {"database": "không kết nối được cơ sở dữ liệu"}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_readyz_follows_a_database_cut_and_its_return(db_url: str, proxied: Proxy) -> None:
    """Through a proxy to PostgreSQL that the test cuts and restores: ready, not ready, ready again."""
    client = TestClient(create_app())
    assert client.get("/readyz").json()["checks"]["database"] == "ok"
    proxied.cut()
    answer = client.get("/readyz")
    assert answer.status_code == 503 and answer.json()["checks"] == {"database": "không kết nối được cơ sở dữ liệu"}
    proxied.restore()
    assert client.get("/readyz").json()["checks"]["database"] == "ok"
