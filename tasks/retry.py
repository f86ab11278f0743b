"""The one retry layer: Prefect retries a task on a passing fault (database or network), never on a refusal."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError


def is_transient(_task: Any, _task_run: Any, state: Any) -> bool:
    """Retry on a lost or locked database or a network error; a Refused is an answer, not a fault."""
    error = state.data
    return isinstance(error, OperationalError | ConnectionError | TimeoutError)


# every task's retries, declared once: `@task(name=..., **RETRIED)`
RETRIED: dict[str, Any] = {"retries": 3, "retry_delay_seconds": [1, 4, 16], "retry_condition_fn": is_transient}
