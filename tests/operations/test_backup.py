"""Backup and restore of a routed phase, on SQLite and on PostgreSQL: the restored database has the same dossiers,
papers and audit trail (which verifies); a damaged archive, one of another schema revision, or a target that is
not empty is refused before anything is written."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect
from sqlmodel import Session, func, select
from typer.testing import CliRunner

from config.settings import get_settings
from models.audit import AuditEvent, verify
from models.db import dispose_engines, get_engine
from models.dossier import Dossier
from models.paper import Paper
from tdkt import services
from tdkt.cli import app
from tdkt.common.errors import Refused
from tdkt.services import attachments
from tdkt.services.backup import MANIFEST, backup, head_revision, restore
from tests.conftest import PG_ADMIN
from tests.factories import at, make_district, submit_school, verify_and_decide

PDF = b"%PDF-1.4\n% bao cao thanh tich\n%%EOF\n"


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where this test's papers are stored."""
    where = tmp_path / "files"
    monkeypatch.setenv("TDKT_FILES_DIR", str(where))
    get_settings.cache_clear()
    return where


@pytest.fixture
def empty_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of the same kind as the test's, with nothing in it (not even the schema)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"tdkt_restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield db_url.rsplit("/", 1)[0] + f"/{name}"
    dispose_engines()
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _routed_phase(session: Session) -> None:
    """Two schools' dossiers, one with a paper, through to the chairman's decision."""
    district = make_district(session, blocks=1, schools_per_block=2)
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    attachments.attach(session, dossier=dossier, person=district.heads[school.id or 0], kind="bao_cao_thanh_tich",
                       filename="bao-cao.pdf", content=PDF, start_stage="school_vote")
    ids = [submit_school(session, district, s, now=at(1))[0] for s in district.schools]
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    for dossier_id in ids:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(7))
    verify_and_decide(session, district, ids, number="15/QĐ-UBND", signed_on=date(2022, 11, 18), now=at(18))


def test_backup_then_restore_into_an_empty_database(session: Session, db_url: str, empty_url: str, files: Path,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _routed_phase(session)
    dossiers = session.exec(select(func.count()).select_from(Dossier)).one()
    session.close()
    archive = tmp_path / "tdkt.tar.gz"
    manifest = backup(archive, db_url)
    assert manifest.revision == head_revision() and manifest.counts["dossier"] == dossiers == 2
    paper_member = next(name for name in manifest.sha256 if name.startswith("files/"))

    monkeypatch.setenv("TDKT_FILES_DIR", str(tmp_path / "restored-files"))
    get_settings.cache_clear()
    restore(archive, empty_url)
    with Session(get_engine(empty_url)) as restored:
        assert restored.exec(select(func.count()).select_from(Dossier)).one() == dossiers
        paper = restored.exec(select(Paper)).one()
        assert attachments.storage_path(paper.sha256).read_bytes() == PDF
        assert paper_member.endswith(paper.sha256)
        assert verify(restored) == []  # the audit chain holds after a restore
        assert {d.stage for d in restored.exec(select(Dossier))} == {"decided"}


def _rewritten(source: Path, target: Path, change: dict[str, bytes]) -> Path:
    """A copy of the archive with some members' bytes replaced."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            stream = old.extractfile(member)
            body = change.get(member.name, stream.read() if stream else b"")
            member.size = len(body)
            new.addfile(member, io.BytesIO(body))
    return target


def test_a_damaged_archive_another_revision_or_a_full_target_is_refused(
        session: Session, db_url: str, empty_url: str, files: Path, tmp_path: Path) -> None:
    _routed_phase(session)
    session.close()
    archive = tmp_path / "tdkt.tar.gz"
    manifest = backup(archive, db_url)
    paper_member = next(name for name in manifest.sha256 if name.startswith("files/"))
    with tarfile.open(archive, "r:gz") as opened:
        stream = opened.extractfile(MANIFEST)
        assert stream is not None
        raw = json.loads(stream.read())

    cases = [
        (_rewritten(archive, tmp_path / "damaged.tar.gz", {paper_member: PDF + b"x"}),
         f"Tệp sao lưu bị hỏng: {paper_member} không khớp mã sha256"),
        (_rewritten(archive, tmp_path / "old.tar.gz", {MANIFEST: json.dumps({**raw, "revision": "0009"}).encode()}),
         "Bản sao lưu ở phiên bản lược đồ 0009"),
    ]
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases.append((truncated, "bị hỏng hoặc không phải tệp sao lưu của tdkt"))
    for bad, message in cases:
        with pytest.raises(Refused) as refused:
            restore(bad, empty_url)
        assert message in refused.value.message
        assert inspect(get_engine(empty_url)).get_table_names() == []  # nothing written
    with pytest.raises(Refused) as refused:
        restore(archive, db_url)
    assert "chỉ khôi phục vào một cơ sở dữ liệu trống" in refused.value.message


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_backup_and_restore_from_the_command_line(session: Session, db_url: str, files: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _routed_phase(session)
    session.close()
    archive = tmp_path / "sao-luu.tar.gz"
    runner = CliRunner()
    done = runner.invoke(app, ["backup", "--out", str(archive)], env={"COLUMNS": "200"})
    assert done.exit_code == 0 and f"Đã sao lưu vào {archive}" in done.output and "1 tệp giấy tờ" in done.output
    monkeypatch.setenv("TDKT_DATABASE_URL", f"sqlite:///{tmp_path / 'moi.db'}")
    get_settings.cache_clear()
    done = runner.invoke(app, ["restore", str(archive)], env={"COLUMNS": "200"})
    assert done.exit_code == 0 and "Đã khôi phục bản sao lưu" in done.output, done.output
    done = runner.invoke(app, ["audit", "verify"], env={"COLUMNS": "200"})
    assert done.exit_code == 0 and "Nhật ký toàn vẹn" in done.output
    done = runner.invoke(app, ["restore", str(archive)], env={"COLUMNS": "200"})
    assert done.exit_code == 1 and "chỉ khôi phục vào một cơ sở dữ liệu trống" in done.output
    done = runner.invoke(app, ["restore", str(tmp_path / "khong-co.tar.gz")], env={"COLUMNS": "200"})
    assert done.exit_code == 1 and "Không tìm thấy tệp" in done.output


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_scheduler_backs_up_daily_and_keeps_the_newest(session: Session, db_url: str, files: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import datetime

    from flows.scheduler import ANCHOR_JOB, BACKUP_JOB, Clock, SchedulerProcess, anchor_job
    from tdkt.services.backup import rotate

    _routed_phase(session)
    session.close()
    kept = tmp_path / "backups"
    kept.mkdir()
    for day in (1, 2, 3):
        rotate(kept, keep=2, now=datetime(2022, 11, day, 2, tzinfo=get_settings().tz))
    assert sorted(p.name for p in kept.iterdir()) == ["tdkt-20221102-020000.tar.gz", "tdkt-20221103-020000.tar.gz"]

    monkeypatch.setenv("TDKT_BACKUP_DIR", str(kept))
    monkeypatch.setenv("TDKT_BACKUP_HOUR", "3")
    get_settings.cache_clear()
    process = SchedulerProcess(clock=Clock.real(), interval=3600)
    assert process.tick()
    try:
        assert process.scheduler is not None
        job = process.scheduler.get_job(BACKUP_JOB)
        assert job is not None and str(job.trigger.fields[5]) == "3"  # cron fields: …, day_of_week, hour, …
        anchor = process.scheduler.get_job(ANCHOR_JOB)
        assert anchor is not None and str(anchor.trigger.fields[6]) == "0"  # hourly, on the hour
    finally:
        process.stop()
    monkeypatch.setenv("TDKT_AUDIT_ANCHOR_FILE", str(tmp_path / "neo" / "audit.jsonl"))
    get_settings.cache_clear()
    with Session(get_engine(db_url)) as fresh:
        last = fresh.exec(select(func.max(AuditEvent.seq))).one()
    assert anchor_job() == last  # the flow run the job starts: the head of the routed phase's chain, copied out
    line = (tmp_path / "neo" / "audit.jsonl").read_text(encoding="utf-8").splitlines()[-1]
    assert f'"seq": {last}' in line
