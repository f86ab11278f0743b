"""`make bench`: one phase of a whole province through every stage, on PostgreSQL, with real email.

    python -m benchmarks.season [--schools 1000] [--blocks 50] [--per-school 20] [--rate 100] [--duration 30]

Generates the province (benchmarks/province.py) in a fresh PostgreSQL database, then: the councils vote;
schools submit (one flow run per block; a few miss the vote threshold, withdraw that nominee and submit
again); block leaders forward; the Phòng reviews in batches (returns some dossiers, rejects some nominees;
the returned schools complete and resubmit, their leaders forward again, the Phòng reviewer approves each
through the link emailed with it); Nội vụ verifies through the emailed links (the approval load test); both
are driven from a second process at a fixed rate;
the chairman signs the decision. Every email goes to a real SMTP server in its own process. The votes and the
flow runs of the stages are spread over --processes actor processes (benchmarks/actors.py), as schools act
from their own machines and several Prefect workers run flows at once.

After each stage the same number of transitions is done as bare SQL, and the same number of emails is sent by
a plain smtplib loop to a second SMTP server of the same kind (benchmarks/baseline.py): two floors. Prints one
table and writes the figures as JSON (--json) for comparison between commits. Exit status 1 when the season
did not end as expected (a nomination in the wrong state, an email missing or sent twice).
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import func
from sqlmodel import col, select

from config import prefect_env

prefect_env.apply()  # before Prefect is first imported

from prefect import Flow  # noqa: E402

from benchmarks import actors, baseline  # noqa: E402
from benchmarks.plans import explain, render  # noqa: E402
from benchmarks.province import Province, generate  # noqa: E402
from benchmarks.smtp_sink import free_port, journal_size, read_journal  # noqa: E402
from config.route import default_route  # noqa: E402
from config.rules import rule_set  # noqa: E402
from config.settings import get_settings  # noqa: E402
from config.vocabulary import DossierStatus  # noqa: E402
from flows.aggregation import aggregation_flow  # noqa: E402
from flows.decision import decision_flow  # noqa: E402
from flows.delivery import delivery_flow  # noqa: E402
from flows.review import review_flow  # noqa: E402
from flows.runtime import run as run_flow  # noqa: E402
from flows.submission import submission_flow  # noqa: E402
from models.audit import AuditEvent  # noqa: E402
from models.db import dispose_engines, migrate, session_scope  # noqa: E402
from models.dossier import Dossier  # noqa: E402
from models.nomination import Nomination  # noqa: E402
from models.outbox import OutboxMessage, OutboxStatus  # noqa: E402
from models.tally import recount, stored  # noqa: E402
from models.unit import get_person_by_email  # noqa: E402
from notifications.outbox import message_id  # noqa: E402
from tasks.transition import Review, Submission  # noqa: E402
from tdkt import services  # noqa: E402
from tdkt.services import attachments as papers  # noqa: E402
from tdkt.workflow.engine import Verdict  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("TDKT_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
RETURN_REASON = "Thiếu báo cáo thành tích có xác nhận của Thủ trưởng đơn vị"
REJECT_REASON = "Chưa đủ tiêu chuẩn: tỉ lệ học sinh lớp chủ nhiệm hoàn thành chương trình chưa đạt"


MIN_PER_SCHOOL = 9  # a school's one CSTĐCS within the rule set's 15 % of its LĐTT (benchmarks/province.py)


@dataclass
class Options:
    schools: int = 1000
    blocks: int = 50
    per_school: int = 20
    rate: float = 100.0
    duration: float = 30.0
    web_workers: int = 4  # twice the cores, one thread each: see `web_server`
    web_threads: int = 1
    review_batch: int = 100
    processes: int = 2  # actor processes acting at once (benchmarks/actors.py); 1: this process alone
    database_url: str | None = None  # a fresh database is created (and dropped) when not given
    json_path: Path | None = None
    journal: Path | None = None  # where the SMTP server writes what it received
    plans: bool = True


@dataclass
class StageFigures:
    name: str
    seconds: float
    transitions: int
    emails: int
    bare_seconds: float
    bare_mail_seconds: float  # the same emails sent by a plain smtplib loop
    peak_rss_mb: float  # this process's peak during the stage
    paced: bool = False  # driven at a fixed request rate: its time measures the rate, not tdkt

    @property
    def ratio(self) -> float | None:
        return self.seconds / self.bare_seconds if self.bare_seconds and not self.paced else None

    @property
    def ratio_with_mail(self) -> float | None:
        floor = self.bare_seconds + self.bare_mail_seconds
        return self.seconds / floor if floor and not self.paced else None


@dataclass
class Scenario:
    """Which schools miss the vote threshold, which dossiers the Phòng returns, which nominees it rejects."""

    misses: dict[int, int] = field(default_factory=dict)  # dossier -> nomination voted below the threshold
    returns: dict[int, int] = field(default_factory=dict)  # dossier -> nomination returned for revision
    rejects: dict[int, int] = field(default_factory=dict)  # dossier -> nomination rejected

    @classmethod
    def of(cls, province: Province) -> Scenario:
        scenario = cls()
        for index, dossier_id in enumerate(province.dossiers):
            nominations = province.nominations[dossier_id]
            if index % 25 == 7:
                scenario.misses[dossier_id] = nominations[1]
            if index % 20 == 3:
                scenario.returns[dossier_id] = nominations[1]
            if index % 10 == 5:
                scenario.rejects[dossier_id] = nominations[2]
        return scenario

    def expected(self, province: Province) -> dict[int, str]:
        """Each nomination's final status: withdrawn, rejected, or granted by the decision."""
        final = {n: "granted" for noms in province.nominations.values() for n in noms}
        final.update({n: "withdrawn" for n in self.misses.values()})
        final.update({n: "rejected" for n in self.rejects.values()})
        return final


class PeakRss:
    """Samples the resident memory of this process, and of it with all its child processes, every 0.5 s; keeps
    the peaks of the whole run and of the current window (a stage)."""

    def __init__(self) -> None:
        self.own = self.tree = self._window = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()

    def sample(self) -> int:
        own = _rss(os.getpid())
        tree = own + sum(_rss(p) for p in _descendants(os.getpid()))
        with self._lock:
            self.own, self.tree, self._window = max(self.own, own), max(self.tree, tree), max(self._window, own)
        return own

    def window(self) -> int:
        """This process's peak since the last call (sampled now too, so a stage shorter than the sampling
        period has one), and a new window from now."""
        own = self.sample()
        with self._lock:
            peak, self._window = self._window, own
        return peak


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, from the kernel's list of each thread's children (a scan of all /proc every
    half second took ~5 % of the measured process's CPU)."""
    found, frontier = [], [pid]
    while frontier:
        children = []
        for parent in frontier:
            for task in Path(f"/proc/{parent}/task").glob("*/children"):
                try:
                    children += [int(child) for child in task.read_text().split()]
                except OSError:
                    continue
        found += children
        frontier = children
    return found


def create_database(prefix: str, driver: str) -> tuple[str, str]:
    """A new database on the local PostgreSQL: its name and its SQLAlchemy URL with `driver`."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return name, PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", f"postgresql+{driver}://") + f"/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """The given database, or a fresh one on the local PostgreSQL, dropped afterwards."""
    if url:
        yield url
        return
    name, fresh = create_database("tdkt_bench", "psycopg")
    try:
        yield fresh
    finally:
        dispose_engines()
        drop_database(name)


def prefect_database() -> None:
    """The embedded Prefect server on a PostgreSQL database of its own, as in production, unless the caller
    set a Prefect server or database. On its default SQLite the server answered 503 ("database is locked")
    to about one flow run in ten of this load, and each such client waited 2 s before trying again (measured).

    Called before the server starts; the database is dropped at exit, after Prefect has stopped the server."""
    if os.environ.get("PREFECT_API_URL") or os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        return
    name, url = create_database("prefect_bench", "asyncpg")
    os.environ["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = url
    atexit.register(drop_database, name)  # exit handlers run last-registered first: the server stops before


@contextmanager
def smtp_server(journal: Path) -> Iterator[int]:
    """The SMTP server as its own process; the journal is complete once this block has exited."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.smtp_sink", str(port), str(journal)],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def web_server(port: int, workers: int, threads: int) -> Iterator[int]:
    """The web app as production runs it (`tdkt serve`) with `workers` processes of `threads` threads each, on the
    benchmark's database; yields its process id (its workers are that process's children).

    Four workers of one thread on two cores by default: the kernel hands each browser's connection to a worker
    for good, by a hash of its addresses, and two workers often split 64 browsers 24/40; with four, the busier
    ones share the cores with the idler ones instead of queueing alone. Against two workers of two threads, in
    sixteen interleaved pairs of load tests (2026-12-06): p50, p95 and p99 lower in 14, 13 and 12 of them.
    Four workers of two threads were no better than two of two (p99 lower in 2 of 6)."""
    process = subprocess.Popen([sys.executable, "-m", "tdkt.cli", "serve", "--host", "127.0.0.1", "--port",
                                str(port), "--workers", str(workers),
                                # as behind a reverse proxy: idle connections are kept longer than the client's,
                                # so a request is never sent on a connection the server is closing (ReadError)
                                "--keep-alive", "75"], cwd=ROOT, stdout=subprocess.DEVNULL,
                               env={**os.environ, "TDKT_WEB_THREADS": str(threads)})
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=1.0) as client:  # one client: each new one builds a TLS context (~15 ms)
            for _ in range(300):
                try:
                    if client.get(f"{base}/").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            else:
                raise RuntimeError("the web server did not start")
        yield process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def configure(url: str, smtp_port: int, web_port: int, files: Path) -> None:
    """Point every tdkt setting of this process, and of the processes it starts, at the benchmark's parts."""
    os.environ.update({"TDKT_DATABASE_URL": url, "TDKT_SMTP_HOST": "127.0.0.1", "TDKT_SMTP_PORT": str(smtp_port),
                       "TDKT_BASE_URL": f"http://127.0.0.1:{web_port}", "TDKT_FILES_DIR": str(files)})
    os.environ.setdefault("TDKT_SECRET_KEY", secrets.token_urlsafe(48))  # PostgreSQL: never the public demo key

    get_settings.cache_clear()
    default_route.cache_clear()
    rule_set.cache_clear()


class Season:
    """One phase of the province, stage by stage, with the figures of each stage."""

    def __init__(self, options: Options, url: str, journal: Path, rss: PeakRss, floor_smtp: int) -> None:
        self.options, self.url, self.journal, self.rss = options, url, journal, rss
        self.floor_smtp = floor_smtp  # the floor's own SMTP server: its emails stay out of the season's journal
        self.stages: list[StageFigures] = []
        self.load: dict[str, Any] = {}
        self.plans: dict[str, Any] | None = None
        self.excluded = 0.0  # seconds spent on the bare-SQL floor and the query plans, not on the season
        self.actors = actors.Actors(1)
        self.web_pid = 0

    def _counts(self) -> tuple[int, int]:
        with session_scope() as session:
            return (session.exec(select(func.count()).select_from(AuditEvent)).one(),
                    session.exec(select(func.count()).select_from(OutboxMessage)).one())

    @contextmanager
    def stage(self, name: str, paced: bool = False) -> Iterator[None]:
        events, emails = self._counts()
        self.rss.window()
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        peak = self.rss.window()
        events_after, emails_after = self._counts()
        count, queued = events_after - events, emails_after - emails
        floor_started = time.perf_counter()
        bare = baseline.transitions(self.url, count=count, outbox_per=round(queued / count)) if count else 0.0
        bare_mail = baseline.emails("127.0.0.1", self.floor_smtp, count=queued) if queued else 0.0
        self.excluded += time.perf_counter() - floor_started
        self.stages.append(StageFigures(name, seconds, count, queued, bare, bare_mail, peak / 2**20, paced))
        print(f"  {name}: {seconds:.1f} s", file=sys.stderr, flush=True)

    def run(self) -> dict[str, Any]:
        migrate()
        run_flow(delivery_flow)  # starts the embedded Prefect server (~10 s) before anything is timed
        started = time.perf_counter()
        with session_scope() as session:
            province = generate(session, schools=self.options.schools, blocks=self.options.blocks,
                                per_school=self.options.per_school)
        analyze(self.url)
        setup = time.perf_counter() - started
        print(f"  province generated: {province.size} nominations in {setup:.1f} s", file=sys.stderr, flush=True)
        scenario = Scenario.of(province)
        web_port = int(os.environ["TDKT_BASE_URL"].rsplit(":", 1)[1])
        with actors.Actors(self.options.processes) as self.actors, \
                web_server(web_port, self.options.web_workers,
                           self.options.web_threads) as self.web_pid:  # up all season, as in production
            phase_started = time.perf_counter()
            self._votes(province, scenario)
            self._submissions(province, scenario)
            self._aggregation(province, province.blocks)
            if self.options.plans:  # the Phòng's queue is full now: the worst moment for its pages
                paused = time.perf_counter()
                self.plans = explain(province)
                self.excluded += time.perf_counter() - paused
            self._review(province, scenario)
            self._verification(province)
            self._decision(province)
            phase_seconds = time.perf_counter() - phase_started - self.excluded
        return {"setup_seconds": setup, "phase_seconds": phase_seconds, "nominations": province.size,
                "province": province, "scenario": scenario}

    def _votes(self, province: Province, scenario: Scenario) -> None:
        def tallies(dossier_id: int) -> actors.Tallies:
            counted = {n: (12, 1) for n in province.nominations[dossier_id]}
            if dossier_id in scenario.misses:
                counted[scenario.misses[dossier_id]] = (5, 8)
            return counted

        councils = [[(d, tallies(d)) for d in ds] for _, ds in province.blocks.values()]  # a block's schools
        with self.stage("Họp xét (biểu quyết)"):
            self.actors.map(actors.votes, councils, [date.today()] * len(councils))

    def _flows(self, flow: Flow[..., Any], calls: list[tuple[Any, ...]], batch: bool = True) -> list[dict[str, Any]]:
        """One run of `flow` per call, spread over the actors (with `batch`, refusals are in the reports)."""
        return self.actors.map(actors.flow, [flow.name] * len(calls), calls, [batch] * len(calls))

    def _submit(self, blocks: list[list[int]], province: Province) -> list[dict[str, Any]]:
        """One submission flow run per list of dossiers."""
        return self._flows(submission_flow, [([Submission(dossier_id=d, actor_email=province.heads[d])
                                               for d in dossier_ids],) for dossier_ids in blocks])

    def _submissions(self, province: Province, scenario: Scenario) -> None:
        with self.stage("Trường gửi hồ sơ"):
            refused = [r for report in self._submit([ds for _, ds in province.blocks.values()], province)
                       for r in report["refused"]]
            for item in refused:  # the school withdraws the nominee who missed the threshold, and submits again
                with session_scope() as session:
                    for violation in item["violations"]:
                        services.withdraw_nomination(session, nomination_id=violation["nomination_id"])
            again = self._submit([[r["dossier_id"] for r in refused]], province)[0] if refused else {"refused": []}
            assert sorted(r["dossier_id"] for r in refused) == sorted(scenario.misses), refused
            assert not again["refused"], again["refused"]

    def _aggregation(self, province: Province, blocks: dict[int, tuple[str, list[int]]], label: str = "") -> None:
        with self.stage(label or "Khối tổng hợp, chuyển Phòng"):
            self._flows(aggregation_flow, [(block_id, province.phase_id, leader)
                                           for block_id, (leader, _) in blocks.items()], batch=False)

    def _reviews(self, reviews: list[Any]) -> None:
        batch = self.options.review_batch
        results = self._flows(review_flow, [(reviews[start:start + batch],) for start in range(0, len(reviews), batch)])
        refused = [r for result in results for r in result["refused"]]
        assert not refused, refused[:3]

    def _review(self, province: Province, scenario: Scenario) -> None:
        reviewer = province.office["phong_reviewer"]

        def review(dossier_id: int) -> Review:
            special = {scenario.returns.get(dossier_id): Verdict("return_for_revision", RETURN_REASON),
                       scenario.rejects.get(dossier_id): Verdict("reject", REJECT_REASON)}
            if special.keys() == {None}:
                return Review(dossier_id=dossier_id, actor_email=reviewer, action="approve")
            withdrawn = scenario.misses.get(dossier_id)
            return Review(dossier_id=dossier_id, actor_email=reviewer, verdicts={
                n: special.get(n) or Verdict("approve") for n in province.nominations[dossier_id] if n != withdrawn})

        with self.stage("Phòng GD&ĐT xét duyệt"):
            self._reviews([review(d) for d in province.dossiers])
        self._resubmission(province, scenario, reviewer)

    def _resubmission(self, province: Province, scenario: Scenario, reviewer: str) -> None:
        """The returned schools attach the missing report and submit again; leaders forward; the Phòng reviewer
        approves each through the link emailed with it, as reviewers do (the web workers' first approvals,
        before the Nội vụ load; see `summarise_load`)."""
        returned = sorted(scenario.returns)
        with self.stage("Trả lại: trường bổ sung, gửi lại"):
            for dossier_id in returned:
                with session_scope() as session:
                    dossier = session.get(Dossier, dossier_id)
                    head = get_person_by_email(session, email=province.heads[dossier_id])
                    assert dossier is not None and head is not None
                    papers.attach(session, dossier=dossier, person=head, kind="bao_cao_thanh_tich",
                                  filename="bao-cao-bo-sung.pdf", content=b"%PDF-1.4\n% bo sung\n%%EOF\n",
                                  start_stage=dossier.stage)
            result = self._submit([returned], province)[0]
            assert not result["refused"], result["refused"][:3]
        blocks = {b: (leader, ds) for b, (leader, ds) in province.blocks.items() if set(ds) & set(returned)}
        before = _wait_for_mail(self.journal)
        self._aggregation(province, blocks, "Khối chuyển lại hồ sơ bổ sung")
        _wait_for_mail(self.journal)
        links = self._links_to(reviewer, since=before)
        assert len(links) == len(returned), (len(links), len(returned))
        with self.stage("Phòng GD&ĐT duyệt bổ sung qua đường dẫn", paced=True):
            self._through_links(links, "approve", "resubmitted")
        self._left_to_flows(province, "phong_review", "Phòng GD&ĐT duyệt phần còn lại (luồng)", reviewer, "approve")

    def _links_to(self, person: str, since: int = 0) -> list[str]:
        """The action links emailed to `person`, from the journal's message number `since` on."""
        return [m["link"] for m in read_journal(self.journal, since) if m["to"] == person and m["link"]]

    def _through_links(self, links: list[str], action: str, name: str) -> dict[str, Any]:
        """Open each link and act on it from a second process at the set rate (benchmarks/load.py), then do
        what the scheduler's sweep does for the emails of web actions. Returns the load test's figures."""
        spec, out = self.journal.with_suffix(f".{name}-spec.json"), self.journal.with_suffix(f".{name}.json")
        spec.write_text(json.dumps({"links": links, "action": action, "rate": self.options.rate,
                                    "duration": self.options.duration,
                                    "server_pids": [self.web_pid, *_descendants(self.web_pid)]}))
        subprocess.run([sys.executable, "-m", "benchmarks.load", str(spec), str(out)], cwd=ROOT, check=True)
        swept = time.perf_counter()
        delivered = run_flow(delivery_flow)
        load = summarise_load(json.loads(out.read_text()), self.options, len(links))
        load["sweep_emails"] = delivered["sent"]
        load["sweep_seconds"] = time.perf_counter() - swept
        return load

    def _left_to_flows(self, province: Province, stage: str, label: str, actor: str, action: str) -> None:
        """What a load test left at `stage` (its time ran out, or a request failed), done through the review flow."""
        left = self._still_at(province, stage)
        if left:
            with self.stage(label):
                self._reviews([Review(dossier_id=d, actor_email=actor, action=action) for d in left])

    def _verification(self, province: Province) -> None:
        """Nội vụ opens each emailed link and verifies, from a second process at the given rate: the approval
        load test."""
        officer = province.office["noivu_officer"]
        links = self._links_to(officer)  # reading the journal's ~9,000 emails takes ~2 s: not the stage's work
        with self.stage("Nội vụ thẩm định qua đường dẫn (tải)", paced=True):
            self.load = self._through_links(links, "verify", "load")
        self._left_to_flows(province, "noivu_verification", "Nội vụ thẩm định phần còn lại (luồng)", officer, "verify")

    def _still_at(self, province: Province, stage: str) -> list[int]:
        with session_scope() as session:
            return list(session.exec(select(Dossier.id).where(Dossier.phase_id == province.phase_id,
                                                              Dossier.stage == stage)
                                     .order_by(col(Dossier.id))).all())  # type: ignore[arg-type]

    def _decision(self, province: Province) -> None:
        with self.stage("Chủ tịch ký quyết định"):
            run_flow(decision_flow, province.phase_id, province.office["chairman"], date.today(), None)


def analyze(url: str) -> None:
    """Planner statistics for the freshly written province, as autovacuum would have them some time after an
    import of that size (without them PostgreSQL takes the 20,000 nominations for a handful and picks nested
    loops that cost 300 ms a query)."""
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("ANALYZE")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarise_load(report: dict[str, Any], options: Options, links: int) -> dict[str, Any]:
    """The load test's figures; beside the p99 of all approvals (the target's), the p99 of those sent after the
    first second, where the cost of the web workers' first approvals shows.

    A worker's first approval compiles the statements of an approval and costs several times the ones after;
    the Phòng's approvals by link come before the Nội vụ load (`Season._resubmission`), so that the load's
    first second does not queue behind four such firsts (benchmarks/HISTORY.md)."""
    approve, cpu = report["approve_ms"], report["server_cpu"]
    warm = [ms for ms, due in zip(approve, report["approve_due_s"], strict=True) if due >= 1.0]
    return {"links": links, "requests": len(approve), "rate": options.rate, "seconds": report["seconds"],
            "achieved_rate": len(approve) / report["seconds"] if report["seconds"] else 0.0,
            "errors": len(report["errors"]), "web_workers": options.web_workers, "web_threads": options.web_threads,
            "p50_ms": percentile(approve, 0.50), "p95_ms": percentile(approve, 0.95),
            "p99_ms": percentile(approve, 0.99), "max_ms": max(approve, default=0.0),
            "p99_after_first_second_ms": percentile(warm, 0.99),
            "open_p50_ms": percentile(report["open_ms"], 0.50), "open_p99_ms": percentile(report["open_ms"], 0.99),
            "mean_ms": statistics.fmean(approve) if approve else 0.0,
            # CPU of the web workers per request, whatever the machine's pace of the moment did to the latencies
            "open_cpu_ms": cpu["open"] * 1000 / max(len(report["open_ms"]), 1),
            "approve_cpu_ms": cpu["approve"] * 1000 / max(len(approve), 1)}


def check(province: Province, scenario: Scenario, journal: list[dict[str, Any]]) -> list[str]:
    """What went wrong, in Vietnamese: nominations in an unexpected state, the phase tally off their count,
    emails missing or sent twice."""
    problems = []
    expected = scenario.expected(province)
    with session_scope() as session:  # columns, not rows: the check must not set the run's memory peak
        dossiers = session.exec(select(Dossier.id, Dossier.status).where(Dossier.phase_id == province.phase_id)).all()
        undecided = [dossier_id for dossier_id, status in dossiers if status != DossierStatus.decided]
        if undecided:
            problems.append(f"{len(undecided)} hồ sơ chưa có quyết định (ví dụ số {undecided[0]})")
        for nomination_id, withdrawn, nomination_status in session.exec(
                select(Nomination.id, Nomination.withdrawn, Nomination.status)).all():
            status = "withdrawn" if withdrawn else nomination_status
            if status != expected.get(nomination_id or 0):
                problems.append(f"Đề nghị số {nomination_id}: {status}, đáng lẽ {expected.get(nomination_id or 0)}")
        if stored(session, phase_id=province.phase_id) != recount(session, start=default_route().start,
                                                                  phase_id=province.phase_id):
            problems.append("Bảng đếm danh hiệu của đợt (titletally) lệch với số đề nghị thực tế")
        rows = session.exec(select(OutboxMessage.id, OutboxMessage.status)).all()
        unsent = [row_id for row_id, status in rows if status != OutboxStatus.sent]
        ids = {message_id(row_id or 0, get_settings()) for row_id, _ in rows}
    if unsent:
        problems.append(f"{len(unsent)} thư chưa gửi (ví dụ hàng outbox số {unsent[0]})")
    received = Counter(m["id"] for m in journal)
    twice = [k for k, n in received.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} thư đến hai lần trở lên (ví dụ {twice[0]})")
    if set(received) != ids:
        problems.append(f"Máy chủ thư nhận {len(received)} thư khác nhau, outbox có {len(ids)}")
    return problems[:20]


def speed_probe() -> float:
    """Milliseconds of CPU for a fixed piece of Python work of the kind tdkt does (dicts, strings, JSON, a hash),
    the best of three: how fast the machine is at that moment. Its speed swings up to twice over within the hour, so
    runs made at different times compare only through this (measured before and after the run)."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for i in range(20_000):
            row = {"id": i, "name": f"Giáo viên {i:05d}", "status": "approved", "detail": {"round": i % 3}}
            hashlib.sha256(json.dumps(row, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        best = min(best, time.process_time() - started)
    return best * 1000


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    with psycopg.connect(PG_ADMIN) as conn:
        server = conn.execute("SHOW server_version").fetchone()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE")
                                                                     * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(), "postgresql": server[0] if server else "?",
            "commit": commit.stdout.strip() or "?"}


def run(options: Options) -> dict[str, Any]:
    """The whole benchmark; returns its figures (also what --json writes). Its files (the uploaded papers, and
    the SMTP server's journal unless --journal names one) are in a folder removed at the end."""
    prefect_database()
    speed = [speed_probe()]
    with tempfile.TemporaryDirectory(prefix="tdkt-bench-") as scratch, PeakRss() as rss, \
            database(options.database_url) as url:
        journal = options.journal or Path(scratch) / "mail.jsonl"
        with smtp_server(journal) as smtp_port, smtp_server(Path(scratch) / "floor-mail.jsonl") as floor_smtp:
            configure(url, smtp_port, free_port(), Path(scratch) / "files")
            season = Season(options, url, journal, rss, floor_smtp)
            outcome = season.run()
            _wait_for_mail(journal)
        received = list(read_journal(journal))
        problems = check(outcome["province"], outcome["scenario"], received)
    speed.append(speed_probe())
    result = figures(options, season, outcome, rss, received, problems)
    result["machine"]["speed_ms"] = speed
    return result


def _wait_for_mail(journal: Path) -> int:
    """The journal's size once it holds every email sent so far, or after 10 s: SMTP accepted each email before
    the flows marked it sent, and the journal may lag a moment behind."""
    with session_scope() as session:
        sent = session.exec(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status == OutboxStatus.sent)).one()
    for _ in range(100):
        if (size := journal_size(journal)) >= sent:
            break
        time.sleep(0.1)
    return size


def figures(options: Options, season: Season, outcome: dict[str, Any], rss: PeakRss,
            received: list[dict[str, Any]], problems: list[str]) -> dict[str, Any]:
    engine = [s for s in season.stages if not s.paced]
    transitions = sum(s.transitions for s in season.stages)
    return {
        "machine": machine(), "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "nominations": outcome["nominations"], "setup_seconds": outcome["setup_seconds"],
        "phase_seconds": outcome["phase_seconds"], "transitions": transitions,
        "transitions_per_second": transitions / outcome["phase_seconds"],
        "emails": len(received), "emails_per_second": len(received) / outcome["phase_seconds"],
        "engine_seconds": sum(s.seconds for s in engine), "bare_seconds": sum(s.bare_seconds for s in engine),
        "bare_mail_seconds": sum(s.bare_mail_seconds for s in engine),
        "ratio": sum(s.seconds for s in engine) / max(sum(s.bare_seconds for s in engine), 1e-9),
        "ratio_with_mail": sum(s.seconds for s in engine) / max(
            sum(s.bare_seconds + s.bare_mail_seconds for s in engine), 1e-9),
        "peak_rss_mb": rss.own / 2**20, "peak_rss_tree_mb": rss.tree / 2**20,
        "phase_peak_rss_mb": max((s.peak_rss_mb for s in season.stages), default=0.0),
        "actor_peak_rss_mb": season.actors.peak / 2**20,  # the largest actor process's (none with --processes 1)
        "stages": [{**asdict(s), "ratio": s.ratio, "ratio_with_mail": s.ratio_with_mail} for s in season.stages],
        "load": season.load,
        "correct": not problems, "problems": problems, "plans": season.plans,
    }


def table(result: dict[str, Any]) -> str:
    """The figures as one text table (stages, then totals, load and memory)."""
    lines = [f"{'Bước':<40}{'giây':>8}{'chuyển':>8}{'thư':>8}{'SQL trần':>10}{'tỉ lệ':>8}{'+thư':>8}{'tỉ lệ':>8}"
             f"{'RSS MB':>8}"]

    def times(value: float | None, paced: bool) -> str:
        return f"{value:.1f}×" if value is not None else ("nhịp" if paced else "–")

    for s in result["stages"]:
        lines.append(f"{s['name']:<40}{s['seconds']:>8.1f}{s['transitions']:>8}{s['emails']:>8}"
                     f"{s['bare_seconds']:>10.2f}{times(s['ratio'], s['paced']):>8}"
                     f"{s['bare_seconds'] + s['bare_mail_seconds']:>8.2f}"
                     f"{times(s['ratio_with_mail'], s['paced']):>8}{s['peak_rss_mb']:>8.0f}")
    load, m = result["load"], result["machine"]
    lines += [
        "-" * 106,
        f"{'Cả đợt (không kể sinh dữ liệu)':<40}{result['phase_seconds']:>8.1f}{result['transitions']:>8}"
        f"{result['emails']:>8}",
        f"Luồng tdkt / SQL trần (các bước không theo nhịp): {result['engine_seconds']:.1f} s / "
        f"{result['bare_seconds']:.2f} s = {result['ratio']:.1f}×; / SQL trần và cùng số thư gửi bằng smtplib: "
        f"{result['bare_seconds'] + result['bare_mail_seconds']:.2f} s = {result['ratio_with_mail']:.1f}×",
        f"Chuyển bước/giây: {result['transitions_per_second']:.0f}; thư/giây: {result['emails_per_second']:.0f} "
        f"(lượt gửi sau tải: {load.get('sweep_emails', 0)} thư trong {load.get('sweep_seconds', 0):.1f} s)",
        f"Duyệt qua đường dẫn: {load.get('requests', 0)} yêu cầu, {load.get('achieved_rate', 0):.0f}/s "
        f"(đặt {load.get('rate', 0):.0f}/s, {load.get('web_workers', 0)} tiến trình web × "
        f"{load.get('web_threads', 0)} luồng), lỗi {load.get('errors', 0)}; "
        f"p50 {load.get('p50_ms', 0):.1f} ms, p95 {load.get('p95_ms', 0):.1f} ms, p99 {load.get('p99_ms', 0):.1f} ms "
        f"(các yêu cầu gửi sau giây đầu: p99 {load.get('p99_after_first_second_ms', 0):.1f} ms); "
        f"CPU của các tiến trình web mỗi yêu cầu: mở trang {load.get('open_cpu_ms', 0):.1f} ms, duyệt "
        f"{load.get('approve_cpu_ms', 0):.1f} ms",
        f"Bộ nhớ đỉnh (RSS) của tiến trình đo: trong đợt {result['phase_peak_rss_mb']:.0f} MB, cả lần đo (kể cả "
        f"sinh dữ liệu và kiểm tra kết quả) {result['peak_rss_mb']:.0f} MB; cả cây tiến trình "
        f"{result['peak_rss_tree_mb']:.0f} MB" + (
            f"; mỗi tiến trình tác nhân (có {result['options']['processes']}) tối đa "
            f"{result['actor_peak_rss_mb']:.0f} MB" if result["actor_peak_rss_mb"] else ""),
        f"Sinh tỉnh mẫu: {result['nominations']} đề nghị trong {result['setup_seconds']:.1f} s",
        f"Máy: {m['cpu']}, {m['cores']} lõi, {m['memory_gb']} GiB; Python {m['python']}; PostgreSQL "
        f"{m['postgresql']}; commit {m['commit']}; tốc độ lúc đo (phép tính cố định, ms CPU, ít hơn là nhanh hơn): "
        f"trước {m['speed_ms'][0]:.0f}, sau {m['speed_ms'][1]:.0f}",
        "Kết quả: đúng" if result["correct"] else "Kết quả: SAI — " + "; ".join(result["problems"]),
    ]
    return "\n".join(lines)


def parse(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(description="Đo một đợt thi đua cấp tỉnh trên PostgreSQL.")
    defaults = Options()
    parser.add_argument("--schools", type=int, default=defaults.schools)
    parser.add_argument("--blocks", type=int, default=defaults.blocks)
    parser.add_argument("--per-school", type=int, default=defaults.per_school)
    parser.add_argument("--rate", type=float, default=defaults.rate, help="yêu cầu duyệt mỗi giây")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="giây tối đa của phép thử tải")
    parser.add_argument("--web-workers", type=int, default=defaults.web_workers)
    parser.add_argument("--web-threads", type=int, default=defaults.web_threads, help="TDKT_WEB_THREADS của chúng")
    parser.add_argument("--review-batch", type=int, default=defaults.review_batch)
    parser.add_argument("--processes", type=int, default=defaults.processes,
                        help="số tiến trình cùng họp xét và chạy luồng (1: chỉ tiến trình đo)")
    parser.add_argument("--database-url", default=None, help="mặc định: tạo và xóa một CSDL PostgreSQL riêng")
    parser.add_argument("--json", dest="json_path", type=Path, default=None)
    parser.add_argument("--journal", type=Path, default=None, help="tệp ghi các thư máy chủ SMTP nhận được")
    parser.add_argument("--no-plans", dest="plans", action="store_false")
    options = Options(**vars(parser.parse_args(argv)))
    if not 1 <= options.blocks <= options.schools:
        raise SystemExit("Tham số không hợp lệ: cần 1 ≤ --blocks ≤ --schools (mỗi khối có một trường trưởng khối).")
    if options.per_school < MIN_PER_SCHOOL:
        raise SystemExit(f"Tham số không hợp lệ: --per-school phải từ {MIN_PER_SCHOOL} trở lên: mỗi trường đề nghị "
                         "một Chiến sĩ thi đua cơ sở, và bộ quy tắc giới hạn số này ở 15% số Lao động tiên tiến.")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    result = run(options)
    print(table(result))
    if result["plans"]:
        print(render(result["plans"]))
    if options.json_path:
        options.json_path.parent.mkdir(parents=True, exist_ok=True)
        options.json_path.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    return 0 if result["correct"] else 1


if __name__ == "__main__":
    sys.exit(main())
