"""When a task may be retried: passing faults (database or network), never a refusal."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError


def is_transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry on a lost or locked database or a network error; a Refused is an answer, not a fault."""
    error = state.data
    return isinstance(error, OperationalError | ConnectionError | TimeoutError)
