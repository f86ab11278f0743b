"""Flow: the scheduler's daily backup, in Prefect's run history like every other side effect."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.backup import write_backup


@flow(name="backup")
def backup_flow() -> dict[str, Any]:
    return {"archive": write_backup()}
