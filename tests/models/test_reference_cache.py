"""Reference rows cached between sessions: read once, copied into each session, and never older than the
reference version read at the start of the transaction."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.orm import loading
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session, col, func, select

from models.cache import TABLES, ReferenceVersion, core_execute, lasting
from models.db import get_engine, new_session, table
from models.nomination import Nomination
from models.unit import Person, Unit, UnitKind
from tdkt.engine import _recipients
from tdkt.services import delegate
from tests.factories import make_district


@contextmanager
def statements(url: str) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM" in statement:  # "SELECT <first table>" (SQLite's BEGIN IMMEDIATE is left out)
            seen.append(statement.split()[0] + " " + statement.split("FROM")[1].split()[0])

    engine = get_engine(url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_second_session_reads_reference_rows_from_the_cache(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    session.commit()
    school = district.schools[0]
    with Session(get_engine(db_url)) as first, statements(db_url) as seen:
        loaded = first.get(Unit, school.id)
        people = first.exec(select(Person).where(Person.unit_id == school.id)).all()
        first.exec(select(Person.email, Person.role).where(Person.unit_id == school.id)).all()
    assert loaded is not None and people
    assert seen == ["SELECT referenceversion", "SELECT unit", "SELECT person", "SELECT person"]
    with Session(get_engine(db_url)) as second, statements(db_url) as seen:
        again = second.get(Unit, school.id)
        people_again = second.exec(select(Person).where(Person.unit_id == school.id)).all()
        columns = second.exec(select(Person.email, Person.role).where(Person.unit_id == school.id)).all()
        assert [tuple(row) for row in columns] == [(p.email, p.role) for p in people]
        other = second.get(Unit, district.schools[1].id)  # other parameters: another entry
        assert again is not None and again is not loaded and again.name == loaded.name
        assert [p.email for p in people_again] == [p.email for p in people] and people_again[0] in second
        assert other is not None and other.name == district.schools[1].name
    assert seen == ["SELECT referenceversion", "SELECT unit"]
    with Session(get_engine(db_url)) as third, statements(db_url) as seen:  # a query of other tables: not kept
        third.exec(select(Nomination).join(Unit, col(Unit.id) == Nomination.dossier_id)).all()
        third.exec(select(Nomination).join(Unit, col(Unit.id) == Nomination.dossier_id)).all()
        for _ in range(2):  # units read beside another table: not kept, though units alone are
            third.exec(select(Unit).join(Nomination, col(Unit.id) == Nomination.dossier_id)
                       .where(Unit.id == school.id)).all()
        for _ in range(2):  # nor units chosen by a subquery of another table
            third.exec(select(Unit).where(col(Unit.id).in_(select(Nomination.dossier_id)))).all()
    assert seen == ["SELECT nomination", "SELECT nomination", "SELECT unit", "SELECT unit", "SELECT unit",
                    "SELECT unit"]


def test_a_change_committed_elsewhere_is_seen_by_the_next_transaction(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    session.commit()
    head = district.heads[district.schools[0].id or 0]
    with Session(get_engine(db_url)) as reader:
        assert reader.get(Person, head.id).full_name == head.full_name
    with Session(get_engine(db_url)) as writer:  # through the ORM
        person = writer.get(Person, head.id)
        assert person is not None
        person.full_name = "Hiệu trưởng mới"
        writer.add(person)
        writer.commit()
    with Session(get_engine(db_url)) as reader:
        assert reader.get(Person, head.id).full_name == "Hiệu trưởng mới"
    with Session(get_engine(db_url)) as writer:  # by an UPDATE statement
        writer.execute(update(Person).where(col(Person.id) == head.id).values(full_name="Hiệu trưởng thứ ba"))
        writer.commit()
    with Session(get_engine(db_url)) as reader:
        assert reader.get(Person, head.id).full_name == "Hiệu trưởng thứ ba"
        assert reader.get(ReferenceVersion, 1).version >= 2


def test_a_change_made_with_sql_by_hand_is_seen_by_the_next_transaction(session: Session, db_url: str) -> None:
    """An operator's UPDATE in psql (here: a connection of the driver's own, outside SQLAlchemy) moves the version
    through the database's triggers, once per transaction on PostgreSQL, and the kept rows are dropped."""
    district = make_district(session, blocks=1, schools_per_block=2)
    session.commit()
    head = district.heads[district.schools[0].id or 0]
    with Session(get_engine(db_url)) as reader:
        assert reader.get(Person, head.id).full_name == head.full_name
        before = reader.get(ReferenceVersion, 1).version
    connection = get_engine(db_url).raw_connection()  # a connection of the driver (psycopg, sqlite3) itself
    try:
        cursor = connection.cursor()
        cursor.execute(f"UPDATE person SET full_name = 'Sửa tay trong psql' WHERE id = {head.id}")
        cursor.execute(f"UPDATE unit SET name = 'Trường sửa tay' WHERE id = {district.schools[1].id}")
        connection.commit()
    finally:
        connection.close()
    with Session(get_engine(db_url)) as reader:
        assert reader.get(Person, head.id).full_name == "Sửa tay trong psql"
        assert reader.get(Unit, district.schools[1].id).name == "Trường sửa tay"
        moved = reader.get(ReferenceVersion, 1).version - before
    assert moved == (1 if db_url.startswith("postgresql") else 2)  # SQLite: one per row written


def test_every_cached_table_has_the_triggers_that_move_the_version(session: Session, db_url: str) -> None:
    """The migration lists the tables as they were; a table added to models.cache.TABLES needs its triggers."""
    if db_url.startswith("postgresql"):
        rows = session.execute(text("SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                                    "WHERE t.tgname = 'reference_changed'")).all()
    else:
        rows = session.execute(text("SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' "
                                    "AND name LIKE 'reference_%'")).all()
    assert {name for (name,) in rows} == TABLES


def test_a_transaction_that_wrote_reference_rows_reads_them_from_the_database(session: Session,
                                                                                db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    session.commit()
    school_id = district.schools[0].id
    name = select(Unit.name).where(Unit.id == school_id)
    with Session(get_engine(db_url)) as first:
        assert first.exec(name).one() == district.schools[0].name  # kept
    with Session(get_engine(db_url)) as writer:
        writer.execute(update(Unit).where(col(Unit.id) == school_id).values(name="Trường đổi tên")
                       .execution_options(synchronize_session=False))
        assert writer.exec(name).one() == "Trường đổi tên"  # its own change, not the kept name
        writer.rollback()
    with Session(get_engine(db_url)) as reader:
        assert reader.exec(name).one() == district.schools[0].name


def test_a_row_the_session_holds_is_not_overwritten_by_a_kept_one(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    session.commit()
    school_id = district.schools[0].id
    with Session(get_engine(db_url)) as first:
        first.get(Unit, school_id)
    with Session(get_engine(db_url)) as second, second.no_autoflush:
        unit = second.exec(select(Unit).where(Unit.id == school_id)).one()
        unit.name = "Tên đang sửa"
        assert second.get(Unit, school_id) is unit
        assert second.exec(select(Unit).where(Unit.id == school_id)).one().name == "Tên đang sửa"


def test_a_value_worked_out_from_reference_rows_lasts_until_the_version_moves(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    session.commit()
    school_id, parent_id = district.schools[0].id, district.schools[0].parent_id
    worked: list[int] = []

    def office_of_school() -> int | None:
        worked.append(1)
        return session_of_load.exec(select(Unit.parent_id).where(Unit.id == school_id)).one()

    for _ in range(2):  # two requests, each its own session: worked out once
        with Session(get_engine(db_url)) as session_of_load:
            assert lasting(session_of_load, ("test office", school_id), office_of_school) == parent_id
    assert len(worked) == 1
    with Session(get_engine(db_url)) as session_of_load:  # a transaction that writes units works it out itself
        session_of_load.execute(update(Unit).where(col(Unit.id) == school_id).values(parent_id=None))
        assert lasting(session_of_load, ("test office", school_id), office_of_school) is None
        session_of_load.commit()
    assert len(worked) == 2
    with Session(get_engine(db_url)) as session_of_load:  # committed: the version moved, the kept value went
        assert lasting(session_of_load, ("test office", school_id), office_of_school) is None
        assert lasting(session_of_load, ("test office", school_id), office_of_school) is None  # once per session
    assert len(worked) == 3


def test_recipients_follow_a_delegation_made_after_they_were_kept(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    reviewer, head = district.people["phong_reviewer"], district.people["phong_head"]
    session.commit()
    on = date(2022, 10, 3)
    with Session(get_engine(db_url)) as first:
        assert [r[0] for r in _recipients(first, unit_id=head.unit_id, roles=["phong_head"], on=on)] == [head.email]
    with Session(get_engine(db_url)) as writer:
        delegate(writer, person=writer.get(Person, head.id), substitute=writer.get(Person, reviewer.id),
                 starts_on=on, ends_on=on + timedelta(days=5))
        writer.commit()
    with Session(get_engine(db_url)) as later:
        assert [r[0] for r in _recipients(later, unit_id=head.unit_id, roles=["phong_head"], on=on)] == [reviewer.email]


def test_the_sessions_of_tdkt_read_a_kept_row_by_its_key(session: Session, db_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`session.get` of a reference row in a session of `new_session` is answered by the row's class and key, not
    by the ORM's SELECT: never from another session's copy, never stale after a commit elsewhere, and from the
    database in a transaction that has written reference rows."""
    by_key = loading._load_on_pk_identity
    district = make_district(session, blocks=1, schools_per_block=2)
    session.commit()
    school_id, other_id = district.schools[0].id, district.schools[1].id
    with new_session(db_url) as first, statements(db_url) as seen:
        loaded = first.get(Unit, school_id)
    assert loaded is not None and seen == ["SELECT referenceversion", "SELECT unit"]
    selects: list[tuple[Any, ...]] = []  # the ORM's SELECTs by key, built whether or not the cache answers them

    def counted(*args: Any, **kwargs: Any) -> Any:
        selects.append(args)
        return by_key(*args, **kwargs)

    monkeypatch.setattr(loading, "_load_on_pk_identity", counted)
    with new_session(db_url) as second, statements(db_url) as seen:
        copy = second.get(Unit, school_id)
        assert selects == []
        assert copy is not None and copy is not loaded and copy.name == loaded.name and copy in second
        assert second.get(Unit, school_id) is copy
        copy.name = "Tên đang sửa"  # the session's own row is what it reads again, changes and all
        assert second.get(Unit, school_id).name == "Tên đang sửa"
        second.rollback()
    assert seen == ["SELECT referenceversion"]
    with new_session(db_url) as writer:
        writer.execute(update(Unit).where(col(Unit.id) == other_id).values(name="Trường đổi tên")
                       .execution_options(synchronize_session=False))
        with statements(db_url) as seen:
            assert writer.get(Unit, school_id).name == loaded.name
        assert seen == ["SELECT unit"]  # it wrote units: read from the database
        writer.commit()
    with new_session(db_url) as reader, statements(db_url) as seen:
        assert reader.get(Unit, school_id).name == loaded.name
        assert reader.get(Unit, other_id).name == "Trường đổi tên"
    assert seen == ["SELECT referenceversion", "SELECT unit", "SELECT unit"]  # the version moved: all read again


def test_the_sessions_of_tdkt_hold_the_reference_rows_they_load(session: Session, db_url: str) -> None:
    """The identity map holds rows weakly; a session of `new_session` keeps the reference rows it loads (read
    from the database here, not from the cache) until it closes, and only those."""
    district = make_district(session, blocks=1, schools_per_block=1)
    session.commit()
    school_id = district.schools[0].id
    fresh = select(Unit).where(Unit.id == school_id).execution_options(populate_existing=True)  # not cached
    with new_session(db_url) as kept:
        kept.exec(fresh).one()
        kept.exec(select(Nomination).execution_options(populate_existing=True)).all()
        gc.collect()
        assert identity_key(Unit, school_id) in kept.identity_map
        assert {type(row) for row in kept.info.get("kept", [])} == {Unit}
    with Session(get_engine(db_url)) as plain:
        plain.exec(fresh).one()
        gc.collect()
        assert identity_key(Unit, school_id) not in plain.identity_map


def test_a_core_statement_flushes_first_and_notes_a_reference_write(session: Session, db_url: str) -> None:
    """`core_execute` skips the ORM's layer, not its duties: what the session holds unflushed is written before
    the statement runs, and a write to a reference table makes the transaction read those from the database."""
    district = make_district(session, blocks=1, schools_per_block=2)
    session.commit()
    school_id, other_id = district.schools[0].id, district.schools[1].id
    count = select(func.count()).select_from(Unit).where(col(Unit.name) == "Trường mới mở")
    with new_session(db_url) as first:
        assert first.get(Unit, school_id) is not None  # kept by the process from here on
    with new_session(db_url) as adding:
        adding.add(Unit(code="TMM", name="Trường mới mở", kind=UnitKind.school, level="TH"))
        assert core_execute(adding, count).scalar_one() == 1  # flushed first, as Session.execute does
        adding.rollback()
    with new_session(db_url) as writer:
        core_execute(writer, update(table(Unit)).where(table(Unit).c.id == other_id).values(name="Đổi bằng Core"))
        with statements(db_url) as seen:
            assert writer.get(Unit, other_id).name == "Đổi bằng Core"
            assert writer.get(Unit, school_id) is not None
        assert seen == ["SELECT unit", "SELECT unit"]  # it wrote units: not from the process's rows
        writer.rollback()
    with new_session(db_url) as reader:
        assert core_execute(reader, count).scalar_one() == 0 and reader.get(Unit, other_id).name != "Đổi bằng Core"
