"""For a monitor or a proxy: `/healthz` (the process answers) and `/readyz` (it can do its work), as JSON."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from config.settings import get_settings
from models.db import session_scope, utcnow
from tdkt.services.health import Readiness, readiness

router = APIRouter()


@router.get("/healthz")
def healthz() -> JSONResponse:
    """The process is up and answers."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz() -> JSONResponse:
    """200 when the database answers at the newest migration, a scheduler holds its lease and no email is
    stuck; 503 otherwise, each check saying what is wrong."""
    try:
        with session_scope() as session:
            found = readiness(session, now=utcnow(),
                              stuck_after=timedelta(minutes=get_settings().outbox_stuck_minutes))
    except OperationalError:
        found = Readiness()
        found.fail("database", "không kết nối được cơ sở dữ liệu")
    return JSONResponse({"ready": found.ready, "checks": found.checks}, status_code=200 if found.ready else 503)
