"""No traceback and no bare 500 in front of a user: a number beyond the database's range in the address is no
such page, and a database that cannot be reached is a Vietnamese page saying so (503)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlmodel import Session

from models.db import dispose_engines, get_engine, migrate
from tdkt.cli.live import sign_in_url
from tests.conftest import PG_ADMIN
from tests.web.test_links import _at_phong, _link
from web.app import create_app

HUGE = "99999999999999999999"




def test_a_number_beyond_the_databases_range_is_no_such_page(session: Session, client: TestClient) -> None:
    district, dossier_id, _ = _at_phong(session)
    token = _link(session, district, dossier_id)
    page = client.get(f"/l/{token}/papers/{HUGE}")
    assert page.status_code == 404 and "Không tìm thấy" in page.text and "Traceback" not in page.text
    session.rollback()
    client.get("/" + sign_in_url(district.people["phong_reviewer"]).split("/", 3)[3])  # may open the dashboard
    dashboard = client.get(f"/dashboard/{HUGE}")
    assert dashboard.status_code == 404 and "Không" in dashboard.text




def test_a_database_that_cannot_be_reached_is_a_page_not_a_traceback(unreachable: None) -> None:
    client = TestClient(create_app())
    for path in ("/ket-qua", "/ket-qua.csv", "/l/abc.def"):
        page = client.get(path)
        assert page.status_code == 503, path
        assert "Chưa kết nối được cơ sở dữ liệu" in page.text and "Internal Server Error" not in page.text


@pytest.mark.parametrize("args", [("status",), ("history", "--dossier", "1"),
                                  ("submit", "--dossier", "1", "--as", "a@b.c")])
def test_a_database_that_cannot_be_reached_is_one_line_on_the_command_line(unreachable: None,
                                                                           args: tuple[str, ...]) -> None:
    """The CLI says so in Vietnamese and exits 1; the flow-running commands check before Prefect starts the flow
    (whose tasks would each log a traceback); the log line keeps the detail."""
    done = subprocess.run([sys.executable, "-m", "tdkt.cli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "200"})
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "Chưa kết nối được cơ sở dữ liệu" in output and "Traceback" not in output


@pytest.fixture(params=["sqlite", "postgresql"])
def older_schema(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own as the tdkt before the plan's signing day (migration 0027) left it, with data."""
    if request.param == "sqlite":
        url, admin = f"sqlite:///{tmp_path / 'cu.db'}", None
    else:
        name = f"tdkt_old_{uuid.uuid4().hex[:10]}"
        admin = psycopg.connect(PG_ADMIN, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    migrate(url, revision="0027")
    with get_engine(url).begin() as connection:
        connection.execute(text("INSERT INTO unit (code, name, kind) VALUES ('ubnd', 'UBND huyện Cũ', 'ubnd_huyen')"))
    dispose_engines()
    yield url
    dispose_engines()
    if admin is not None:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        admin.close()


def test_a_database_an_older_tdkt_left_asks_for_tdkt_init_then_works(older_schema: str, tmp_path: Path) -> None:
    """After an upgrade, a command on the old schema says to run `tdkt init` (never 'cannot connect', never a
    traceback); `tdkt init` migrates it, keeping its data, and the command then runs."""
    env = {**os.environ, "COLUMNS": "200", "TDKT_DATABASE_URL": older_schema}

    def tdkt(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tdkt.cli", *args], capture_output=True, text=True,
                              timeout=120, env=env)

    for args in (("status",), ("report", "--out", str(tmp_path / "thong-ke.xlsx"))):
        done = tdkt(*args)
        output = done.stdout + done.stderr
        assert done.returncode == 1, output
        assert "phiên bản tdkt trước" in output and "tdkt init" in output and "Traceback" not in output
        assert "Chưa kết nối được" not in output and not (tmp_path / "thong-ke.xlsx").exists()
    assert tdkt("init").returncode == 0
    done = tdkt("status")  # the schema now this version's: the command answers for itself (no campaign yet)
    output = done.stdout + done.stderr
    assert "phiên bản tdkt trước" not in output and "Traceback" not in output and "phong trào" in output, output
    engine = get_engine(older_schema)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM unit")).scalar_one() == "UBND huyện Cũ"
    dispose_engines()
