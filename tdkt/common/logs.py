"""One logging set-up for the pages, the scheduler, the command line and the flows run in their processes.

Production writes JSON lines (one object per record: time, level, logger, message, and the ids it carries —
request, person, dossier — with the action, its outcome and its duration); embedded mode writes readable lines.
Records carry ids only: never a name, an email address or a link's token. Prefect's own loggers keep theirs.
"""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import IO

from pythonjsonlogger.json import JsonFormatter

FIELDS = ("request_id", "person_id", "dossier_id", "action", "outcome", "status", "method", "route", "duration_ms")
# loggers that write a request's raw URL (an action link's token is a credential): tdkt's access log replaces
# uvicorn's, and httpx's (webhooks, test clients) says nothing tdkt needs
# alembic says each migration's docstring, APScheduler each run of each job
QUIETED = ("uvicorn.access", "httpx", "httpx2", "httpcore", "alembic", "apscheduler")
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)  # the web request being served


class _RequestId(logging.Filter):
    """Every record made while a request is served carries its id (the pages' access line, a link's action)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None and (current := request_id.get()) is not None:
            record.request_id = current
        return True


class _Readable(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        extras = " ".join(f"{key}={value}" for key in FIELDS if (value := getattr(record, key, None)) is not None)
        return f"{super().format(record)}{' ' + extras if extras else ''}"


def configure(*, production: bool, level: str = "INFO", stream: IO[str] | None = None) -> None:
    """Send the root logger's records (tdkt's, APScheduler's, the servers') to `stream` (stderr), as JSON lines in
    production; replaces what an earlier call set."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_RequestId())
    handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                       rename_fields={"asctime": "time", "levelname": "level", "name": "logger"})
                         if production else _Readable())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for raw in QUIETED:
        logging.getLogger(raw).setLevel(logging.WARNING)
