"""Three rewrites of the audit trail by someone who can write the database but holds no key outside it, each
named by `tdkt audit verify`: the last events deleted and the head moved back, everything wiped and the head
reset (both caught by an anchor copied outside the database), an event edited and the chain recomputed as the
old unkeyed sha256 chain was (caught by the keyed chain itself)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from models.audit import AuditEvent, verify
from tdkt.cli import app
from tests.factories import at, make_district, submit_school


def _events(session: Session) -> list[AuditEvent]:
    district = make_district(session, blocks=1, schools_per_block=3)
    for school in district.schools:
        submit_school(session, district, school, now=at(1))
    session.commit()
    return list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())


def _tdkt(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def _anchor(session: Session, tmp_path: Path) -> Path:
    session.rollback()  # end the read: SQLite transactions take the write lock
    anchors = tmp_path / "neo.jsonl"
    code, output = _tdkt("audit", "anchor", "--file", str(anchors))
    assert code == 0 and "Đã neo sự kiện số 3" in output
    return anchors


def test_the_last_events_deleted_and_the_head_moved_back(session: Session, tmp_path: Path) -> None:
    events = _events(session)
    anchors = _anchor(session, tmp_path)
    session.execute(text("DELETE FROM auditevent WHERE seq > 1"))
    session.execute(text("UPDATE auditchain SET last_seq = 1, last_hash = :h WHERE id = 1"), {"h": events[0].hash})
    session.commit()
    session.expire_all()
    assert verify(session) == []  # consistent in itself: only the anchor knows there was more
    session.rollback()
    code, output = _tdkt("audit", "verify", "--anchor", str(anchors))
    assert code == 1 and "sự kiện số 3 không còn trong nhật ký" in output


def test_everything_wiped_and_the_head_reset(session: Session, tmp_path: Path) -> None:
    _events(session)
    anchors = _anchor(session, tmp_path)
    session.execute(text("DELETE FROM auditevent"))
    session.execute(text("UPDATE auditchain SET last_seq = 0, last_hash = :h WHERE id = 1"), {"h": "0" * 64})
    session.commit()
    code, output = _tdkt("audit", "verify")
    assert code == 0  # an empty trail is a valid one …
    code, output = _tdkt("audit", "verify", "--anchor", str(anchors))
    assert code == 1 and "Mốc neo lúc" in output and "không còn trong nhật ký" in output  # … but not this one


def _unkeyed(event: AuditEvent, prev: str) -> str:
    """The chain's hash as it was before it was keyed: what anyone with the database could compute."""
    fields = {"seq": event.seq, "prev": prev, "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
              "phase_id": event.phase_id, "dossier_id": event.dossier_id, "actor_id": event.actor_id,
              "actor_role": event.actor_role, "action": event.action, "from_stage": event.from_stage,
              "to_stage": event.to_stage, "reason": event.reason, "late": event.late, "detail": event.detail}
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_an_event_edited_and_the_chain_recomputed_without_the_key(session: Session) -> None:
    events = _events(session)
    events[1].reason = "sửa lén"
    prev = "0" * 64
    for event in events:  # the whole chain recomputed, as an attacker would, and written back
        event.prev_hash, event.hash = prev, _unkeyed(event, prev)
        prev = event.hash
    session.add_all(events)
    session.execute(text("UPDATE auditchain SET last_hash = :h WHERE id = 1"), {"h": prev})
    session.commit()
    session.expire_all()
    assert [b.seq for b in verify(session)] == [1, 2, 3]
    session.rollback()
    code, output = _tdkt("audit", "verify")
    assert code == 1 and "Sự kiện số 2" in output and "đã bị sửa" in output
