"""Settings that would let anyone sign links are refused, and a refusal names the variable, never its value:
the public demo key outside the embedded SQLite (on PostgreSQL even in embedded mode), short or repetitive
secrets; the command line says so in one line, without a traceback and without the SMTP password."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from pydantic import ValidationError

from config.settings import DEMO_SECRET, Settings

PG = "postgresql+psycopg://tdkt@127.0.0.1:5432/tdkt"


@pytest.mark.parametrize(("environment", "database", "key", "wanted"), [
    ("production", "sqlite:///x.db", "", "phải được đặt"),
    ("embedded", PG, "", "phải được đặt khi chạy ngoài chế độ demo (embedded) hoặc với cơ sở dữ liệu không phải"),
    ("production", PG, DEMO_SECRET, "là khóa demo"),
    ("production", PG, "a" * 40, "lặp ký tự"),
    ("embedded", PG, "Ab1-" * 8, "lặp ký tự"),  # 32 characters, 4 distinct
    ("production", PG, secrets.token_urlsafe(12), "quá ngắn"),
])
def test_a_key_anyone_could_guess_is_refused(monkeypatch: pytest.MonkeyPatch, environment: str, database: str,
                                            key: str, wanted: str) -> None:
    monkeypatch.setenv("TDKT_SMTP_PASSWORD", "mat-khau-smtp-bi-mat")
    with pytest.raises(ValidationError) as refused:
        Settings(environment=environment, database_url=database, secret_key=key)
    assert wanted in str(refused.value)
    assert "mat-khau-smtp-bi-mat" not in str(refused.value) and "input_value" not in str(refused.value)


def test_the_embedded_sqlite_demo_keeps_its_labelled_key_and_a_random_key_passes() -> None:
    assert Settings(environment="embedded", database_url="sqlite:///x.db", secret_key="").secret_key == DEMO_SECRET
    strong = secrets.token_urlsafe(48)
    assert Settings(environment="production", database_url=PG, secret_key=strong).secret_key == strong


def test_the_command_line_names_the_variable_and_echoes_nothing() -> None:
    env = {**os.environ, "TDKT_ENVIRONMENT": "production", "TDKT_SECRET_KEY": "",
           "TDKT_SMTP_PASSWORD": "mat-khau-smtp-bi-mat", "COLUMNS": "200"}
    done = subprocess.run([sys.executable, "-m", "tdkt.cli", "status"], env=env, capture_output=True, text=True,
                          timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Cấu hình không hợp lệ" in output and "TDKT_SECRET_KEY phải được đặt" in output
    assert "Traceback" not in output and "mat-khau-smtp-bi-mat" not in output
