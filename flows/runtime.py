"""Run flows in this process (embedded default), or on Prefect workers through deployments.

TDKT_FLOW_MODE=local runs a flow in the calling process (against the embedded Prefect server, or the one
PREFECT_API_URL names); TDKT_FLOW_MODE=deployments asks the Prefect server to run the flow's deployment
(see `tdkt deploy`) and waits for a worker to finish it. Either way the caller gets the same result.
"""

from __future__ import annotations

import inspect
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from prefect import Flow
from prefect.context import SettingsContext, SyncClientContext, get_settings_context
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, Settings

from config.settings import get_settings
from tdkt.errors import Refused, Violation

DEPLOYMENT = "tdkt"


_quiet: list[tuple[Settings, Settings]] = []  # (the current settings, the same without heartbeats), last used


@contextmanager
def flow_runtime() -> Iterator[None]:
    """No heartbeat thread: it costs ~1 s per short flow run (measured) and our runs last well under it.

    The settings without heartbeats are derived once per settings object: Prefect's `temporary_settings`
    validates the whole settings tree again each time (~100 ms, measured), as long as a short flow run.
    """
    context = get_settings_context()
    if not _quiet or _quiet[0][0] is not context.settings:
        _quiet[:] = [(context.settings,
                      context.settings.copy_with_update(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))]
    with SettingsContext(profile=context.profile, settings=_quiet[0][1]), _client():
        yield


_tls: list[ssl.SSLContext] = []


def _client() -> SyncClientContext:
    """The API client of one flow run, on a TLS context built once: Prefect builds a new one (reading the CA
    bundle, ~35 ms, measured) for every flow run's client otherwise."""
    existing = SyncClientContext.get()
    if existing is not None:
        return existing
    if not _tls:
        import certifi

        _tls.append(ssl.create_default_context(cafile=certifi.where()))
    context = SyncClientContext(httpx_settings={"verify": _tls[0]})
    context._httpx_settings = None  # so that Prefect's own get_client() calls in the run take this client
    return context


def run_batch(flow: Flow[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run a flow and return its report, refusals included (one per dossier that was refused)."""
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
