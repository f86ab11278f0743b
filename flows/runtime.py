"""Run flows in this process (embedded default), or on Prefect workers through deployments.

TDKT_FLOW_MODE=local runs a flow in the calling process (against the embedded Prefect server, or the one
PREFECT_API_URL names); TDKT_FLOW_MODE=deployments asks the Prefect server to run the flow's deployment
(see `tdkt deploy`) and waits for a worker to finish it. Either way the caller gets the same result.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import Flow
from prefect.context import SettingsContext, get_settings_context
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, Settings

from config.settings import get_settings
from models.db import reachable
from tdkt.common.errors import Refused, Violation

DEPLOYMENT = "tdkt"


_quiet: list[tuple[Settings, Settings]] = []  # (the current settings, the same without heartbeats), last used


@contextmanager
def flow_runtime() -> Iterator[None]:
    """No heartbeat thread: joining it costs about a second at the end of each of tdkt's short flow runs.

    The settings without heartbeats are derived once per settings object, as `temporary_settings` would
    validate the whole settings tree again at every run."""
    context = get_settings_context()
    if not _quiet or _quiet[0][0] is not context.settings:
        _quiet[:] = [(context.settings,
                      context.settings.copy_with_update(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))]
    with SettingsContext(profile=context.profile, settings=_quiet[0][1]):
        yield


def run_batch(flow: Flow[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run a flow and return its report, refusals included (one per dossier that was refused). A database that
    is down is reported once, before the flow starts, not in Prefect's traceback of each of its tasks."""
    reachable()
    settings = get_settings()
    if settings.flow_mode == "deployments":
        return _on_worker(flow, inspect.signature(flow.fn).bind(*args, **kwargs).arguments, settings.flow_timeout)
    with flow_runtime():
        report: dict[str, Any] = flow(*args, **kwargs)
    return report


def run(flow: Flow[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run a flow; the first refusal it reports is raised again as Refused for the caller."""
    result = run_batch(flow, *args, **kwargs)
    if result.get("refused"):
        first = result["refused"][0]
        raise Refused(first["code"], first["message"], [Violation(**v) for v in first["violations"]])
    return result


def _on_worker(flow: Flow[..., dict[str, Any]], parameters: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run the flow's deployment on a worker and wait; its result comes back through Prefect's result storage."""
    from prefect.deployments import run_deployment

    flow_run = run_deployment(f"{flow.name}/{DEPLOYMENT}", parameters=parameters, timeout=timeout)
    state = flow_run.state  # type: ignore[union-attr]
    if state is None or not state.is_completed():
        name = state.name if state else "không rõ"
        raise Refused("flow_run_failed", f"Luồng {flow.name} trên Prefect worker chưa hoàn tất (trạng thái: {name}).")
    result: dict[str, Any] = state.result()
    return result
