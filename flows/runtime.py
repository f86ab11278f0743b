"""Run flows in this process (embedded default) or against a Prefect server (PREFECT_API_URL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

from tdkt.errors import Refused, Violation


@contextmanager
def flow_runtime() -> Iterator[None]:
    """No heartbeat thread: it costs ~1 s per short flow run (measured) and our runs last well under it."""
    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


def run(flow: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run a flow in this process; a refusal it reports is raised again as Refused for the caller."""
    with flow_runtime():
        result = flow(*args, **kwargs)
    refused = result.get("refused")
    if refused:
        raise Refused(refused["code"], refused["message"], [Violation(**v) for v in refused["violations"]])
    return result
