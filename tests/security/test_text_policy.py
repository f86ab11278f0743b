"""Text as it enters and leaves: one policy at the service entry (NFC, no control or bidi-override characters,
lengths within the columns, each refusal naming its field and writing nothing), papers that stored text cannot
break, and spreadsheets whose cells cannot run as formulas."""

from __future__ import annotations

import csv
import io
import unicodedata
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text
from sqlmodel import Session, func, select

from config.vocabulary import SubjectKind
from models.nomination import Nomination, Nominee
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.common.text import entered, printable, sheet_value
from tdkt.documents import papers, results
from tdkt.services.importer import import_nominees
from tests.documents.test_papers import docx_text
from tests.factories import at, make_district, prepare_dossier, verify_and_decide


def _count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Nomination)).one()


@pytest.mark.parametrize("name", ["Lò\x08Văn", "Lò Văn\x00", "Bel\x07", "Esc\x1b[31m", "Lò Văn\u202eQuý"])
def test_a_control_or_bidi_character_in_a_name_is_refused_naming_the_field(session: Session, name: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=district.schools[0].id or 0)
    before = _count(session)
    with pytest.raises(Refused) as refused:
        services.add_nomination(session, dossier_id=dossier.id or 0, full_name=name, kind=SubjectKind.individual,
                                title_code="LDTT")
    assert refused.value.code == "bad_characters" and refused.value.message.startswith("Họ và tên")
    session.rollback()
    assert _count(session) == before


def test_lengths_beyond_the_columns_are_refused(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=district.schools[0].id or 0)
    for field, kwargs in (("Họ và tên", {"full_name": "a" * 10_000}),
                          ("Chức vụ", {"full_name": "Lò Văn Quý", "position": "p" * 121})):
        with pytest.raises(Refused) as refused:
            services.add_nomination(session, dossier_id=dossier.id or 0, kind=SubjectKind.individual,
                                    title_code="LDTT", **kwargs)  # type: ignore[arg-type]
        assert refused.value.code == "too_long" and refused.value.message.startswith(field)


def test_a_name_typed_decomposed_is_the_same_nominee_as_the_precomposed_one(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=district.schools[0].id or 0)
    composed = "Nguyễn Thị Hương"
    services.add_nomination(session, dossier_id=dossier.id or 0, full_name=composed, kind=SubjectKind.individual,
                            title_code="LDTT")
    with pytest.raises(Refused) as refused:
        services.add_nomination(session, dossier_id=dossier.id or 0, full_name=unicodedata.normalize("NFD", composed),
                                kind=SubjectKind.individual, title_code="LDTT")
    assert refused.value.code == "duplicate"
    assert session.exec(select(Nominee.full_name).where(Nominee.unit_id == district.schools[0].id)).all() == [composed]


def test_an_import_reports_every_bad_row_and_stores_nothing(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=district.schools[0].id or 0)
    session.commit()
    book = Workbook()
    sheet = book.active
    sheet.append(["Họ và tên", "Chức vụ", "Danh hiệu đề nghị"])
    sheet.append(["Lò Văn Quý", "Giáo viên", "LĐTT"])
    sheet.append(["x" * 10_000, "Giáo viên", "LĐTT"])
    sheet.append(["Hà Thị Nhàn", "c" * 200, "LĐTT"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(Refused) as refused:
        import_nominees(session, dossier_id=dossier.id or 0, content=out.getvalue(), filename="ds.xlsx")
    assert "Dòng 3, cột Họ và tên: dài 10000 ký tự, tối đa 200" in refused.value.message
    assert "Dòng 4, cột Chức vụ: dài 200 ký tự, tối đa 120" in refused.value.message
    session.rollback()
    assert _count(session) == 0


def test_papers_of_a_name_stored_with_a_control_character_still_render(session: Session) -> None:
    """Text written before the entry checks (or by hand) must not stop the school's papers."""
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])
    session.execute(text("UPDATE nominee SET full_name = :name WHERE id = :id"),
                    {"name": "Lò\x08Văn Quý", "id": noms[0].nominee_id})
    session.commit()
    session.expire_all()
    for name in papers.DOSSIER_PAPERS:
        content, _ = papers.dossier_paper(session, dossier_id=dossier_id, name=name)
        assert content
    proposal = docx_text(papers.school_proposal(session, dossier_id=dossier_id))
    assert "LòVăn Quý" in proposal
    listing = load_workbook(io.BytesIO(papers.nominee_list(session, dossier_id=dossier_id))).active
    assert any(c.value == "LòVăn Quý" for row in listing.iter_rows() for c in row)


def test_exports_neutralise_formulas(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    formula = '=HYPERLINK("http://x","bấm")'
    services.add_nomination(session, dossier_id=dossier.id or 0, full_name=formula, kind=SubjectKind.individual,
                            title_code="LDTT")
    session.commit()
    listing = load_workbook(io.BytesIO(papers.nominee_list(session, dossier_id=dossier.id or 0))).active
    cells = [c for row in listing.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == "'" + formula for c in cells)
    found = results.Granted(decision_id=1, number="1/QĐ-UBND", signed_on=date(2022, 11, 18), issuer="UBND",
                            signer="Chủ tịch", name="+cmd|' /C calc'!A0", position="@SUM(1)", unit="-2+3",
                            title="Lao động tiên tiến")
    content, _ = results.export([found], fmt="csv")
    row = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))[1]
    assert row[4:7] == ["'+cmd|' /C calc'!A0", "'@SUM(1)", "'-2+3"]
    sheet = load_workbook(io.BytesIO(results.export([found], fmt="xlsx")[0])).active
    assert [c.value for c in sheet[2]][4:7] == ["'+cmd|' /C calc'!A0", "'@SUM(1)", "'-2+3"]


def test_the_helpers_keep_what_is_text_and_numbers_as_numbers() -> None:
    assert sheet_value(12) == 12 and sheet_value("Lò Văn Quý") == "Lò Văn Quý" and sheet_value("a=b") == "a=b"
    assert printable("a\x00b\x0bc\td\ne") == "abc\td\ne"
    assert entered("Thành tích", "  dòng 1\n dòng 2 ", max_length=50, multiline=True) == "dòng 1\n dòng 2"
    assert entered("Chức vụ", "  Giáo   viên ", max_length=50) == "Giáo viên"


def test_a_decisions_papers_hold_a_stored_control_character(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])
    services.submit(session, dossier_id=dossier_id, actor=district.heads[district.schools[0].id], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                 now=at(3))
    session.commit()
    decision, _ = verify_and_decide(session, district, [dossier_id], number="3/QĐ-UBND",
                                    signed_on=date(2022, 11, 18), now=at(4))
    session.execute(text("UPDATE decisionentry SET nominee_name = :name WHERE decision_id = :id"),
                    {"name": "Lò\x08Văn", "id": decision.id})
    session.commit()
    assert "LòVăn" in docx_text(papers.decision_document(session, decision_id=decision.id or 0))
    assert papers.decision_annex(session, decision_id=decision.id or 0)
