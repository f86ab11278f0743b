"""The audit trail is a hash chain: `tdkt audit verify` finds an edited event, a deleted one (in the middle
or at the end), on both databases; an untouched chain verifies."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from models.audit import AuditEvent, verify
from tdkt import services
from tdkt.cli import app
from tests.factories import at, make_district, prepare_dossier, submit_school


def _events(session: Session) -> list[AuditEvent]:
    district = make_district(session, blocks=1, schools_per_block=3)
    for school in district.schools:
        submit_school(session, district, school, now=at(1))
    session.commit()
    events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())
    assert [e.seq for e in events] == [1, 2, 3] and events[1].prev_hash == events[0].hash
    return events


def _audit_verify() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify"], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_an_untouched_chain_verifies(session: Session) -> None:
    _events(session)
    session.rollback()
    assert verify(session) == []
    session.rollback()
    code, output = _audit_verify()
    assert code == 0 and "3 sự kiện" in output and "toàn vẹn" in output


def test_an_edited_event_is_found(session: Session) -> None:
    events = _events(session)
    session.execute(text("UPDATE auditevent SET reason = 'sửa lén' WHERE id = :id"), {"id": events[1].id})
    session.commit()
    session.expire_all()  # the test's session cached the events before the raw UPDATE
    assert [b.seq for b in verify(session)] == [2]
    session.rollback()
    code, output = _audit_verify()
    assert code == 1 and "Sự kiện số 2" in output and "đã bị sửa" in output


def test_a_deleted_event_is_found_in_the_middle_and_at_the_end(session: Session) -> None:
    events = _events(session)
    session.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": events[1].id})
    session.commit()
    session.expire_all()
    assert [b.problem for b in verify(session)] == ["Thiếu sự kiện số 2: đã bị xóa."]
    session.execute(text("DELETE FROM auditevent WHERE id = :id"), {"id": events[2].id})
    session.commit()
    session.expire_all()
    problems = [b.problem for b in verify(session)]
    assert problems == ["Chuỗi dừng ở sự kiện số 1 nhưng đã ghi tới số 3: sự kiện cuối đã bị xóa hoặc sửa."]


def test_events_are_chained_as_written_and_an_undone_savepoint_leaves_no_gap(session: Session) -> None:
    """Events get their place in the chain when they are written; an event written inside a savepoint that was
    rolled back takes its place back with it (no hole, no orphan)."""
    district = make_district(session, blocks=1, schools_per_block=3)
    ids = [prepare_dossier(session, district, school)[0] for school in district.schools]

    def submit(index: int) -> None:
        services.submit(session, dossier_id=ids[index], actor=district.heads[district.schools[index].id or 0],
                        now=at(1))

    submit(0)
    assert [e.seq for e in session.exec(select(AuditEvent)).all()] == [1]
    savepoint = session.begin_nested()
    submit(1)
    savepoint.rollback()
    submit(2)
    session.commit()
    events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())
    assert [(e.seq, e.dossier_id) for e in events] == [(1, ids[0]), (2, ids[2])]
    assert events[0].prev_hash == "0" * 64 and events[1].prev_hash == events[0].hash
    session.rollback()
    assert verify(session) == []
