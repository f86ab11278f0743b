"""Lists as offices keep them: Excel's "Unicode text" (UTF-16, tabs), Windows-1258, schools written with their
usual abbreviations; a formula that carries no value, an over-long name and a file past the row limit are named
row by row or refused before being read — every row or none."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from config.settings import get_settings
from models.nomination import Nomination, Nominee
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.common.text import unit_key
from tdkt.services.importer import import_nominees
from tests.factories import make_district

SHAPES = "\u0302\u0306\u031b"  # circumflex, breve, horn: Windows-1258 has the letters with them precomposed
LIST = ("Họ và tên,Chức vụ,Đơn vị,Danh hiệu đề nghị\n"
        "Nguyễn Thị Hương,Giáo viên,{school},Lao động tiên tiến\n"
        "Đặng Văn Ánh,Tổ trưởng,{school},LĐTT\n")


def windows_1258(text: str) -> bytes:
    """As Vietnamese Windows writes it: the letters with their shape marks, then the tone as a combining mark."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", marks[0] + "".join(m for m in marks[1:] if m in SHAPES))
            out.append((base + "".join(m for m in marks[1:] if m not in SHAPES)).encode("cp1258"))
    return b"".join(out)


@pytest.fixture
def dossier(session: Session) -> tuple[int, str]:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    session.commit()
    return dossier.id or 0, school.name


@pytest.mark.parametrize("encode", [lambda t: t.replace(",", "\t").encode("utf-16"), windows_1258],
                         ids=["unicode-text", "windows-1258"])
def test_the_encodings_offices_save_in(session: Session, dossier: tuple[int, str], encode) -> None:  # type: ignore[no-untyped-def]
    dossier_id, school = dossier
    assert import_nominees(session, dossier_id=dossier_id, content=encode(LIST.format(school=school)),
                           filename="danh-sach.csv") == 2
    names = sorted(n.full_name for n in session.exec(select(Nominee)))
    assert names == ["Nguyễn Thị Hương", "Đặng Văn Ánh"]  # NFC, as typed on the form
    assert all(unicodedata.is_normalized("NFC", n) for n in names)


def test_a_school_written_with_its_abbreviations_is_recognised() -> None:
    assert unit_key("Trường PTDTBT TH Pha Long") == unit_key("Trường PTDTBT Tiểu học Pha Long")
    assert unit_key("THCS Bản Xen") == unit_key("Trường Trung học cơ sở Bản Xen")
    assert unit_key("Trường MN Bản Xen") != unit_key("Trường TH Bản Xen")


def _xlsx(rows: Sequence[Sequence[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_formula_without_a_value_and_an_over_long_name_are_named(session: Session, dossier: tuple[int, str]) -> None:
    dossier_id, school = dossier
    content = _xlsx([["Họ và tên", "Đơn vị", "Danh hiệu đề nghị"],
                     ['=CONCATENATE("Lò ","Văn Quý")', school, "LĐTT"],  # openpyxl writes no cached value
                     ["x" * 10_000, school, "LĐTT"],
                     ["Giàng Thị Dua", school, "LĐTT"]])
    with pytest.raises(Refused) as refused:
        import_nominees(session, dossier_id=dossier_id, content=content, filename="ds.xlsx")
    message = refused.value.message
    assert 'Dòng 2, cột Họ và tên: là công thức (=CONCATENATE("Lò ","Văn Quý")) chưa có giá trị' in message
    assert "Dòng 3, cột Họ và tên" in message and "200" in message
    assert "không được để trống" not in message
    session.rollback()
    assert session.exec(select(Nomination)).all() == []  # every row or none


def test_a_file_past_the_row_limit_is_refused(session: Session, dossier: tuple[int, str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    dossier_id, school = dossier
    monkeypatch.setenv("TDKT_IMPORT_MAX_ROWS", "20")
    get_settings.cache_clear()
    rows = "Họ và tên,Danh hiệu đề nghị\n" + "".join(f"Giáo viên {i},LĐTT\n" for i in range(40))
    for content, filename in ((rows.encode(), "ds.csv"),
                              (_xlsx([list[object](line.split(",")) for line in rows.splitlines()]), "ds.xlsx")):
        with pytest.raises(Refused) as refused:
            import_nominees(session, dossier_id=dossier_id, content=content, filename=filename)
        assert refused.value.code == "too_many_rows" and "hơn 20 dòng" in refused.value.message
    get_settings.cache_clear()
