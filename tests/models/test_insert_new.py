"""`insert_new` (the decision's award history rows): a province's decision writes more rows than one statement of
PostgreSQL can carry (65,535 parameters), and a row already there is left as it is."""

from __future__ import annotations

from sqlalchemy import func, insert
from sqlmodel import Session, select

from models.award import AwardRecord
from models.db import insert_new
from models.nomination import Nominee
from tests.factories import make_district


def test_more_rows_than_one_statement_carries_and_none_twice(session: Session) -> None:
    school = make_district(session, blocks=1, schools_per_block=1).schools[0]
    session.execute(insert(Nominee), [{"kind": "individual", "full_name": f"Giáo viên {i}", "unit_id": school.id}
                                      for i in range(17_000)])
    ids = list(session.exec(select(Nominee.id)).all())
    rows = [{"nominee_id": i, "title_code": "LDTT", "year": 2022, "decision_number": "1/QĐ-UBND"} for i in ids]
    insert_new(session, AwardRecord, rows, key=["nominee_id", "title_code", "year"])  # 68,000 values, 4 a row
    insert_new(session, AwardRecord, rows[:10] + [{**rows[0], "year": 2021}], key=["nominee_id", "title_code", "year"])
    session.commit()
    assert session.exec(select(func.count()).select_from(AwardRecord)).one() == 17_001
