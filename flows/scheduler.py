"""The scheduler process: APScheduler 3 runs the recurring sweep and the deliveries; a database lease keeps it to
one process.

Design: a job per reminder is fragile (a missed job is dropped by the default misfire
grace of 1 s, re-adding duplicates jobs, two schedulers on one job store both fire). So APScheduler holds a
single sweep job with a fixed id in a SQLAlchemyJobStore on tdkt's own database, `coalesce=True` and
`misfire_grace_time=None`: after downtime it runs once, at start. The sweep reads the deadlines as they are
now (changed dates need no rebuild) and claims each notice in NotificationLog, so nothing is sent twice even
if two schedulers ever ran. Only the holder of the `scheduler` lease runs APScheduler at all.

Deliveries: a page records its transition with its outbox rows and answers; every TDKT_DELIVERY_SECONDS the
delivery job looks for a due row and, when there is one, runs the delivery flow (a run in Prefect's history, on
a worker with TDKT_FLOW_MODE=deployments). No web worker runs a flow, so the pages keep their pace.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import DBAPIError

from config.settings import get_settings
from models.db import get_engine, session_scope, utcnow
from models.lease import acquire, release
from models.outbox import due
from tdkt.services.health import SCHEDULER_LEASE

log = logging.getLogger("tdkt.scheduler")
LEASE = SCHEDULER_LEASE
SWEEP_JOB = "tdkt-sweep"
DELIVERY_JOB = "tdkt-deliver"
BACKUP_JOB = "tdkt-backup"
ANCHOR_JOB = "tdkt-anchor"


@dataclass(frozen=True)
class Clock:
    """Real time, or a fast clock for demonstrations: `factor` simulated seconds per real second."""

    real_start: float
    simulated_start: float
    factor: float = 1.0

    @classmethod
    def real(cls) -> Clock:
        now = datetime.now(UTC).timestamp()
        return cls(now, now, 1.0)

    def now(self) -> datetime:
        elapsed = datetime.now(UTC).timestamp() - self.real_start
        return datetime.fromtimestamp(self.simulated_start + elapsed * self.factor, UTC)


def sweep_job(real_start: float, simulated_start: float, factor: float) -> dict[str, Any]:
    """The job APScheduler stores (by reference, so a rename is a migration): run one sweep flow."""
    from flows.reminders import reminder_flow
    from flows.runtime import run

    return run(reminder_flow, Clock(real_start, simulated_start, factor).now())


def delivery_job() -> int:
    """Run the delivery flow when an email is due (a page's action wrote it, say); the number sent."""
    from flows.delivery import delivery_flow
    from flows.runtime import run

    with session_scope() as session:
        if not due(session, now=utcnow()):
            return 0
    return int(run(delivery_flow).get("sent", 0))


def anchor_job() -> int:
    """The job APScheduler stores for the hourly anchor of the audit chain: run the anchor flow."""
    from flows.anchor import anchor_flow
    from flows.runtime import run

    return int(run(anchor_flow)["seq"])


def backup_job() -> str:
    """The job APScheduler stores for the daily backup (TDKT_BACKUP_DIR set): run the backup flow."""
    from flows.backup import backup_flow
    from flows.runtime import run

    return str(run(backup_flow)["archive"])


class JobStore(SQLAlchemyJobStore):  # type: ignore[misc]  # APScheduler 3 ships no types
    """APScheduler 3 catches a job store's errors when it reads the due jobs, not when it asks for the next run
    time: the database gone a moment ended its thread. It asks again in 10 s instead (the lease decides meanwhile
    whether this process still sweeps)."""

    def get_next_run_time(self) -> datetime | None:
        try:
            found: datetime | None = super().get_next_run_time()
            return found
        except DBAPIError as error:
            log.warning("job store unavailable, asking again in 10 s: %s", error.orig)
            return datetime.now(UTC) + timedelta(seconds=10)


class SchedulerProcess:
    """Holds the lease while alive; runs APScheduler only while it holds it."""

    def __init__(self, *, clock: Clock, interval: float = 300.0, lease_ttl: float = 60.0) -> None:
        self.clock = clock
        self.interval = interval
        self.lease_ttl = timedelta(seconds=lease_ttl)
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.scheduler: BackgroundScheduler | None = None

    @property
    def active(self) -> bool:
        return self.scheduler is not None

    def tick(self) -> bool:
        """Take or renew the lease; start or stop APScheduler accordingly. Call every lease_ttl / 3."""
        with session_scope() as session:
            held = acquire(session, name=LEASE, holder=self.holder, now=datetime.now(UTC), ttl=self.lease_ttl)
        if held and self.scheduler is None:
            self._start()
        elif not held and self.scheduler is not None:
            self._stop_scheduler()
        return held

    def _start(self) -> None:
        # A sweep longer than the interval makes APScheduler skip a run and warn; coalescing is the intent.
        logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
        settings = get_settings()
        scheduler = BackgroundScheduler(  # the frequent delivery job in memory: it need not survive a restart
            jobstores={"default": JobStore(engine=get_engine(), tablename="apscheduler_jobs"),
                       "memory": MemoryJobStore()},
            timezone=settings.tz,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        scheduler.start()
        scheduler.add_job(
            sweep_job, "interval", seconds=self.interval, id=SWEEP_JOB, replace_existing=True,
            kwargs={"real_start": self.clock.real_start, "simulated_start": self.clock.simulated_start,
                    "factor": self.clock.factor},
            next_run_time=datetime.now(settings.tz),
        )
        if settings.delivery_seconds > 0:
            scheduler.add_job(delivery_job, "interval", seconds=settings.delivery_seconds, id=DELIVERY_JOB,
                              jobstore="memory")
        scheduler.add_job(anchor_job, "cron", minute=0, id=ANCHOR_JOB, replace_existing=True)
        if settings.backup_dir is not None:
            scheduler.add_job(backup_job, "cron", hour=settings.backup_hour, id=BACKUP_JOB, replace_existing=True)
        elif scheduler.get_job(BACKUP_JOB) is not None:
            scheduler.remove_job(BACKUP_JOB)
        self.scheduler = scheduler

    def _stop_scheduler(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=True)
            self.scheduler = None

    def stop(self) -> None:
        """Stop APScheduler (waiting for a running sweep) and hand the lease back."""
        self._stop_scheduler()
        with session_scope() as session:
            release(session, name=LEASE, holder=self.holder)

    def run(self, stop: threading.Event, on_change: Callable[[bool], None] = lambda active: None) -> None:
        """Tick until `stop` is set (then stop and release); `on_change(active)` when the lease is won or lost.

        A database that does not answer does not end the process: APScheduler stops (the lease cannot be
        renewed, so another scheduler may take over when it expires), and the lease is asked for again with a
        growing pause (1 s, 2 s, … 60 s) until the database is back."""
        pause = 1.0
        try:
            while not stop.is_set():
                was_active = self.active
                try:
                    self.tick()
                except DBAPIError as error:
                    log.warning("database unavailable, retrying in %.0f s: %s", pause, error.orig)
                    self._stop_scheduler()
                    if was_active:
                        on_change(False)
                    stop.wait(pause)
                    pause = min(pause * 2, 60.0)
                    continue
                pause = 1.0
                if self.active != was_active:
                    on_change(self.active)
                stop.wait(min(20.0, self.interval))
        finally:
            self._stop_scheduler()
            try:
                with session_scope() as session:
                    release(session, name=LEASE, holder=self.holder)
            except DBAPIError as error:  # down at the end too: the lease expires by itself
                log.warning("could not hand the lease back: %s", error.orig)
