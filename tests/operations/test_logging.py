"""One logging set-up: JSON lines in production with the request's id, the person's and the dossier's, the action,
its outcome and its duration; readable lines in embedded mode; ids only — no name, email or link token."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from config.route import default_route
from models.dossier import Dossier
from tdkt.common import logs
from tdkt.common.timefmt import local_today
from tdkt.services import links
from tests.factories import make_district, submit_school
from tests.web.test_links import _csrf
from web.app import create_app


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield io.StringIO()
    root.handlers = handlers
    root.setLevel(level)


def test_production_writes_json_lines_with_ids_only(session: Session, captured: io.StringIO) -> None:
    today = local_today()
    district = make_district(session, blocks=1, schools_per_block=1, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})
    dossier_id, _ = submit_school(session, district, district.schools[0])
    leader = district.leader_of(district.blocks[0])
    token = links.issue(session, person=leader, dossier=session.get(Dossier, dossier_id), route=default_route())
    session.commit()
    client = TestClient(create_app())
    logs.configure(production=True, stream=captured)  # after create_app, which configures from the settings

    page = client.get(f"/l/{token}", headers={"X-Request-ID": "req-42"})
    assert page.headers["x-request-id"] == "req-42"
    acted = client.post(f"/l/{token}", data={"csrf": _csrf(page.text), "action": "forward"})
    assert acted.status_code == 200
    records = [json.loads(line) for line in captured.getvalue().splitlines()]
    access = [r for r in records if r["logger"] == "tdkt.web.access"]
    assert [(r["method"], r["route"], r["status"]) for r in access] == [("GET", "/l/{token}", 200),
                                                                          ("POST", "/l/{token}", 200)]
    assert access[0]["request_id"] == "req-42" and access[1]["request_id"] != "req-42"
    assert all(isinstance(r["duration_ms"], float) and r["level"] == "INFO" and "time" in r for r in access)
    [action] = [r for r in records if r["logger"] == "tdkt.web.links"]
    assert (action["dossier_id"], action["person_id"], action["action"], action["outcome"]) == (
        dossier_id, leader.id, "forward", "phong_review")
    assert action["request_id"] == access[1]["request_id"]  # the action's line belongs to its request
    text = captured.getvalue()
    assert token not in text and token.split(".")[0] not in text and leader.email not in text
    assert leader.full_name not in text


def test_embedded_mode_writes_readable_lines(captured: io.StringIO) -> None:
    logs.configure(production=False, stream=captured)
    logging.getLogger("tdkt.scheduler").warning("database unavailable, retrying in %d s", 4,
                                                 extra={"outcome": "retry"})
    line = captured.getvalue().strip()
    assert " WARNING tdkt.scheduler: database unavailable, retrying in 4 s outcome=retry" in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
