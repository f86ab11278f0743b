"""A web worker serves its pages and actions on TDKT_WEB_THREADS threads (Starlette's default is 40)."""

from __future__ import annotations

import anyio
import pytest
from anyio import to_thread

from config.settings import get_settings
from web.app import create_app


async def _threads_while_serving() -> float:
    app = create_app()
    async with app.router.lifespan_context(app):  # what uvicorn runs before a worker's first request
        return to_thread.current_default_thread_limiter().total_tokens


@pytest.mark.parametrize("threads", [None, "3"])
def test_the_worker_uses_the_configured_number_of_threads(threads: str | None,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    if threads is None:
        monkeypatch.delenv("TDKT_WEB_THREADS", raising=False)
    else:
        monkeypatch.setenv("TDKT_WEB_THREADS", threads)
    get_settings.cache_clear()
    try:
        assert anyio.run(_threads_while_serving) == (int(threads) if threads else 2)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
