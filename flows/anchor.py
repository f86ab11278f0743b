"""Flow: the scheduler's hourly anchor of the audit chain, in Prefect's run history."""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.anchor import anchor_chain


@flow(name="audit-anchor")
def anchor_flow() -> dict[str, Any]:
    return {"seq": anchor_chain()}
