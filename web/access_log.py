"""The pages' access log: one record per request — its id (echoed as X-Request-ID), method, route template (a
link's token never: `/l/{token}`), status, duration, and the person signed in — as ASGI middleware."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tdkt.common.logs import request_id

log = logging.getLogger("tdkt.web.access")


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        rid = given if given.isascii() and given.replace("-", "").isalnum() and len(given) <= 64 else uuid.uuid4().hex
        token = request_id.set(rid)

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            request_id.reset(token)
            state: dict[str, Any] = scope.get("state", {})
            route = getattr(scope.get("route"), "path", "?")
            log.info("%s %s %s", scope["method"], route, status, extra={
                "request_id": rid, "method": scope["method"], "route": route, "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1), "person_id": state.get("person_id"),
                "outcome": state.get("outcome")})
