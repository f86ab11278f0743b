"""A web action hands its emails to a delivery flow run and answers without waiting for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName, FlowRunFilter, FlowRunFilterStartTime
from prefect.client.schemas.sorting import FlowRunSort
from sqlmodel import Session, col, select

from benchmarks.smtp_sink import SmtpServer
from config.settings import get_settings
from flows.handoff import deliveries
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import message_id
from tests.web.test_links import _at_phong, _csrf, _link


@pytest.fixture
def handing_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TDKT_DELIVER_AFTER_ACTION", "true")
    get_settings.cache_clear()


def _delivery_runs(since: datetime) -> list[tuple[str, list[int] | None]]:
    """(state, outbox ids) of the delivery flow's runs started since then, from Prefect's run history."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["deliver-outbox"])),
                                     flow_run_filter=FlowRunFilter(start_time=FlowRunFilterStartTime(after_=since)),
                                     sort=FlowRunSort.START_TIME_ASC, limit=50)
    return [(r.state.type.value if r.state else "", r.parameters.get("ids")) for r in runs]


def test_an_approval_by_link_is_delivered_by_a_flow_run_it_did_not_wait_for(
        session: Session, client: TestClient, smtp: SmtpServer, handing_off: None) -> None:
    district, dossier_id, _ = _at_phong(session)
    token = _link(session, district, dossier_id)
    since = datetime.now(UTC)
    page = client.get(f"/l/{token}")
    answer = client.post(f"/l/{token}", data={"action": "approve", "csrf": _csrf(page.text)})
    assert answer.status_code == 200
    produced = session.exec(select(OutboxMessage).where(OutboxMessage.dossier_id == dossier_id,
                                                        col(OutboxMessage.created_at) >= since)).all()
    assert produced, "the approval wrote its emails"
    session.commit()  # end this read: SQLite's writers (the run's) begin only when no other transaction is open
    deliveries.wait(timeout=120)
    session.expire_all()
    assert {session.get(OutboxMessage, m.id).status for m in produced} == {OutboxStatus.sent}
    received = smtp.inbox.message_ids()
    assert sorted(received) == sorted(message_id(m.id, get_settings()) for m in produced)  # each once
    assert ("COMPLETED", sorted(m.id for m in produced)) in _delivery_runs(since)


def test_without_the_hand_off_the_emails_wait_for_the_sweep(session: Session, client: TestClient,
                                                             smtp: SmtpServer) -> None:
    district, dossier_id, _ = _at_phong(session)
    token = _link(session, district, dossier_id)
    page = client.get(f"/l/{token}")
    assert client.post(f"/l/{token}", data={"action": "approve", "csrf": _csrf(page.text)}).status_code == 200
    deliveries.wait(timeout=120)  # nothing was handed over: this returns at once
    pending = session.exec(select(OutboxMessage).where(OutboxMessage.dossier_id == dossier_id)).all()
    assert pending and {m.status for m in pending} == {OutboxStatus.pending}
    assert smtp.inbox.message_ids() == []
