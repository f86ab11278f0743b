"""The production set-up on loopback: a real `prefect server` on PostgreSQL, the flows deployed to a work pool,
a `prefect worker` running them, and the `tdkt` command line (TDKT_FLOW_MODE=deployments) routing a phase —
the same commands and flows that run embedded elsewhere in the suite."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlmodel import Session, select

from benchmarks.smtp_sink import SmtpServer, free_port
from config.vocabulary import DossierStatus
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus
from models.outbox import OutboxMessage, OutboxStatus
from tests.conftest import PG_ADMIN
from tests.factories import make_district, prepare_dossier

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "tdkt-test"


@pytest.fixture
def prefect_api(tmp_path: Path) -> Iterator[str]:
    """`prefect server start` on a PostgreSQL database of its own; yields the API URL."""
    name = f"prefect_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    database = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://") + f"/{name}"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_UI_ENABLED": "false",
           "PREFECT_SERVER_DATABASE_CONNECTION_URL": database}
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(api, server, tmp_path / "server.log")
        yield api
    finally:
        _stop(server)
        log.close()
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_healthy(api: str, server: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(180):
        if server.poll() is not None:
            pytest.fail(f"prefect server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{api}/health", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"prefect server did not answer:\n{log.read_text()[-3000:]}")


@pytest.fixture
def distributed(prefect_api: str, db_url: str, smtp: SmtpServer, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of every process of the set-up, the flows deployed and one worker polling the pool."""
    (tmp_path / "tmp").mkdir()  # the worker's runner_storage folders, which it leaves behind when stopped
    env = {**os.environ, "PREFECT_API_URL": prefect_api, "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true", "PREFECT_LOCAL_STORAGE_PATH": str(tmp_path / "results"),
           "PREFECT_WORKER_QUERY_SECONDS": "1", "TDKT_FLOW_MODE": "deployments", "COLUMNS": "200",
           "TMPDIR": str(tmp_path / "tmp")}
    deployed = subprocess.run([str(BIN / "tdkt"), "deploy", "--pool", POOL], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert deployed.returncode == 0, deployed.stderr[-3000:]
    assert deployed.stdout.count(f"vào work pool '{POOL}'") == 8
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--type", "process"],
                              env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield env
    finally:
        _stop(worker)
        log.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as systemd stops a service, and SIGKILL after a minute, as its TimeoutStopSec would: once, on
    a slow stretch of the machine, Prefect's worker was still shutting down after 30 s (its runs all done), and
    the test's phase, which had passed, ended in an error at teardown."""
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def _tdkt(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(BIN / "tdkt"), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"tdkt {' '.join(args)}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _flow_runs(api: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{api}/flow_runs/filter", json={"limit": 50}, timeout=10.0)
    response.raise_for_status()
    return list(response.json())


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_phase_runs_on_a_prefect_worker(session: Session, distributed: dict[str, str], prefect_api: str,
                                          smtp: SmtpServer) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, nominations = prepare_dossier(session, district, school)
    head, leader = district.heads[school.id or 0].email, district.leader_of(district.blocks[0]).email
    block = district.blocks[0].code
    session.rollback()

    assert "Tổng hợp tại khối thi đua" in _tdkt(distributed, "submit", "--dossier", str(dossier_id), "--as", head,
                                                "--at", "01/11/2022 09:00")
    assert "Phòng GD&ĐT xét duyệt" in _tdkt(distributed, "forward", "--block", block, "--as", leader,
                                            "--at", "02/11/2022 09:00")
    _tdkt(distributed, "act", "--dossier", str(dossier_id), "--as", "phong_reviewer@qh.test", "--action", "approve",
          "--at", "03/11/2022 09:00")
    _tdkt(distributed, "act", "--dossier", str(dossier_id), "--as", "noivu_officer@qh.test", "--action", "verify",
          "--at", "12/11/2022 09:00")
    assert "15/QĐ-UBND" in _tdkt(distributed, "decide", "--as", "chairman@qh.test", "--signed-on", "18/11/2022",
                                 "--number", "15/QĐ-UBND", "--at", "18/11/2022 09:00")

    # Our database says where the dossier stands; every email went out once.
    assert session.get(Dossier, dossier_id).status == DossierStatus.decided
    granted = session.exec(select(Nomination.status).where(Nomination.dossier_id == dossier_id)).all()
    assert granted and set(granted) == {NominationStatus.granted} and len(granted) == len(nominations)
    rows = session.exec(select(OutboxMessage)).all()
    assert rows and all(r.status == OutboxStatus.sent for r in rows)
    assert sorted(smtp.inbox.message_ids()) == sorted(f"<tdkt-outbox-{r.id}@tdkt.invalid>" for r in rows)
    # Prefect's history: each transition ran as a flow run of its deployment, on the worker, and completed.
    runs = [r for r in _flow_runs(prefect_api) if r["deployment_id"]]
    assert {r["name"].split("-")[0] for r in runs} >= {"submit", "aggregate", "review", "issue"}
    assert len(runs) == 5 and all(r["state_type"] == "COMPLETED" and r["work_pool_name"] == POOL for r in runs)
