"""The webhook channel against a real HTTP server on loopback: signed, retried, never posted twice once done."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlmodel import Session, select

from benchmarks.smtp_sink import SmtpServer
from config.settings import get_settings
from models.db import utcnow
from models.outbox import Channel, OutboxMessage, OutboxStatus
from notifications.outbox import deliver
from notifications.webhook import signature
from tdkt.services.links import token_for
from tests.factories import at, make_district, submit_school

SECRET = "chat-secret-0123456789"


class Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    received: list[tuple[dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).answers.pop(0) if type(self).answers else 200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Receiver]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    Receiver.answers, Receiver.received = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("TDKT_WEBHOOK_URL", f"http://127.0.0.1:{server.server_port}/hook")
    monkeypatch.setenv("TDKT_WEBHOOK_SECRET", SECRET)
    get_settings.cache_clear()
    yield Receiver
    server.shutdown()
    get_settings.cache_clear()


def _submit_one(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, _ = submit_school(session, district, school, now=at(1))
    session.commit()


def test_webhook_is_signed_and_retried(session: Session, smtp: SmtpServer, receiver: type[Receiver]) -> None:
    _submit_one(session)
    hooks = session.exec(select(OutboxMessage).where(OutboxMessage.channel == Channel.webhook)).all()
    assert [h.event for h in hooks] == ["dossier_submitted"]
    receiver.answers = [503]
    report = deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    assert (report.sent, report.retrying) == (1, 1)  # the email went; the chat tool was down
    later = utcnow() + timedelta(minutes=5)
    assert deliver(session, settings=get_settings(), issue_link=token_for, now=later).sent == 1
    session.commit()
    assert deliver(session, settings=get_settings(), issue_link=token_for, now=utcnow() + timedelta(hours=2)).sent == 0
    assert len(receiver.received) == 2
    ids = {headers["X-TDKT-Message-Id"] for headers, _ in receiver.received}
    assert ids == {f"<tdkt-outbox-{hooks[0].id}@tdkt.invalid>"}
    for headers, body in receiver.received:
        assert headers["X-TDKT-Signature"] == signature(body, SECRET)
    payload = json.loads(receiver.received[-1][1])
    assert payload["event"] == "dossier_submitted" and "đã gửi hồ sơ" in payload["subject"]
    session.expire_all()
    assert session.get(OutboxMessage, hooks[0].id).status == OutboxStatus.sent
    assert len(smtp.inbox.messages) == 1


def test_webhook_gone_is_a_permanent_failure(session: Session, smtp: SmtpServer, receiver: type[Receiver]) -> None:
    _submit_one(session)
    receiver.answers = [410]
    report = deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    assert report.failed == 1
    hook = session.exec(select(OutboxMessage).where(OutboxMessage.channel == Channel.webhook)).one()
    assert hook.status == OutboxStatus.failed and "410" in hook.last_error
