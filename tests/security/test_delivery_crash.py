"""A sender killed mid-round sends again at most the email it had in flight: each email's outcome is committed as
soon as the SMTP server answers it (before, the claim and every "sent" mark committed together at the round's
end, and a restart sent the whole round again)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from benchmarks.smtp_sink import SmtpServer, free_port
from config.settings import get_settings
from models.db import utcnow
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import CLAIM_LEASE, deliver
from tdkt.services.links import token_for
from tests.factories import at, make_district, submit_school

ROOT = Path(__file__).resolve().parents[2]
SEND = ("from config.settings import get_settings\nfrom models.db import session_scope\n"
        "from notifications.outbox import deliver\nfrom tdkt.services.links import token_for\n"
        "with session_scope() as s:\n    deliver(s, settings=get_settings(), issue_link=token_for)\n")


class AcceptsThenHangs:
    """Takes the first `accept` emails, then keeps the next one waiting for its answer."""

    def __init__(self, accept: int) -> None:
        self.accept, self.waiting = accept, False
        self.taken: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if len(self.taken) >= self.accept:
            self.waiting = True
            await asyncio.sleep(3600)
        self.taken.append(message_from_bytes(envelope.content)["Message-ID"])
        return "250 OK"


def test_a_sender_killed_mid_round_sends_again_at_most_the_one_in_flight(session: Session, db_url: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    district = make_district(session, blocks=1, schools_per_block=6)
    for school in district.schools:
        submit_school(session, district, school, now=at(1))
    session.commit()
    pending = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    assert pending >= 6
    session.rollback()  # SQLite: this session's transaction would hold the write lock the sender needs

    handler = AcceptsThenHangs(accept=3)
    hanging = Controller(handler, hostname="127.0.0.1", port=free_port())
    hanging.start()
    env = {**os.environ, "TDKT_DATABASE_URL": db_url, "TDKT_SMTP_HOST": "127.0.0.1",
           "TDKT_SMTP_PORT": str(hanging.port), "TDKT_SMTP_CONNECTIONS": "1", "TDKT_SMTP_TIMEOUT": "120"}
    sender = subprocess.Popen([sys.executable, "-c", SEND], cwd=ROOT, env=env)
    try:
        started = time.monotonic()  # a generous wait: the sender starts a Python with Prefect, slow on a busy machine
        while not handler.waiting and sender.poll() is None and time.monotonic() - started < 300:
            time.sleep(0.1)
        assert handler.waiting and len(handler.taken) == 3, (sender.poll(), handler.taken)
    finally:
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
        hanging.stop()

    session.rollback()
    assert session.exec(select(func.count()).select_from(OutboxMessage)
                        .where(OutboxMessage.status == OutboxStatus.sent)).one() == 3
    again = SmtpServer(free_port())
    again.start()
    monkeypatch.setenv("TDKT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("TDKT_SMTP_PORT", str(again.port))
    get_settings.cache_clear()
    try:  # after the killed sender's lease has run out
        report = deliver(session, settings=get_settings(), issue_link=token_for,
                         now=utcnow() + CLAIM_LEASE + CLAIM_LEASE)
    finally:
        again.stop()
        get_settings.cache_clear()
    assert report.sent == pending - 3
    received = handler.taken + again.inbox.message_ids()
    assert len(received) == len(set(received)) == pending  # each email once, none lost
