"""The scheduler for real: APScheduler on the project's database, Prefect sweeps, SMTP on loopback."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select

from benchmarks.smtp_sink import SmtpServer
from config.settings import get_settings
from flows.scheduler import Clock, SchedulerProcess
from models.outbox import NotificationLog, OutboxMessage, OutboxStatus
from tests.factories import make_district


def _clock(day: int, month: int, hour: int, factor: float = 60.0) -> Clock:
    simulated = datetime(2022, month, day, hour, tzinfo=get_settings().tz).timestamp()
    return Clock(time.time(), simulated, factor)


def _wait_for(predicate, seconds: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def _reminders(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.event == "reminder")).all()
    session.rollback()  # end the read: SQLite transactions take the write lock
    return list(rows)


def test_two_schedulers_one_active_and_a_restart_sends_nothing_twice(session: Session, smtp: SmtpServer) -> None:
    district = make_district(session, blocks=1, schools_per_block=3)
    heads = sorted(h.email for h in district.heads.values())
    session.rollback()
    first, second = (SchedulerProcess(clock=_clock(25, 10, 9), interval=1.0, lease_ttl=2.0) for _ in range(2))
    assert first.tick() and first.active
    assert not second.tick() and not second.active
    _wait_for(lambda: len(smtp.inbox.messages) >= 3)
    time.sleep(2.5)  # several more sweeps of the same simulated morning
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.inbox.messages) == heads

    # The active one dies without handing the lease back; the other takes over once the lease expires.
    assert first.tick()
    first._stop_scheduler()
    assert not second.tick()
    time.sleep(2.2)
    assert second.tick() and second.active
    time.sleep(2.5)
    second.stop()
    assert len(smtp.inbox.messages) == 3

    # Restarted after the 3-working-day mark (31/10 08:00): the missed reminder goes out at once, once.
    third = SchedulerProcess(clock=_clock(31, 10, 10), interval=1.0)
    assert third.tick()
    _wait_for(lambda: len(smtp.inbox.messages) >= 6)
    time.sleep(2.5)
    third.stop()
    rows = _reminders(session)
    assert sorted(r.context["days_left"] for r in rows) == [3, 3, 3, 7, 7, 7]
    assert all(r.status == OutboxStatus.sent for r in rows)
    assert len(smtp.inbox.messages) == 6 and len(set(smtp.inbox.message_ids())) == 6
    keys = session.exec(select(NotificationLog.key)).all()
    assert len(keys) == 6
    session.rollback()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # where the report came from
def test_two_sweeps_at_once_print_no_traceback(session: Session, tmp_path: Path) -> None:
    """Two `tdkt sweep` started together (cron overlapping a manual run): each says what it did, neither prints a
    traceback (Prefect's CancelledError while its embedded server stopped). A first sweep runs alone, as on any
    machine that has run one: on a fresh PREFECT_HOME two embedded servers would both set up its new database
    (Prefect's migrations, its block types: "duplicate column name", "Failed to register block schema")."""
    import os
    import subprocess
    import sys

    make_district(session, blocks=1, schools_per_block=2)
    session.commit()
    env = {**os.environ, "COLUMNS": "200", "PREFECT_HOME": str(tmp_path / "prefect")}
    first = subprocess.run([sys.executable, "-m", "tdkt.cli", "sweep"], env=env, capture_output=True, text=True,
                           timeout=180)
    assert first.returncode == 0, first.stdout + first.stderr
    sweeps = [subprocess.Popen([sys.executable, "-m", "tdkt.cli", "sweep"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [sweep.communicate(timeout=180)[0] for sweep in sweeps]
    for sweep, output in zip(sweeps, outputs, strict=True):
        assert sweep.returncode == 0, output
        assert "Nhắc hạn" in output and "Traceback" not in output and "CancelledError" not in output, output
