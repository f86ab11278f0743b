"""The web app: one router per area, the refusal pages as exception handlers.

No flow runs inside a request: an action's transition and its outbox rows are written in one transaction, and
the scheduler's delivery job sends the emails. The pages' styles (Pico CSS, vendored) are served from /static.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from config import collector
from config.route import default_route
from config.settings import get_settings
from tdkt.common import logs
from tdkt.common.errors import Refused
from web.access_log import AccessLog
from web.pages import TEMPLATES, bad_value, database_down, http_error, refused
from web.routers import admin, dashboard, dossiers, health, home, links, mailbox, results

STATIC = Path(__file__).parent / "static"


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Each worker serves its pages and actions on TDKT_WEB_THREADS threads; more requests wait their turn
    (Starlette's 40 threads all held a database connection under a burst of approvals, each switch of the GIL
    costing CPU)."""
    to_thread.current_default_thread_limiter().total_tokens = get_settings().web_threads
    yield


def create_app() -> FastAPI:
    collector.tune()
    default_route()  # a broken route stops the worker at start, and no request waits for it to be parsed
    for name in TEMPLATES.list_templates():  # compiled before the first requests, not by each of their threads
        TEMPLATES.get_template(name)
    app = FastAPI(title="tdkt", docs_url=None, redoc_url=None, openapi_url=None, lifespan=_lifespan)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, http_error)
    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(DataError, bad_value)  # PostgreSQL: a number out of its column's range
    app.add_exception_handler(OverflowError, bad_value)  # SQLite's driver: the same, before it is sent
    app.add_exception_handler(OperationalError, database_down)
    for area in (home, links, dossiers, dashboard, admin, results, mailbox, health):
        app.include_router(area.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    settings = get_settings()
    logs.configure(production=settings.environment == "production", level=settings.log_level)
    app.add_middleware(AccessLog)
    return app


app = create_app()
