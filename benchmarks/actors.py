"""The benchmark's actors in processes of their own (`python -m benchmarks.season --processes N`).

Schools, block leaders and reviewers act from machines of their own, and production runs the flows on several
Prefect workers at once: one Python process running every flow run of a stage is held to one core by its
interpreter lock (threads did not help: README, Benchmark), while the machine's other core sat about half idle
(vmstat). Each actor process runs flows as a `tdkt` command does in its own process (TDKT_FLOW_MODE=local),
against the benchmark's Prefect server (PREFECT_API_URL) and database (the TDKT_* settings), both inherited
from the benchmark process's environment.

Every call returns its report with the actor's peak resident memory so far, for the benchmark's table.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from typing import Any

from config import prefect_env

prefect_env.apply()  # before Prefect is first imported

from flows.aggregation import aggregation_flow  # noqa: E402
from flows.review import review_flow  # noqa: E402
from flows.runtime import run, run_batch  # noqa: E402
from flows.submission import submission_flow  # noqa: E402
from models.db import session_scope  # noqa: E402
from tdkt import services  # noqa: E402

FLOWS = {f.name: f for f in (submission_flow, aggregation_flow, review_flow)}
Tallies = dict[int, tuple[int, int]]  # nomination -> (votes for, votes against)


def flow(name: str, args: tuple[Any, ...], batch: bool) -> tuple[dict[str, Any], int]:
    """Run the flow named `name` (its report, refusals included when `batch`; else the first refusal raised)."""
    report = (run_batch if batch else run)(FLOWS[name], *args)
    return report, peak_rss()


def votes(councils: list[tuple[int, Tallies]], held_on: date) -> tuple[dict[str, Any], int]:
    """The school councils' votes (15 members, 13 present), one transaction per school as its page saves it."""
    for dossier_id, tallies in councils:
        with session_scope() as session:
            services.record_vote(session, dossier_id=dossier_id, held_on=held_on, members_total=15,
                                 members_present=13, tallies=tallies)
    return {}, peak_rss()


def ready(pause: float) -> int:
    """Nothing, after `pause` seconds: started once per process before the timing, so that each has started
    and imported all of the above (the pause keeps one process from taking every call)."""
    time.sleep(pause)
    return peak_rss()


def peak_rss() -> int:
    """This process's peak resident memory so far, in bytes."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Actors:
    """`processes` actor processes, or with 1 the calling process itself; keeps the peak memory they report.

    Enter it once the benchmark's Prefect server runs (the embedded one is started by the first flow run):
    the actors are pointed at it rather than starting one each."""

    def __init__(self, processes: int) -> None:
        self.processes, self.peak = processes, 0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Actors:
        if self.processes > 1:
            if not os.environ.get("PREFECT_API_URL"):
                from prefect.server.api.server import SubprocessASGIServer

                os.environ["PREFECT_API_URL"] = SubprocessASGIServer().api_url  # inherited by the actors
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"))
            self.peak = max(self._pool.map(ready, [1.0] * self.processes))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def map(self, work: Callable[..., tuple[dict[str, Any], int]], *arguments: list[Any]) -> list[dict[str, Any]]:
        """`work` over the arguments (one call per item, each to the next free actor), the reports in order."""
        if self._pool is None:
            return [work(*call)[0] for call in zip(*arguments, strict=True)]
        done = list(self._pool.map(work, *arguments))
        self.peak = max([self.peak, *(peak for _, peak in done)])
        return [report for report, _ in done]
