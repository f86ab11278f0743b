"""Importing a nominee list from CSV or XLSX: all rows or none, errors by row and column, NFC names."""

from __future__ import annotations

import io
import unicodedata

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from config.vocabulary import SubjectKind
from models.nomination import Nomination, Nominee
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.services.importer import import_nominees
from tests.factories import make_district

HEADER = "STT,Họ và tên,Chức vụ,Đơn vị,Danh hiệu đề nghị,Thành tích\n"


def _dossier(session: Session) -> tuple[int, str]:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    return services.open_dossier(session, phase_id=district.phase_id, school_id=school.id).id, school.name


def _refusal(session: Session, dossier_id: int, content: bytes) -> str:
    """The message of an import refused (the transaction rolled back, as the CLI and the web page do)."""
    with pytest.raises(Refused) as refused:
        import_nominees(session, dossier_id=dossier_id, content=content, filename="ds.csv")
    session.rollback()
    return refused.value.message


def test_csv_loads_with_titles_by_code_abbreviation_or_name(session: Session) -> None:
    dossier_id, school = _dossier(session)
    nfd_name = unicodedata.normalize("NFD", "Nguyễn Thị Hồng Nhung")
    content = (HEADER + f"1,{nfd_name},Giáo viên,{school},LĐTT,Dạy giỏi cấp huyện\n"
               f"2,Lò Văn Quý,Tổ trưởng,,Chiến sĩ thi đua cơ sở,Sáng kiến cấp trường\n"
               f"3,{school},,,TTLDTT,Hoàn thành xuất sắc nhiệm vụ\n").encode()
    assert import_nominees(session, dossier_id=dossier_id, content=content, filename="danh-sach.csv") == 3
    session.commit()
    rows = {p.full_name: (n.title_code, p.kind) for n, p in session.exec(select(Nomination, Nominee).join(Nominee))}
    assert rows == {"Nguyễn Thị Hồng Nhung": ("LDTT", SubjectKind.individual),
                    "Lò Văn Quý": ("CSTDCS", SubjectKind.individual), school: ("TTLDTT", SubjectKind.collective)}
    assert unicodedata.is_normalized("NFC", next(iter(rows)))


def test_sex_and_direct_teaching_load_from_their_columns(session: Session) -> None:
    dossier_id, school = _dossier(session)
    header = HEADER.replace("\n", ",Giới tính,Trực tiếp giảng dạy\n")
    content = (header + f"1,Đinh Thị Hoa,Giáo viên,{school},LĐTT,,nữ,x\n2,Lò Văn Quý,Bảo vệ,,LĐTT,,Nam,không\n"
               "3,Vi Văn Sơn,Giáo viên,,LĐTT,,,\n").encode()
    assert import_nominees(session, dossier_id=dossier_id, content=content, filename="ds.csv") == 3
    session.commit()
    assert sorted((p.full_name, p.sex, p.direct_teaching) for p in session.exec(select(Nominee))) == [
        ("Lò Văn Quý", "male", False), ("Vi Văn Sơn", None, None), ("Đinh Thị Hoa", "female", True)]
    bad = (header + f"1,Hà Thị Mai,Giáo viên,{school},LĐTT,,Nữ giới,Có\n").encode()
    message = _refusal(session, dossier_id, bad)
    assert "Dòng 2, cột Giới tính: Giới tính 'Nữ giới' không rõ: ghi Nam hoặc Nữ." in message


def test_xlsx_loads(session: Session) -> None:
    dossier_id, school = _dossier(session)
    book = Workbook()
    sheet = book.active
    sheet.append(["DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG"])
    sheet.append(["STT", "HỌ VÀ TÊN", "Chức vụ", "Đơn vị", "Danh hiệu đề nghị", "Thành tích"])
    sheet.append([1, "Đinh Thị Hoa", "Giáo viên", school, "Lao động tiên tiến", "Chủ nhiệm giỏi"])
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_nominees(session, dossier_id=dossier_id, content=buffer.getvalue(), filename="ds.xlsx") == 1


def test_a_bad_row_loads_nothing_and_says_where(session: Session) -> None:
    dossier_id, school = _dossier(session)
    content = (HEADER + f"1,Nguyễn Văn An,Giáo viên,{school},LĐTT,\n"
               "2,Trần Thị Bình,Giáo viên,Trường THCS Bản Xen,Huân chương,\n"
               f"3,,Giáo viên,{school},LĐTT,\n").encode()
    message = _refusal(session, dossier_id, content)
    assert "Dòng 3, cột Danh hiệu đề nghị: 'Huân chương' không có" in message
    assert "Dòng 3, cột Đơn vị: 'Trường THCS Bản Xen' không phải" in message
    assert "Dòng 4, cột Họ và tên: không được để trống" in message
    assert session.exec(select(Nomination)).all() == []


@pytest.mark.parametrize(("content", "filename", "expected"), [
    (b"%PDF-1.7\n1 0 obj", "danh-sach.xlsx", "không phải .xlsx hoặc .csv"),
    (b"PK\x03\x04not really a zip", "danh-sach.xlsx", "không đọc được như một bảng tính Excel"),
    (b"%PDF-1.7\n1 0 obj", "danh-sach.pdf", "không phải .xlsx hoặc .csv"),
    ("Tên,Ghi chú\nA,B\n".encode(), "ds.csv", "Không tìm thấy dòng tiêu đề"),
    (b"\x81\x8d\x8f\x90\x9d" * 51, "ds.csv", "Không đọc được bảng mã của tệp ds.csv"),
    (b"", "ds.csv", "Tệp không có dòng nào"),
])
def test_malformed_files_are_refused(session: Session, content: bytes, filename: str, expected: str) -> None:
    dossier_id, _ = _dossier(session)
    with pytest.raises(Refused) as refused:
        import_nominees(session, dossier_id=dossier_id, content=content, filename=filename)
    assert expected in refused.value.message


FIGURES_HEADER = ("Họ và tên,Danh hiệu đề nghị,Tổng số cá nhân trong tập thể,Số cá nhân hoàn thành nhiệm vụ,"
                  "SỐ CÁ NHÂN ĐẠT LĐTT,Số cá nhân đạt CSTĐCS,Số cá nhân bị kỷ luật từ hình thức cảnh cáo trở lên\n")


def test_a_collectives_figures_load_from_their_columns(session: Session) -> None:
    dossier_id, school = _dossier(session)
    book = Workbook()
    sheet = book.active
    sheet.append(FIGURES_HEADER.strip().split(","))
    sheet.append([school, "TTLĐTT", 32, 32.0, 25, 3, 0])  # a whole number typed as 32.0 is still 32 people
    sheet.append(["Đinh Thị Hoa", "LĐTT", None, None, None, None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    assert import_nominees(session, dossier_id=dossier_id, content=buffer.getvalue(), filename="ds.xlsx") == 2
    session.commit()
    figures = {p.full_name: n.member_figures for n, p in session.exec(select(Nomination, Nominee).join(Nominee))}
    assert figures == {school: {"total": 32, "completed": 32, "LDTT": 25, "CSTDCS": 3, "disciplined": 0},
                       "Đinh Thị Hoa": None}


def test_figures_that_cannot_be_true_load_nothing_and_say_which_row(session: Session) -> None:
    dossier_id, school = _dossier(session)
    content = (FIGURES_HEADER + f"{school},TTLDTT,32,32,ba mươi,3,0\n"
               "Tổ Toán,TTLDTT,8,8,9,1,0\n"
               "Đinh Thị Hoa,LDTT,1,,,,\n").encode()
    message = _refusal(session, dossier_id, content)
    assert "Dòng 2: Số cá nhân đạt LĐTT: 'ba mươi' không phải số người (số nguyên từ 0)." in message
    assert "Dòng 3: Tổ Toán: Số cá nhân đạt LĐTT (9) nhiều hơn tổng số cá nhân trong tập thể (8)." in message
    assert "Dòng 4: Đinh Thị Hoa: số liệu cá nhân trong tập thể chỉ ghi cho tập thể." in message
    assert session.exec(select(Nomination)).all() == []


def test_a_row_naming_a_nominee_the_dossier_has_already_loads_nothing(session: Session) -> None:
    dossier_id, school = _dossier(session)
    services.add_nomination(session, dossier_id=dossier_id, full_name="Đinh Thị Hoa", kind=SubjectKind.individual,
                            title_code="LDTT")
    session.commit()
    content = (HEADER + f"1,Nguyễn Văn An,Giáo viên,{school},LĐTT,\n2,Đinh Thị Hoa,Giáo viên,{school},LĐTT,\n").encode()
    message = _refusal(session, dossier_id, content)
    assert message == "Không nhập dòng nào: dòng 3: Đinh Thị Hoa đã có trong hồ sơ với danh hiệu Lao động tiên tiến."
    assert [p.full_name for p in session.exec(select(Nominee)).all()] == ["Đinh Thị Hoa"]
