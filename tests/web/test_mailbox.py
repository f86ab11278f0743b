"""The dev mailbox shows each email's moment as every page does: local time, dd/mm/yyyy — not the header's
English UTC."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config.settings import get_settings
from web.app import create_app


def test_the_mailbox_dates_an_email_in_local_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TDKT_MAILBOX_DIR", str(tmp_path))
    get_settings.cache_clear()
    (tmp_path / "1.eml").write_bytes("To: a@b.test\nSubject: Nhắc hạn\nDate: Mon, 07 Dec 2026 01:30:00 +0000\n"
                                     "Content-Type: text/plain; charset=utf-8\n\nNội dung\n".encode())
    page = TestClient(create_app()).get("/mailbox")
    get_settings.cache_clear()
    assert page.status_code == 200 and "08:30 07/12/2026" in page.text and "Mon, 07 Dec" not in page.text
