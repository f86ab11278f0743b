"""`insert_rows` and `upsert`: many rows in one statement, their values as one JSON parameter, on both databases."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.db import insert_rows, table, upsert
from models.nomination import Nominee, SubjectKind
from models.tally import TitleTally
from tests.factories import make_district


def test_rows_arrive_whole_and_in_order_after_what_the_session_held(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school_id = district.schools[0].id
    session.add(Nominee(kind=SubjectKind.individual, full_name="Đã thêm trước", unit_id=school_id))  # not flushed
    rows = [{"kind": kind, "full_name": name, "position": position, "unit_id": school_id} for kind, name, position in [
        (SubjectKind.individual, "Nguyễn Thị Ánh Tuyết", "Giáo viên"), (SubjectKind.collective, "Tổ Khối 1–2", None),
        (SubjectKind.individual, 'Lò Văn "Quý" <Tú>', "Phó hiệu trưởng, tổ trưởng")]]
    insert_rows(session, table(Nominee), rows)
    insert_rows(session, table(Nominee), [{"kind": "collective", "full_name": "Tổ Văn phòng", "unit_id": school_id}])
    insert_rows(session, table(Nominee), [])  # nothing to write: no statement
    session.commit()
    found = session.exec(select(Nominee).where(Nominee.unit_id == school_id).order_by(col(Nominee.id))).all()
    assert [(n.kind, n.full_name, n.position) for n in found] == [
        (SubjectKind.individual, "Đã thêm trước", None), *[(r["kind"], r["full_name"], r["position"]) for r in rows],
        (SubjectKind.collective, "Tổ Văn phòng", None)]  # an enum's stored name given as text


def test_upsert_adds_to_or_replaces_the_rows_it_meets_and_inserts_the_others(session: Session) -> None:
    phase_id = make_district(session, blocks=1, schools_per_block=1).phase_id
    key = ["phase_id", "title_code", "status"]

    def tally(title: str, status: str, count: int) -> dict[str, object]:
        return {"phase_id": phase_id, "title_code": title, "status": status, "count": count}

    upsert(session, TitleTally, [tally("LDTT", "approved", 3), tally("CSTDCS", "approved", 1)], key=key, add=["count"])
    upsert(session, TitleTally, [tally("LDTT", "approved", 2), tally("LDTT", "rejected", 1)], key=key, add=["count"])
    upsert(session, TitleTally, [tally("CSTDCS", "approved", 7)], key=key, replace=["count"])
    upsert(session, TitleTally, [], key=key, add=["count"])  # nothing to write: no statement
    session.commit()
    found = session.exec(select(TitleTally).where(TitleTally.phase_id == phase_id)).all()
    assert sorted((t.title_code, t.status, t.count) for t in found) == [
        ("CSTDCS", "approved", 7), ("LDTT", "approved", 5), ("LDTT", "rejected", 1)]
