"""An office sets itself up from the lists it keeps (#39): its units (schools, blocks with their leader, offices)
and each unit's staff, every row or none, problems by row and column; the same staff list in the encodings
offices save in imports the same people; a teacher who moves keeps the award history."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from config.route import default_route
from config.vocabulary import UnitKind
from models.award import AwardRecord
from models.nomination import Nominee
from models.outbox import OutboxMessage
from models.unit import Person, Unit, get_unit_by_code
from tdkt import services
from tdkt.cli import app
from tdkt.common.errors import Refused, TransitionRefused
from tdkt.services.staff import COLUMNS as STAFF_COLUMNS
from tdkt.services.staff import import_staff
from tdkt.services.units import COLUMNS, import_units, units_template
from tdkt.services.worklist import worklist
from tests.factories import at, make_district, prepare_dossier
from tests.security.test_imports import _xlsx, windows_1258

UNITS = [["Mã", "Tên", "Loại", "Khối", "Đơn vị quản lý", "Email", "Cấp học", "Trưởng khối"],
         ["th-na-hang", "Trường Tiểu học Nà Hang", "Trường", "khoi-a", "pgd-lam-binh", "", "TH", "x"],
         ["ubnd-lam-binh", "UBND huyện Lâm Bình", "UBND huyện", "", "", "", "", ""],
         ["pgd-lam-binh", "Phòng GD&ĐT huyện Lâm Bình", "Phòng GD&ĐT", "", "ubnd-lam-binh", "pgd@lb.test", "", ""],
         ["pnv-lam-binh", "Phòng Nội vụ huyện Lâm Bình", "phong_noi_vu", "", "ubnd-lam-binh", "", "", ""],
         ["khoi-a", "Khối thi đua Tiểu học", "Khối thi đua", "", "pgd-lam-binh", "", "", ""],
         ["thcs-thuong-lam", "Trường THCS Thượng Lâm", "Trường", "khoi-a", "pgd-lam-binh", "c2tl@lb.test", "THCS",
          ""]]
STAFF = ("Họ và tên,Ngày sinh,Mã định danh,Chức vụ,Giới tính,Trực tiếp giảng dạy,Email,Vai trò\n"
         "Ma Thị Hường,12/03/1980,,Hiệu trưởng,Nữ,Không,ht.nahang@lb.test,Hiệu trưởng\n"
         "Nguyễn Văn Định,05/09/1988,079088001234,Giáo viên,Nam,Có,,\n"
         "Nguyễn Văn Định,21/11/1992,,Giáo viên,,x,,\n")  # a namesake, told apart by the date of birth


def test_a_district_s_units_from_its_list_in_any_order(session: Session) -> None:
    assert import_units(session, content=_xlsx(UNITS), filename="donvi.xlsx") == (6, 0)
    session.commit()
    school, block, phong = (get_unit_by_code(session, code=c) for c in ("th-na-hang", "khoi-a", "pgd-lam-binh"))
    assert school and block and phong
    assert (school.kind, school.level, school.parent_id, school.block_id) == (UnitKind.school, "TH", phong.id,
                                                                             block.id)
    assert block.leader_school_id == school.id and phong.email == "pgd@lb.test"
    renamed = [UNITS[0], ["khoi-a", "Khối thi đua Tiểu học và THCS", "Khối thi đua", "", "pgd-lam-binh"]]
    assert import_units(session, content=_xlsx(renamed), filename="donvi.xlsx") == (0, 1)  # by code: updated
    session.commit()
    assert get_unit_by_code(session, code="khoi-a").name == "Khối thi đua Tiểu học và THCS"
    assert block.leader_school_id == school.id  # what the row leaves empty stays


def test_bad_unit_rows_are_named_and_nothing_is_stored(session: Session) -> None:
    rows = [UNITS[0],
            ["Trường Ví Dụ", "Trường Tiểu học Ví Dụ", "Trường", "", "", "", "", ""],
            ["th-a", "Trường Tiểu học A", "Trường học cơ sở", "", "", "", "", ""],
            ["th-b", "Trường Tiểu học B", "Trường", "khoi-khong-co", "pgd-khong-co", "b@", "TH", ""],
            ["th-b", "Trường Tiểu học B2", "Trường", "", "", "", "", "x"],
            ["khoi-x", "Khối X", "Khối thi đua", "", "", "", "", ""],
            ["th-c", "Trường Tiểu học C", "Trường", "khoi-x", "", "", "", "x"],
            ["th-d", "Trường Tiểu học D", "Trường", "khoi-x", "", "", "", "có"]]
    with pytest.raises(Refused) as refused:
        import_units(session, content=_xlsx(rows), filename="donvi.xlsx")
    message = refused.value.message
    for expected in (
            "Dòng 2, cột Mã: 'Trường Ví Dụ' không hợp lệ",
            "Dòng 3, cột Loại: 'Trường học cơ sở' không phải loại đơn vị",
            "Dòng 4, cột Email: 'b@' không phải địa chỉ email.",
            "Dòng 5, cột Mã: mã th-b đã có ở dòng 4.",
            "Dòng 4, cột Đơn vị quản lý: không có đơn vị mã pgd-khong-co",
            "Dòng 4, cột Khối: khoi-khong-co không phải mã một khối thi đua",
            "Dòng 5, cột Trưởng khối: trường trưởng khối phải ghi khối của mình.",
            "Dòng 8, cột Trưởng khối: khối khoi-x đã có trường trưởng khối ở dòng 7."):
        assert expected in message, message
    session.rollback()
    assert session.exec(select(Unit)).all() == []


def test_the_units_template_is_read_back_by_the_import(session: Session) -> None:
    template = units_template()
    assert [c.value for c in load_workbook(io.BytesIO(template)).active[1]] == list(COLUMNS.values())
    assert import_units(session, content=template, filename="mau-don-vi.xlsx") == (3, 0)


def _district(session: Session) -> None:
    import_units(session, content=_xlsx(UNITS), filename="donvi.xlsx")
    session.commit()


ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"), "utf-8-nfd": lambda t: unicodedata.normalize("NFD", t).encode("utf-8"),
    "utf-16": lambda t: t.replace(",", "\t").encode("utf-16"), "windows-1258": windows_1258}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_the_same_staff_list_in_every_encoding_imports_the_same_people(session: Session, encoding: str) -> None:
    _district(session)
    assert import_staff(session, unit_code="th-na-hang", content=ENCODINGS[encoding](STAFF),
                        filename="can-bo.csv") == 3
    session.commit()
    staff = sorted((n.full_name, n.birth_date.isoformat() if n.birth_date else "", n.identity_code or "", n.sex,
                    n.direct_teaching) for n in session.exec(select(Nominee)))
    assert staff == [("Ma Thị Hường", "1980-03-12", "", "female", False),
                     ("Nguyễn Văn Định", "1988-09-05", "079088001234", "male", True),
                     ("Nguyễn Văn Định", "1992-11-21", "", None, True)]
    head = session.exec(select(Person)).one()
    assert (head.full_name, head.email, head.role, head.title) == ("Ma Thị Hường", "ht.nahang@lb.test",
                                                                    "school_head", "Hiệu trưởng")
    again = import_staff(session, unit_code="th-na-hang", content=ENCODINGS[encoding](STAFF), filename="can-bo.csv")
    assert again == 3 and len(session.exec(select(Nominee)).all()) == 3  # the same people, not new ones


def test_bad_staff_rows_are_named_and_nothing_is_stored(session: Session) -> None:
    _district(session)
    bad = ("Họ và tên,Ngày sinh,Mã định danh,Chức vụ,Email,Vai trò,Giới tính,Trực tiếp giảng dạy\n"
           "Ma Thị Hường,31/02/1980,,Hiệu trưởng,ht@lb.test,Hiệu trưởng,,\n"
           ",,,,,,,\n"
           "Lò Văn Pả,,079 088,Giáo viên,,,,\n"
           "Hà Văn Tú,,,Giáo viên,tu@lb.test,Thủ quỹ,,\n"
           "Hà Thị Mai,,,Giáo viên,,Hiệu trưởng,,\n"
           "Hà Văn Long,,,Giáo viên,ht@lb.test,,,\n"
           "Hà Văn Sơn,,,Giáo viên,,,Ông,thỉnh giảng\n")
    with pytest.raises(Refused) as refused:
        import_staff(session, unit_code="th-na-hang", content=bad.encode("utf-8"), filename="can-bo.csv")
    message = refused.value.message
    for expected in ("Dòng 2, cột Ngày sinh:", "Dòng 4, cột Mã định danh: Mã định danh '079 088' không hợp lệ",
                     "Dòng 5, cột Vai trò: 'Thủ quỹ' không phải vai trò trên tuyến",
                     "Dòng 6, cột Email: người có vai trò cần email", "Dòng 7, cột Email: ht@lb.test đã có ở dòng 2.",
                     "Dòng 8, cột Giới tính: Giới tính 'Ông' không rõ: ghi Nam hoặc Nữ.",
                     "Dòng 8, cột Trực tiếp giảng dạy: Trực tiếp giảng dạy 'thỉnh giảng' không rõ"):
        assert expected in message, message
    session.rollback()
    assert session.exec(select(Nominee)).all() == [] and session.exec(select(Person)).all() == []


def test_a_teacher_who_moves_keeps_the_award_history(session: Session) -> None:
    _district(session)
    import_staff(session, unit_code="th-na-hang", content=STAFF.encode("utf-8"), filename="can-bo.csv")
    session.commit()
    teacher = session.exec(select(Nominee).where(Nominee.identity_code == "079088001234")).one()
    session.add(AwardRecord(nominee_id=teacher.id or 0, title_code="LDTT", year=2023))
    session.commit()
    moved = "Họ và tên,Ngày sinh,Mã định danh,Chức vụ\nNguyễn Văn Định,05/09/1988,079088001234,Tổ trưởng\n"
    import_staff(session, unit_code="thcs-thuong-lam", content=moved.encode("utf-8"), filename="can-bo.csv")
    session.commit()
    session.refresh(teacher)
    other = get_unit_by_code(session, code="thcs-thuong-lam")
    assert teacher.unit_id == other.id and teacher.position == "Tổ trưởng"
    assert [r.title_code for r in session.exec(select(AwardRecord).where(AwardRecord.nominee_id == teacher.id))] == \
        ["LDTT"]


def test_units_and_staff_from_the_command_line(session: Session, tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "donvi.xlsx").write_bytes(_xlsx(UNITS))
    result = runner.invoke(app, ["units", "import", "--file", str(tmp_path / "donvi.xlsx")])
    assert result.exit_code == 0 and "Đã nhập 6 đơn vị (6 mới, 0 cập nhật)." in result.output, result.output
    (tmp_path / "can-bo.csv").write_bytes(windows_1258(STAFF))
    result = runner.invoke(app, ["staff", "import", "--unit", "th-na-hang", "--file", str(tmp_path / "can-bo.csv")])
    assert result.exit_code == 0 and "Đã nhập 3 người vào th-na-hang." in result.output, result.output
    result = runner.invoke(app, ["staff", "import", "--unit", "khong-co", "--file", str(tmp_path / "can-bo.csv")])
    assert result.exit_code == 1 and "Không có đơn vị mã 'khong-co'" in result.output
    result = runner.invoke(app, ["units", "template", "--out", str(tmp_path / "mau.xlsx")])
    assert result.exit_code == 0 and (tmp_path / "mau.xlsx").exists()
    result = runner.invoke(app, ["staff", "template", "--out", str(tmp_path / "mau-can-bo.xlsx")])
    assert result.exit_code == 0, result.output
    assert [c.value for c in load_workbook(tmp_path / "mau-can-bo.xlsx").active[1]] == list(STAFF_COLUMNS.values())
    result = runner.invoke(app, ["staff", "import", "--unit", "th-na-hang", "--file",
                                 str(tmp_path / "mau-can-bo.xlsx")])
    assert result.exit_code == 0 and "Đã nhập 2 người vào th-na-hang." in result.output, result.output
    example = session.exec(select(Nominee).where(Nominee.full_name == "Lò Văn Minh")).one()
    assert (example.sex, example.direct_teaching) == ("male", True)


def test_a_role_given_for_one_school_year_holds_in_that_year_only(session: Session) -> None:
    """Roles are assigned per unit and per year: the head of 2021-2022, listed with that year, neither submits
    a 2022-2023 dossier nor is told of it; the head listed for 2022-2023 does both."""
    district = make_district(session, blocks=1, schools_per_block=1)  # its campaign's year: 2022-2023
    school = district.schools[0]
    listed = ("Họ và tên,Email,Vai trò,Năm học\n"
              "Lò Văn Cũ,cu@qh.test,Hiệu trưởng,2021-2022\n"
              "Lò Thị Mới,moi@qh.test,Hiệu trưởng,2022 - 2023\n")
    with pytest.raises(Refused) as refused:
        import_staff(session, unit_code=school.code, filename="can-bo.csv",
                     content=listed.replace("2021-2022", "2021-2023").encode("utf-8"))
    assert "Dòng 2, cột Năm học: '2021-2023' không phải năm học dạng 2026-2027." in refused.value.message
    session.rollback()
    import_staff(session, unit_code=school.code, content=listed.encode("utf-8"), filename="can-bo.csv")
    session.commit()
    old, new = (session.exec(select(Person).where(Person.email == e)).one() for e in ("cu@qh.test", "moi@qh.test"))
    assert (old.school_year, new.school_year) == ("2021-2022", "2022-2023")
    dossier_id, _ = prepare_dossier(session, district, school)
    for head, acts in ((old, False), (new, True)):  # the home page's list: to act on, or the school's to follow
        listed_items = worklist(session, person=head, route=default_route(), today=date(2022, 10, 20)).items
        assert [(i.dossier_id, i.can_act) for i in listed_items] == [(dossier_id, acts)]
    with pytest.raises(TransitionRefused) as wrong:
        services.submit(session, dossier_id=dossier_id, actor=old, now=at(1))
    assert wrong.value.code == "wrong_year" and "trong năm học 2021-2022, không phải năm học 2022-2023" in \
        wrong.value.message
    session.rollback()
    services.submit(session, dossier_id=dossier_id, actor=new, now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(5))
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                 now=at(7))
    session.commit()
    told = {m.recipient_email for m in session.exec(select(OutboxMessage).where(
        OutboxMessage.event == "dossier_approved"))}
    assert "moi@qh.test" in told and "cu@qh.test" not in told
