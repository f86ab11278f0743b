"""Deploy every flow to a Prefect work pool, for the production set-up (Prefect server + workers).

`tdkt deploy --pool tdkt` registers one deployment named "tdkt" per flow, pointing at this checkout's source
(each worker's machine must have the same checkout at the same path, or a shared one). A process worker
(`prefect worker start --pool tdkt`) then runs each flow run in a subprocess with the worker's environment:
the worker needs the same TDKT_* settings as the web app, and every process needs a shared result storage
(PREFECT_RESULTS_PERSIST_BY_DEFAULT=true, PREFECT_LOCAL_STORAGE_PATH on a shared disk) so that a caller in
TDKT_FLOW_MODE=deployments reads back what the run returned.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

from flows.runtime import DEPLOYMENT

if TYPE_CHECKING:
    from prefect.deployments.runner import RunnerDeployment

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINTS = [
    "flows/submission.py:submission_flow",
    "flows/aggregation.py:aggregation_flow",
    "flows/review.py:review_flow",
    "flows/decision.py:decision_flow",
    "flows/delivery.py:delivery_flow",
    "flows/reminders.py:reminder_flow",
    "flows/backup.py:backup_flow",
    "flows/anchor.py:anchor_flow",
]


def ensure_pool(name: str) -> None:
    """Create the work pool (type process) unless it exists."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))


def deploy(pool: str, source: Path = ROOT) -> dict[str, UUID]:
    """Register (or update) the deployment of each flow; returns deployment ids by flow entrypoint."""
    from prefect import Flow

    ensure_pool(pool)
    deployed = {}
    for entrypoint in ENTRYPOINTS:
        # Prefect types these as "a value or its coroutine" (they run either way); called here, outside any
        # event loop, each returns the value.
        flow = cast("Flow[..., Any]", Flow.from_source(source=str(source), entrypoint=entrypoint))
        # to_deployment + apply rather than Flow.deploy: 3.8.8's deploy asks the server for the pool's workers
        # with a null limit, which its own server answers with 422.
        deployment = cast("RunnerDeployment", flow.to_deployment(name=DEPLOYMENT))
        deployed[entrypoint] = cast(UUID, deployment.apply(work_pool_name=pool))
    return deployed
