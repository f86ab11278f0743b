"""`tdkt live` (what `make run` starts) as a real process: it loads the sample dated from today, prints one
sign-in link per role and its Prefect server's address, serves them, and stops cleanly — its Prefect server
too — on Ctrl+C or SIGTERM; the next `tdkt live` finds the flow runs of the last one."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from benchmarks.smtp_sink import free_port
from config.settings import get_settings
from models.campaign import Phase, StageDeadline
from models.db import session_scope
from tdkt.common.timefmt import local_today
from tdkt.services.sample import LEAD_DAYS, dated_from, read_sample


def test_dated_sample_keeps_the_plan_s_intervals() -> None:
    plan = read_sample("muong-khuong").campaign
    today = date(2026, 11, 23)
    moved = dated_from(plan, today)
    first = moved.phases[0]
    assert min(first.deadlines.values()) == today + timedelta(days=LEAD_DAYS)
    assert first.starts_on <= today <= first.ends_on and moved.school_year == "2026-2027"
    for old, new in zip(plan.phases, moved.phases, strict=True):
        shift = new.starts_on - old.starts_on
        assert {k: d + shift for k, d in old.deadlines.items()} == new.deadlines
        assert (new.name == "Tổng kết năm học 2026-2027") if old.year_end else \
            (new.name.startswith(f"Đợt {old.number} (") and "/" in new.name)


def _live(port: int, env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[str], str]:
    """`tdkt live` started, its output read until it serves; returns the process and that output."""
    process = subprocess.Popen([sys.executable, "-m", "tdkt.cli", "live", "--port", str(port), *extra], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    assert process.stdout is not None
    while not any("Dừng: Ctrl+C" in line for line in lines):
        line = process.stdout.readline()
        assert line, "tdkt live exited early:\n" + "".join(lines)
        lines.append(line)
    return process, "".join(lines)


def _flow_runs(ui: str) -> int:
    answer = httpx.post(f"{ui}/api/flow_runs/count", json={}, timeout=10)
    return int(answer.json())


def test_live_serves_the_sample_with_sign_in_links(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "live.db"
    env = {**os.environ, "TDKT_DATABASE_URL": f"sqlite:///{database}", "TDKT_MAILBOX_DIR": str(tmp_path / "mail"),
           "TDKT_PREFECT_HOME": str(tmp_path / "prefect"), "COLUMNS": "300"}
    env.pop("TDKT_BASE_URL", None)
    env.pop("PREFECT_API_URL", None)
    process, printed = _live(port, env)
    try:
        [ui] = re.findall(r"\(Prefect\): (http://127\.0\.0\.1:\d+)", printed)
        urls = re.findall(rf"http://127\.0\.0\.1:{port}/s/\S+", printed)
        assert len(urls) == 11  # a member school, its block leader, the district's five office people, the
        # province's four (its chairman, the Sở's reviewer and Giám đốc, the Ban Thi đua's officer)
        for _ in range(100):
            try:
                home = httpx.get(urls[0], follow_redirects=True)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert home.status_code == 200 and "Lập hồ sơ Đợt 1" in home.text
        for _ in range(120):  # the scheduler's first sweep, a flow run in the Prefect server's history
            if _flow_runs(ui) >= 1:
                break
            time.sleep(0.5)
        runs = _flow_runs(ui)
        assert runs >= 1 and httpx.get(ui, timeout=10).status_code == 200  # its UI, served
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    with pytest.raises(httpx.ConnectError):
        httpx.get(ui, timeout=5)  # stopped with tdkt live

    again, printed = _live(free_port(), env, "--fresh")  # the next day: the sample afresh, the history kept
    try:
        [ui] = re.findall(r"\(Prefect\): (http://127\.0\.0\.1:\d+)", printed)
        assert _flow_runs(ui) >= runs
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=120)
    with pytest.raises(httpx.ConnectError):
        httpx.get(ui, timeout=5)  # SIGTERM stops it too
    with session_scope(f"sqlite:///{database}") as session:
        first = session.exec(select(Phase).where(Phase.number == 1)).one()
        due = min(d.due_at for d in session.exec(select(StageDeadline).where(StageDeadline.phase_id == first.id)))
    assert due.astimezone(get_settings().tz).date() > local_today()


def test_live_refuses_a_port_in_use_before_loading_the_sample(tmp_path: Path) -> None:
    database = tmp_path / "live.db"
    env = {**os.environ, "TDKT_DATABASE_URL": f"sqlite:///{database}", "COLUMNS": "300"}
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.run([sys.executable, "-m", "tdkt.cli", "live", "--port", str(port)], env=env,
                                 capture_output=True, text=True, timeout=120)
    output = process.stdout + process.stderr
    assert process.returncode == 1, output
    assert f"Không mở được cổng {port} trên 127.0.0.1: một chương trình khác đang dùng cổng này." in output
    assert "Đường dẫn đăng nhập" not in output and not database.exists()  # nothing loaded, nothing announced
