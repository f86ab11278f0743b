"""`insert_rows`: many rows in one statement, their values as one JSON parameter, on both databases."""

from __future__ import annotations

from sqlmodel import Session, col, select

from models.db import insert_rows, table
from models.nomination import Nominee, SubjectKind
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
