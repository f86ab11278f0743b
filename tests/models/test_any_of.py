"""`AnyOf`: a list parameter that PostgreSQL receives as one array and SQLite as an expanded IN."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session, col, select

from models.db import AnyOf, get_engine, new_session
from models.unit import Person, people_of
from tests.factories import make_district


def test_in_and_not_in_give_the_rows_of_the_list_on_both_databases(session: Session, db_url: str) -> None:
    make_district(session, blocks=1, schools_per_block=2)
    session.commit()
    every = session.exec(select(Person).order_by(col(Person.id))).all()
    ids = [p.id for p in every]
    chosen = ids[1:4]
    named = select(Person.id).where(AnyOf(Person.id, "ids")).order_by(col(Person.id))
    others = select(Person.id).where(AnyOf(Person.id, "ids", negate=True)).order_by(col(Person.id))
    assert session.exec(named, params={"ids": chosen}).all() == chosen
    assert session.exec(others, params={"ids": chosen}).all() == [i for i in ids if i not in chosen]
    assert session.exec(named, params={"ids": []}).all() == []
    assert session.exec(others, params={"ids": []}).all() == ids
    sql = str(named.compile(get_engine(db_url)))
    assert ("= ANY" in sql) == db_url.startswith("postgresql") and ("IN (" in sql) != db_url.startswith("postgresql")


def test_the_reference_cache_keys_its_answers_by_the_list(session: Session, db_url: str) -> None:
    """A reference SELECT with an `AnyOf` (a unit's people in some roles) is answered from the process's store
    by its SQL and parameters: another list of roles is another answer, not the one kept."""
    district = make_district(session, blocks=1, schools_per_block=1)
    session.commit()
    office_id = district.people["phong_reviewer"].unit_id
    with new_session(db_url) as first:
        reviewers = [p.role for p in people_of(first, unit_id=office_id, roles=["phong_reviewer"])]
    with new_session(db_url) as second:
        heads = [p.role for p in people_of(second, unit_id=office_id, roles=["phong_head"])]
        again = [p.role for p in people_of(second, unit_id=office_id, roles=["phong_reviewer"])]
    assert reviewers == again == ["phong_reviewer"] and heads == ["phong_head"]
    with new_session(db_url) as third:  # the kept answer, not a stale one: a role changed by hand is seen
        third.execute(text("UPDATE person SET role = 'phong_head' WHERE role = 'phong_reviewer'"))
        third.commit()
    with new_session(db_url) as fourth:
        assert [p.role for p in people_of(fourth, unit_id=office_id, roles=["phong_reviewer"])] == []
