"""Web fixtures: tdkt's app served on loopback by uvicorn, and a real headless Chromium."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from benchmarks.smtp_sink import free_port
from config.settings import get_settings
from tests.web.browser import Browser
from web.app import create_app


@pytest.fixture
def server(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """tdkt's web app on loopback, in the embedded mode: emails go to a dev mailbox of this test's own."""
    port = free_port()
    monkeypatch.setenv("TDKT_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("TDKT_MAILBOX_DIR", str(tmp_path / "mailbox"))
    monkeypatch.delenv("TDKT_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    chromium = Browser()
    yield chromium
    chromium.close()


