"""Backup and restore: one archive of the database and the stored papers, with a manifest that says what is in it.

The archive (.tar.gz) holds `manifest.json` (the format, the database kind, the schema revision, each table's row
count, the sha256 of every other member), the database (SQLite's online backup, or PostgreSQL's `pg_dump` in its
custom format) and the papers under `files/`. A restore goes into an empty database only, refuses an archive of
another schema revision or of another database kind, and checks every member's sha256 before it writes anything.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

from config.settings import get_settings
from models.db import MIGRATIONS_DIR, dispose_engines, get_engine
from models.paper import Paper
from tdkt.common.errors import Refused
from tdkt.services.attachments import storage_path

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.pgdump"


@dataclass(frozen=True)
class Manifest:
    database: str  # sqlite | postgresql
    revision: str
    counts: dict[str, int]
    sha256: dict[str, str]  # member name → digest
    created_at: str

    def to_json(self) -> bytes:
        return json.dumps({"format": FORMAT, **self.__dict__}, ensure_ascii=False, indent=1).encode()


def head_revision() -> str:
    """The newest schema revision this code knows."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return str(ScriptDirectory.from_config(config).get_current_head())


def _revision(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for table in SQLModel.metadata.sorted_tables}


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as pg_dump and pg_restore read it (no driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise Refused("no_file", "Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu được.")
    return Path(database)


def _dump(url: str, work: Path) -> Path:
    if url.startswith("sqlite"):
        target = work / SQLITE_MEMBER
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # SQLite's online backup: a consistent copy while others write
        finally:
            copy.close()
            source.close()
        return target
    target = work / PG_MEMBER
    _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", _libpq(url)],
         "pg_dump")
    return target


def _run(command: list[str], tool: str) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    except FileNotFoundError as exc:
        raise Refused("no_tool", f"Không tìm thấy lệnh {tool} (cài gói postgresql-client cùng phiên bản máy chủ).") \
            from exc
    if done.returncode != 0:
        raise Refused("tool_failed", f"{tool} không chạy được: {done.stderr.strip()[:500]}")


def _digest(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def backup(out: Path, url: str | None = None) -> Manifest:
    """Write the archive of the database at `url` (the settings' by default) and its papers to `out`."""
    url = url or get_settings().database_url
    engine = get_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        revision, counts = _revision(engine), _counts(engine)
        members = {(dump := _dump(url, work)).name: dump}
        with engine.connect() as connection:
            digests = sorted(set(connection.execute(select(Paper.sha256)).scalars()))  # type: ignore[call-overload]
        members |= {f"files/{d[:2]}/{d}": storage_path(d) for d in digests if storage_path(d).exists()}
        manifest = Manifest(database="sqlite" if url.startswith("sqlite") else "postgresql", revision=revision,
                            counts=counts, sha256={name: _digest(path) for name, path in members.items()},
                            created_at=datetime.now(get_settings().tz).isoformat(timespec="seconds"))
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = out.with_name(out.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            info = tarfile.TarInfo(MANIFEST)
            body = manifest.to_json()
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
            for name, path in members.items():
                archive.add(path, arcname=name)
        partial.replace(out)  # a crash mid-write leaves no archive that looks whole
    return manifest


def read_manifest(archive_path: Path) -> tuple[Manifest, dict[str, Any]]:
    """The archive's manifest, with every member's sha256 checked; Refused, saying what is wrong, otherwise."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            raw = json.loads(_member(archive, MANIFEST))
            manifest = Manifest(**{k: raw[k] for k in ("database", "revision", "counts", "sha256", "created_at")})
            if raw.get("format") != FORMAT:
                raise Refused("bad_archive", f"Tệp sao lưu định dạng {raw.get('format')}, phần mềm đọc định dạng "
                                             f"{FORMAT}.")
            for name, digest in manifest.sha256.items():
                if hashlib.sha256(_member(archive, name)).hexdigest() != digest:
                    raise Refused("damaged_archive", f"Tệp sao lưu bị hỏng: {name} không khớp mã sha256 trong "
                                                     "manifest.json. Không khôi phục gì.")
    except (tarfile.TarError, EOFError, OSError, ValueError, KeyError, TypeError) as exc:
        raise Refused("damaged_archive", f"Tệp sao lưu {archive_path.name} bị hỏng hoặc không phải tệp sao lưu "
                                         f"của tdkt ({type(exc).__name__}). Không khôi phục gì.") from exc
    return manifest, raw


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    stream = archive.extractfile(name)
    if stream is None:
        raise KeyError(name)
    return stream.read()


def _is_empty(engine: Engine) -> bool:
    return not inspect(engine).get_table_names()


def restore(archive_path: Path, url: str | None = None) -> Manifest:
    """Restore the archive into the empty database at `url` (the settings' by default) and its papers."""
    url = url or get_settings().database_url
    manifest, _ = read_manifest(archive_path)
    kind = "sqlite" if url.startswith("sqlite") else "postgresql"
    if manifest.database != kind:
        raise Refused("other_database", f"Bản sao lưu của cơ sở dữ liệu {manifest.database}, không khôi phục vào "
                                        f"{kind} được.")
    if manifest.revision != head_revision():
        raise Refused("other_revision", f"Bản sao lưu ở phiên bản lược đồ {manifest.revision}, phần mềm này ở "
                                        f"{head_revision()}: hãy khôi phục bằng đúng phiên bản đã sao lưu, rồi "
                                        "nâng cấp bằng `tdkt init`.")
    if not _is_empty(get_engine(url)):
        raise Refused("not_empty", "Cơ sở dữ liệu đích đã có dữ liệu: chỉ khôi phục vào một cơ sở dữ liệu trống.")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive_path, "r:gz") as archive:
        work = Path(tmp)
        archive.extractall(work, filter="data")
        dispose_engines()
        if kind == "sqlite":
            target = _sqlite_path(url)
            target.unlink(missing_ok=True)  # empty (checked above): the copy takes its place
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(work / SQLITE_MEMBER, target)
        else:
            _run(["pg_restore", "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                  f"--dbname={_libpq(url)}", str(work / PG_MEMBER)], "pg_restore")
        for name in manifest.sha256:
            if name.startswith("files/"):
                stored = storage_path(name.rsplit("/", 1)[1])
                stored.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(work / name, stored)
    restored = _counts(get_engine(url))
    if restored != manifest.counts:
        wrong = [name for name in manifest.counts if restored.get(name) != manifest.counts[name]]
        raise Refused("count_mismatch", f"Đã khôi phục nhưng số dòng khác manifest ở bảng: {', '.join(wrong)}.")
    return manifest


def rotate(directory: Path, *, keep: int, now: datetime | None = None) -> Path:
    """The scheduler's backup: a new archive in `directory` named by its time, then only the `keep` newest kept."""
    moment = now or datetime.now(get_settings().tz)
    out = directory / f"tdkt-{moment:%Y%m%d-%H%M%S}.tar.gz"
    backup(out)
    for old in sorted(directory.glob("tdkt-*.tar.gz"))[:-keep]:
        old.unlink()
    return out
