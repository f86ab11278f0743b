"""Hand the delivery of a web action's emails to a Prefect flow run, without waiting for it.

A page records its transition and answers; what the transition produced (its outbox rows) is delivered by a
run of the delivery flow, which Prefect's run history shows. With TDKT_FLOW_MODE=deployments the run is
created on the Prefect server for a worker to take; on the embedded default it runs on one background thread
of the web process. Either way the thread takes every id handed over meanwhile, so a burst of approvals makes a
few runs, not one each. Rows a run could not send stay pending for the scheduler's sweep, as before.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from config.settings import get_settings
from flows.delivery import delivery_flow
from flows.runtime import DEPLOYMENT, run_batch

log = logging.getLogger("tdkt.flows.handoff")


class Deliveries:
    """Outbox ids waiting for a delivery run, and the one thread that starts the runs."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: set[int] = set()
        self._queued: Future[None] | None = None
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tdkt-handoff")

    def hand_over(self, outbox_ids: list[int]) -> Future[None] | None:
        """Queue these rows for a delivery run (the next one not yet started takes them); returns that run's
        future, for a caller that wants to wait (a test, a command at exit)."""
        if not outbox_ids or not get_settings().deliver_after_action:
            return None
        with self._lock:
            self._waiting.update(outbox_ids)
            if self._queued is None:  # under the caller's settings (Prefect keeps its own in a context variable)
                self._queued = self._runner.submit(contextvars.copy_context().run, self._run)
            return self._queued

    def wait(self, timeout: float | None = None) -> None:
        """Until every run handed over so far has ended (the thread takes them in order)."""
        self._runner.submit(lambda: None).result(timeout)

    def _run(self) -> None:
        with self._lock:
            ids, self._waiting, self._queued = sorted(self._waiting), set(), None
        try:
            if get_settings().flow_mode == "deployments":
                from prefect.deployments import run_deployment

                run_deployment(f"{delivery_flow.name}/{DEPLOYMENT}", parameters={"ids": ids}, timeout=0)
            else:
                run_batch(delivery_flow, ids)
        except Exception:  # the rows stay pending: the scheduler's sweep sends them
            log.exception("delivery run not started", extra={"outbox_ids": len(ids)})


deliveries = Deliveries()
