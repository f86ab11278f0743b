"""Which office a unit answers to: found by walking up the tree, kept per ancestor."""

from __future__ import annotations

from sqlmodel import Session

from config.vocabulary import UnitKind
from models.db import get_engine
from models.unit import Unit, find_office
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
