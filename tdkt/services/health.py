"""Whether this installation can do its work: for a monitor or a proxy (`/readyz`), each check in words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session, col, func, select

from models.db import MIGRATIONS_DIR
from models.lease import SchedulerLease
from models.outbox import OutboxMessage, OutboxStatus

SCHEDULER_LEASE = "scheduler"  # the lease the scheduler process holds (flows.scheduler)


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)  # check -> "ok" or what is wrong, in Vietnamese
    ready: bool = True

    def fail(self, check: str, why: str) -> None:
        self.checks[check], self.ready = why, False


def readiness(session: Session, *, now: datetime, stuck_after: timedelta) -> Readiness:
    """The database answers and its schema is at the newest migration; a scheduler has held its lease recently;
    no email has waited longer than `stuck_after`."""
    found = Readiness()
    head = ScriptDirectory.from_config(_alembic()).get_current_head()
    current = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    found.checks["database"] = "ok"
    if current != head:
        found.fail("migrations", f"cơ sở dữ liệu ở phiên bản {current}, mã nguồn cần {head}: chạy `tdkt init`")
    else:
        found.checks["migrations"] = "ok"
    lease = session.get(SchedulerLease, SCHEDULER_LEASE)
    if lease is None or lease.expires_at < now:
        found.fail("scheduler", "không có bộ lập lịch nào đang chạy (`tdkt scheduler`)")
    else:
        found.checks["scheduler"] = "ok"
    oldest = session.exec(select(func.min(col(OutboxMessage.created_at)))
                          .where(OutboxMessage.status == OutboxStatus.pending)).one()
    if oldest is not None and now - oldest > stuck_after:
        minutes = int((now - oldest).total_seconds() // 60)
        found.fail("outbox", f"có thư chờ gửi đã {minutes} phút: kiểm tra máy chủ SMTP và bộ lập lịch")
    else:
        found.checks["outbox"] = "ok"
    return found


def _alembic() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config
