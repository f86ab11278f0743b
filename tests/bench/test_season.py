"""The season benchmark, small (20 schools), for correctness only: it runs as `make bench` does, then this test
reads the database and the SMTP server's journal itself. No timing is asserted here (see benchmarks/)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine
from sqlmodel import Session, col, select

from benchmarks.season import Options, parse, summarise_load
from benchmarks.smtp_sink import read_journal
from config.vocabulary import DossierStatus
from models.dossier import Dossier
from models.link import ActionLink
from models.nomination import Nomination
from models.outbox import OutboxMessage, OutboxStatus
from tests.conftest import PG_ADMIN

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bench_url() -> Iterator[str]:
    name = f"tdkt_bench_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _expected(index: int, nominations: list[int]) -> dict[int, str]:
    """The benchmark's scenario, restated: school 7 of every 25 votes its second nominee below the threshold
    (withdrawn, then resubmitted); school 5 of every 10 has its third nominee rejected by the Phòng; school 3
    of every 20 is returned for revision and comes back. Everyone else is granted."""
    final = {n: "granted" for n in nominations}
    if index % 25 == 7:
        final[nominations[1]] = "withdrawn"
    if index % 10 == 5:
        final[nominations[2]] = "rejected"
    return final


def test_a_small_season_ends_as_planned(bench_url: str, tmp_path: Path) -> None:
    journal, figures = tmp_path / "mail.jsonl", tmp_path / "season.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.season", "--schools", "20", "--blocks", "4", "--rate", "10",
         "--duration", "10", "--database-url", bench_url, "--journal", str(journal), "--json", str(figures)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert "Kết quả: đúng" in done.stdout and "tỉ lệ" in done.stdout and "p99" in done.stdout
    assert "mỗi tiến trình tác nhân (có 2)" in done.stdout  # the votes and flow runs ran in two actor processes

    engine = create_engine(bench_url)
    with Session(engine) as session:
        dossiers = session.exec(select(Dossier).order_by(col(Dossier.id))).all()
        assert len(dossiers) == 20 and {d.status for d in dossiers} == {DossierStatus.decided}
        returned = [i for i, d in enumerate(dossiers) if d.round > 1]
        assert returned == [3]  # the one school of twenty returned for revision came back and was decided
        used = session.exec(select(ActionLink.dossier_id, ActionLink.stage)
                            .where(col(ActionLink.used_at).is_not(None))).all()
        # the Phòng approved the returned dossier again through its emailed link, and Nội vụ verified all by link
        assert sorted(used) == sorted([(dossiers[3].id, "phong_review")]
                                      + [(d.id, "noivu_verification") for d in dossiers])
        expected: dict[int, str] = {}
        for index, dossier in enumerate(dossiers):
            ids = session.exec(select(Nomination.id).where(Nomination.dossier_id == dossier.id)
                               .order_by(col(Nomination.id))).all()
            assert len(ids) == 20
            expected.update(_expected(index, [i or 0 for i in ids]))
        actual = {n.id: ("withdrawn" if n.withdrawn else n.status.value) for n in session.exec(select(Nomination))}
        assert actual == expected
        rows = session.exec(select(OutboxMessage)).all()
    engine.dispose()

    received = Counter(message["id"] for message in read_journal(journal))
    assert rows and all(r.status == OutboxStatus.sent for r in rows)
    assert received == Counter({f"<tdkt-outbox-{r.id}@tdkt.invalid>": 1 for r in rows})  # each email once
    result = json.loads(figures.read_text(encoding="utf-8"))
    assert result["correct"] and result["emails"] == len(rows) and result["load"]["errors"] == 0
    assert result["load"]["requests"] == 20 and result["nominations"] == 400
    peaks = [stage["peak_rss_mb"] for stage in result["stages"]]  # every stage has its own memory peak
    assert all(peak > 0 for peak in peaks) and result["phase_peak_rss_mb"] == max(peaks)
    assert result["phase_peak_rss_mb"] <= result["peak_rss_mb"] <= result["peak_rss_tree_mb"]
    assert result["options"]["processes"] == 2 and 0 < result["actor_peak_rss_mb"] < result["peak_rss_tree_mb"]
    # the web workers' CPU was read at the load test's boundaries (from their processes, not the load generator's),
    # and the machine's speed before and after the run
    assert result["load"]["open_cpu_ms"] > 0 and result["load"]["approve_cpu_ms"] > 0
    # at 10/s, the last ten of the twenty approvals were sent after the first second
    assert 0 < result["load"]["p99_after_first_second_ms"] <= result["load"]["max_ms"]
    assert len(result["machine"]["speed_ms"]) == 2 and min(result["machine"]["speed_ms"]) > 0


def test_the_load_summary_sets_the_first_second_apart() -> None:
    """The p99 after the first second takes the approvals by when they were sent, not by when they came back."""
    report = {"approve_ms": [90.0, 80.0, 5.0, 6.0, 70.0, 7.0], "approve_due_s": [0.0, 0.1, 1.0, 1.1, 0.2, 1.2],
              "open_ms": [3.0], "errors": [], "seconds": 1.3, "server_cpu": {"open": 0.01, "approve": 0.06}}
    load = summarise_load(report, Options(), links=6)
    assert load["p99_ms"] == 90.0 and load["max_ms"] == 90.0
    assert load["p99_after_first_second_ms"] == 7.0


@pytest.mark.parametrize(("argv", "said"), [
    (["--per-school", "8"], "--per-school phải từ 9 trở lên"),
    (["--schools", "3", "--blocks", "4"], "cần 1 ≤ --blocks ≤ --schools"),
    (["--blocks", "0"], "cần 1 ≤ --blocks ≤ --schools"),
])
def test_sizes_the_season_cannot_have_are_refused_before_anything_runs(argv: list[str], said: str) -> None:
    """With eight nominations a school, its CSTĐCS is over the rule set's 15 % of LĐTT and the review stops
    half-way; more blocks than schools leave a block without a leader school."""
    with pytest.raises(SystemExit) as refused:
        parse(argv)
    assert said in str(refused.value.code) and "Tham số không hợp lệ" in str(refused.value.code)
    assert parse(["--per-school", "9", "--schools", "4", "--blocks", "4"]).per_school == 9
