"""Which office a unit answers to: found by walking up the tree, kept per ancestor."""

from __future__ import annotations

from sqlalchemy import event
from sqlmodel import Session

from config.route import OfficeRef, UnitRef
from config.vocabulary import UnitKind
from models.db import get_engine
from models.unit import Surroundings, Unit, find_office
from tests.factories import make_district


def test_each_school_finds_its_own_offices_and_schools_of_one_phong_share_the_answer(session: Session,
                                                                                     db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    phong = session.get(Unit, district.schools[0].parent_id)
    assert phong is not None and phong.parent_id is not None
    other_ubnd = Unit(code="ubnd-2", name="UBND huyện Hạ Lang", kind=UnitKind.ubnd_huyen)
    session.add(other_ubnd)
    session.flush()
    other_phong = Unit(code="pgd-2", name="Phòng GD&ĐT Hạ Lang", kind=UnitKind.phong_gddt, parent_id=other_ubnd.id)
    other_noivu = Unit(code="pnv-2", name="Phòng Nội vụ Hạ Lang", kind=UnitKind.phong_noi_vu, parent_id=other_ubnd.id)
    session.add_all([other_phong, other_noivu])
    session.flush()
    far_school = Unit(code="th-hl", name="Trường Tiểu học Hạ Lang", kind=UnitKind.school, parent_id=other_phong.id)
    session.add(far_school)
    session.commit()
    for _ in range(2):  # the second time, in a new session, from what the process kept
        with Session(get_engine(db_url)) as reader:
            schools = [reader.get(Unit, s.id) for s in district.schools] + [reader.get(Unit, far_school.id)]
            found = [(find_office(reader, start=s, kind=UnitKind.phong_gddt).name,
                      find_office(reader, start=s, kind=UnitKind.phong_noi_vu).name)
                     for s in schools]
            assert found == [("Phòng GD&ĐT Quảng Hòa", "Phòng Nội vụ Quảng Hòa")] * 2 + [
                ("Phòng GD&ĐT Hạ Lang", "Phòng Nội vụ Hạ Lang")]
            assert find_office(reader, start=schools[0], kind=UnitKind.so_gddt) is None
            assert find_office(reader, start=reader.get(Unit, phong.id), kind=UnitKind.phong_gddt).id == phong.id


def test_a_schools_surroundings_resolve_every_route_reference_from_one_query(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=2, schools_per_block=2)
    school = district.schools[1]  # not its block's leader
    leader = district.leader_of(district.block_of(school))
    leader_school = session.get(Unit, leader.unit_id)
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if statement.startswith(("SELECT", "WITH")):  # SQLite's BEGIN IMMEDIATE is no read
            statements.append(statement)

    engine = get_engine(db_url)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        around = Surroundings.of(session, school)
        refs: list[UnitRef] = ["school", "block_leader", *(OfficeRef(kind=k) for k in (
            UnitKind.phong_gddt, UnitKind.phong_noi_vu, UnitKind.ubnd_huyen, UnitKind.so_gddt))]
        resolved = {ref if isinstance(ref, str) else ref.kind.value: around.resolve(ref) for ref in refs}
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert {k: (u.name if u else None) for k, u in resolved.items()} == {
        "school": school.name, "block_leader": leader_school.name,
        "phong_gddt": "Phòng GD&ĐT Quảng Hòa", "phong_noi_vu": "Phòng Nội vụ Quảng Hòa",
        "ubnd_huyen": "UBND huyện Quảng Hòa", "so_gddt": None}


def test_a_loop_in_the_units_parents_ends_the_walk_up(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    phong = session.get(Unit, district.schools[0].parent_id)
    ubnd = session.get(Unit, phong.parent_id)
    ubnd.parent_id = phong.id  # bad data: the UBND under its own Phòng
    session.commit()
    around = Surroundings.of(session, district.schools[0])
    assert [u.name for u in around.ancestors()] == [district.schools[0].name, phong.name, ubnd.name]
    assert around.office(UnitKind.so_gddt) is None
    assert around.office(UnitKind.phong_noi_vu).name == "Phòng Nội vụ Quảng Hòa"
