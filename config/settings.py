"""The one settings class: every knob comes from the environment with the prefix TDKT_."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

CONFIG_DIR = Path(__file__).resolve().parent
PROJECT_DIR = CONFIG_DIR.parent
DEMO_SECRET = "tdkt-embedded-demo-secret-do-not-use-in-production"


class Settings(BaseSettings):
    """Runtime settings; see the README for each one and its default."""

    # hide_input_in_errors: a refusal names the variable, never its value (the SMTP password, the secret)
    model_config = SettingsConfigDict(env_prefix="TDKT_", env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: str = Field(default="embedded", description="embedded (demo, SQLite) or production")
    database_url: str = f"sqlite:///{PROJECT_DIR / 'var' / 'tdkt.db'}"
    route_file: Path = CONFIG_DIR / "route.yaml"
    rules_dir: Path = CONFIG_DIR / "rules"
    timezone: str = "Asia/Ho_Chi_Minh"
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    link_grace_days: int = 3
    session_hours: int = Field(default=12, ge=1, le=720, description="a sign-in in a browser lasts this long")
    upload_max_bytes: int = 5_000_000
    import_max_rows: int = Field(default=5000, ge=10, description="a spreadsheet with more rows is refused unread")
    web_threads: int = Field(default=2, ge=1, description="threads per web worker for pages and actions")

    smtp_host: str = ""
    smtp_port: int = 25
    smtp_security: str = Field(default="none", pattern="^(none|starttls|ssl)$")
    smtp_user: str = ""
    smtp_password: str = ""
    mail_from: str = "Phòng GD&ĐT <thidua@tdkt.invalid>"
    smtp_timeout: float = 10.0
    smtp_connections: int = Field(default=2, ge=1, le=16)

    mailbox_dir: Path = PROJECT_DIR / "var" / "mailbox"
    files_dir: Path = PROJECT_DIR / "var" / "files"
    templates_dir: Path = Field(default=PROJECT_DIR / "var" / "templates",
                                description="an office's own paper templates (<paper>.docx) replacing tdkt's layout")
    prefect_home: Path = Field(default=PROJECT_DIR / "var" / "prefect",
                               description="`tdkt live`'s Prefect server keeps its run history there")

    flow_mode: str = Field(default="local", pattern="^(local|deployments)$",
                           description="local: flows run in the calling process; deployments: on Prefect workers")
    flow_batch_size: int = Field(default=25, ge=1, description="dossiers per task run inside a batch flow")
    flow_timeout: float = Field(default=900.0, description="seconds to wait for a deployment's flow run")
    delivery_seconds: float = Field(default=5.0, ge=0, description="the scheduler runs the delivery flow this "
                                                                   "often when an email is due (0: the sweep only)")

    audit_anchor_file: Path = Field(default=PROJECT_DIR / "var" / "audit-anchor.jsonl",
                                    description="the scheduler appends the audit chain's head there every hour")
    backup_dir: Path | None = Field(default=None, description="the scheduler writes a backup there each day")
    backup_keep: int = Field(default=14, ge=1, description="how many of the newest backups the scheduler keeps")
    backup_hour: int = Field(default=2, ge=0, le=23, description="local hour of the daily backup")

    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$",
                           description="JSON lines in production, readable lines in embedded mode")
    outbox_stuck_minutes: int = Field(default=30, ge=1, description="/readyz fails once an email waits longer")

    base_salary: int | None = Field(default=None, gt=0, description="a mức lương cơ sở newer than the rule set's "
                                                                    "(đồng a month), from base_salary_from")
    base_salary_from: date | None = Field(default=None, description="the day base_salary takes effect")

    webhook_url: str = ""
    webhook_secret: str = ""

    @model_validator(mode="after")
    def _secret_outside_demo(self) -> Settings:
        """Refuse to run in production, or on any database but the embedded SQLite, without a real secret (the
        demo's fixed, labelled key is public: anyone could sign links with it); a real one must look random."""
        shared = self.environment != "embedded" or not self.database_url.startswith("sqlite")
        if not self.secret_key:
            if shared:
                raise ValueError("TDKT_SECRET_KEY phải được đặt khi chạy ngoài chế độ demo (embedded) hoặc với cơ sở "
                                 "dữ liệu không phải SQLite: khóa demo đã công khai.")
            self.secret_key = DEMO_SECRET
        elif shared and (self.secret_key == DEMO_SECRET or len(self.secret_key) < 32
                         or len(set(self.secret_key)) < 16):
            raise ValueError("TDKT_SECRET_KEY quá ngắn, lặp ký tự hoặc là khóa demo: cần ít nhất 32 ký tự ngẫu "
                             "nhiên (ví dụ: python3 -c 'import secrets; print(secrets.token_urlsafe(48))').")
        if (self.base_salary is None) != (self.base_salary_from is None):
            raise ValueError("TDKT_BASE_SALARY và TDKT_BASE_SALARY_FROM phải được đặt cùng nhau (mức lương cơ sở và "
                             "ngày có hiệu lực, dạng 2026-07-01).")
        if self.webhook_url and len(self.webhook_secret) < 16:
            raise ValueError("TDKT_WEBHOOK_SECRET (ít nhất 16 ký tự) là bắt buộc khi đặt TDKT_WEBHOOK_URL.")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    """Settings read once per process (tests clear the cache when they change the environment)."""
    return Settings()
