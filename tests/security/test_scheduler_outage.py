"""The scheduler across a database outage: a proxy between it and PostgreSQL is cut, then restored. The process
does not exit; it stops sweeping while it cannot renew its lease, and takes the lease again once the database
answers."""

from __future__ import annotations

import threading
import time

import pytest

from flows.scheduler import Clock, SchedulerProcess
from tests.proxy import Proxy


def _until(predicate, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_the_scheduler_outlives_a_database_outage(db_url: str, proxied: Proxy) -> None:
    process = SchedulerProcess(clock=Clock.real(), interval=1.0, lease_ttl=3.0)
    changes: list[bool] = []
    stop = threading.Event()
    thread = threading.Thread(target=process.run, args=(stop, changes.append), daemon=True)
    thread.start()
    try:
        assert _until(lambda: process.active, 60)
        proxied.cut()
        assert _until(lambda: not process.active, 60)  # it stopped sweeping: it cannot renew the lease
        time.sleep(3)
        assert thread.is_alive()  # and did not exit
        proxied.restore()
        assert _until(lambda: process.active, 90)  # the database answers again: it takes the lease back
        assert changes[:3] == [True, False, True]
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
