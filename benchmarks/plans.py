"""The queries behind the pages that must stay fast with a province's nominations, and their plans.

Each view is run once with every SQL statement recorded (count and time), then the slowest statement is run
again under EXPLAIN ANALYZE. The season benchmark takes them when the Phòng's queue is full.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from config.route import default_route
from models.db import get_engine, session_scope
from models.unit import get_person_by_email
from notifications.outbox import failed_messages
from tdkt import services
from tdkt.services.worklist import worklist


def _listing(session: Session, province: Any) -> object:
    return services.status_rows(session, phase_id=province.phase_id)


def _queue(session: Session, province: Any) -> object:
    person = get_person_by_email(session, email=province.office["phong_reviewer"])
    assert person is not None
    return worklist(session, person=person, route=default_route(), today=date.today())


def _dashboard(session: Session, province: Any) -> object:
    return (services.status_rows(session, phase_id=province.phase_id),
            services.quota_usage(session, phase_id=province.phase_id), failed_messages(session))


VIEWS: dict[str, Callable[[Session, Any], object]] = {
    "Danh sách hồ sơ của đợt (tdkt status)": _listing,
    "Hàng chờ của chuyên viên Phòng GD&ĐT (/home)": _queue,
    "Trang tổng hợp của đợt (/dashboard)": _dashboard,
}


def explain(province: Any) -> dict[str, Any]:
    return {name: _measure(view, province) for name, view in VIEWS.items()}


@contextmanager
def recorded(engine: Engine) -> Iterator[list[tuple[float, str, Any]]]:
    """Every SQL statement `engine` runs inside the block, as (ms, statement, parameters)."""
    statements: list[tuple[float, str, Any]] = []
    started: dict[int, float] = {}

    def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        started[id(cursor)] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        statements.append(((time.perf_counter() - started.pop(id(cursor))) * 1000, statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def _measure(view: Callable[[Session, Any], object], province: Any) -> dict[str, Any]:
    engine = get_engine()
    with recorded(engine) as statements:
        clock = time.perf_counter()
        with session_scope() as session:
            view(session, province)
        total = (time.perf_counter() - clock) * 1000
    ms, sql, parameters = max(statements, key=lambda s: s[0])
    with engine.connect() as conn:
        plan = [row[0] for row in conn.exec_driver_sql(f"EXPLAIN ANALYZE {sql}", parameters)]
    return {"ms": total, "queries": len(statements), "slowest_ms": ms, "slowest_sql": " ".join(sql.split()),
            "plan": plan}


def render(plans: dict[str, Any]) -> str:
    lines = ["", "Truy vấn của các trang (khi hàng chờ Phòng GD&ĐT đầy):"]
    for name, p in plans.items():
        lines.append(f"- {name}: {p['ms']:.0f} ms, {p['queries']} câu SQL; chậm nhất {p['slowest_ms']:.1f} ms:")
        lines.append(f"    {p['slowest_sql'][:300]}")
        lines += [f"    | {line[:200]}{'…' if len(line) > 200 else ''}" for line in p["plan"]]
    return "\n".join(lines)
