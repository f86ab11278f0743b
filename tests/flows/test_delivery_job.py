"""A page's action answers at once; the scheduler's delivery job sends its emails within seconds, as a flow run."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterStartTime
from prefect.client.schemas.sorting import FlowRunSort
from sqlmodel import Session, col, select

from benchmarks.smtp_sink import SmtpServer
from config.settings import get_settings
from flows.scheduler import Clock, SchedulerProcess
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import message_id
from tests.flows.test_scheduler import _wait_for
from tests.web.test_links import _at_phong, _csrf, _link


def _delivery_runs(since: datetime) -> list[str]:
    """States of the delivery flow's runs started since then, from Prefect's run history."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["deliver-outbox"])),
                                     flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
                                     sort=FlowRunSort.START_TIME_ASC, limit=50)
    return [r.state.type.value if r.state else "" for r in runs]


def _statuses(session: Session, ids: list[int]) -> set[str]:
    session.expire_all()
    found = set(session.exec(select(OutboxMessage.status).where(col(OutboxMessage.id).in_(ids))).all())
    session.rollback()  # end the read: SQLite transactions take the write lock
    return found


@pytest.fixture
def scheduler(monkeypatch: pytest.MonkeyPatch) -> SchedulerProcess:
    monkeypatch.setenv("TDKT_DELIVERY_SECONDS", "1")
    get_settings.cache_clear()
    return SchedulerProcess(clock=Clock.real(), interval=3600.0)  # its sweep runs once, at start


def test_an_approval_by_link_is_sent_by_the_delivery_job_not_by_the_page(
        session: Session, client: TestClient, smtp: SmtpServer, scheduler: SchedulerProcess) -> None:
    district, dossier_id, _ = _at_phong(session)
    token = _link(session, district, dossier_id)
    session.rollback()
    assert scheduler.tick()
    try:
        time.sleep(2)  # the start's sweep has sent what was due before the approval
        since = datetime.now(UTC)
        page = client.get(f"/l/{token}")
        assert client.post(f"/l/{token}", data={"action": "approve", "csrf": _csrf(page.text)}).status_code == 200
        produced = list(session.exec(select(OutboxMessage.id).where(OutboxMessage.dossier_id == dossier_id,
                                                                    col(OutboxMessage.created_at) >= since)).all())
        session.rollback()
        assert produced, "the approval wrote its emails"
        _wait_for(lambda: _statuses(session, produced) == {OutboxStatus.sent}, seconds=60)
    finally:
        scheduler.stop()
    assert set(smtp.inbox.message_ids()) >= {message_id(i, get_settings()) for i in produced}
    assert "COMPLETED" in _delivery_runs(since)


def test_with_no_email_due_the_delivery_job_runs_no_flow(session: Session, scheduler: SchedulerProcess) -> None:
    _at_phong(session)
    session.rollback()
    assert scheduler.tick()
    try:
        time.sleep(2)  # the start's sweep sends what is due
        since = datetime.now(UTC)
        time.sleep(3)  # three ticks of the delivery job with nothing due
    finally:
        scheduler.stop()
    assert _delivery_runs(since) == []
