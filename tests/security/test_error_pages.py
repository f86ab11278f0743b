"""No traceback and no bare 500 in front of a user: a number beyond the database's range in the address is no
such page, and a database that cannot be reached is a Vietnamese page saying so (503)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tdkt.cli.live import sign_in_url
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
