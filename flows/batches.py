"""Split a flow's requests into chunks, one task run per chunk, and merge what the chunks report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from prefect import Task, unmapped

from config.settings import get_settings
from tdkt.common.chunks import chunks


def merge(reports: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: [x for report in reports for x in report[key]] for key in ("results", "refused", "outbox_ids")}


def mapped(task: Task[..., dict[str, Any]], items: list[Any], now: datetime | None) -> dict[str, Any]:
    """Run `task` over chunks of TDKT_FLOW_BATCH_SIZE requests, concurrently on the flow's task runner.

    Task runs stay in the tens per flow run: a Prefect server asked to record thousands of them per minute
    drops events, and each costs overhead.
    """
    futures = task.map(chunks(items, get_settings().flow_batch_size), now=unmapped(now))
    return merge(futures.result())


def run_name(prefix: str, parameter: str) -> Callable[[], str]:
    """Name a batch's flow run after its first dossier and its size: submit-dossiers-12 (+19)."""

    def name() -> str:
        from prefect.runtime import flow_run

        items = flow_run.parameters[parameter]
        first = items[0]["dossier_id"] if isinstance(items[0], dict) else items[0].dossier_id
        return f"{prefix}-{first}" + (f" (+{len(items) - 1})" if len(items) > 1 else "")

    return name
