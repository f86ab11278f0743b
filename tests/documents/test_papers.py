"""Generated papers read back: the tờ trình, biên bản, danh sách, the consolidated tờ trình and the decision hold
the right names, titles, tallies and totals in the layout of Nghị định 30/2020; a DOCX converts to PDF with
LibreOffice."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import date, time
from pathlib import Path

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from openpyxl import load_workbook
from sqlmodel import Session, select
from typer.testing import CliRunner

from config.route import default_route
from config.rules import campaign_rules
from config.vocabulary import DossierStatus, SubjectKind, UnitKind
from models.audit import AuditEvent, append
from models.campaign import Campaign, Phase
from models.decision import Decision, decision_entries
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus, Nominee
from models.unit import Person, Unit
from models.vote import Minutes
from tdkt import services
from tdkt.cli import app
from tdkt.common.errors import Refused
from tdkt.common.timefmt import local_today
from tdkt.documents import certificates
from tdkt.documents import papers as documents
from tdkt.documents.reports import office_report
from tdkt.services.proposal_numbers import number_proposal
from tdkt.services.staff import import_staff
from tdkt.workflow.engine import Verdict
from tests.factories import District, added, at, make_district, prepare_dossier, verify_and_decide
from tests.workflow import test_grantor_tracks as tracks

# the tests that print a paper through LibreOffice and read it back
prints = pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                            reason="LibreOffice or pdftotext is missing: `make office` installs them (make test does)")


def docx_text(content: bytes) -> str:
    """Every paragraph, including those in table cells, one per line."""
    doc = Document(io.BytesIO(content))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def docx_rows(content: bytes, table: int) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in Document(io.BytesIO(content)).tables[table].rows]


def _decided(session: Session) -> tuple[District, list[int], int]:
    district = make_district(session, blocks=1, schools_per_block=2)
    ids = [prepare_dossier(session, district, s, individuals=2, votes_for=11, present=12)[0] for s in district.schools]
    for school, dossier_id in zip(district.schools, ids, strict=True):
        services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(4))
    for dossier_id in ids:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(7))
    session.commit()
    return district, ids, district.phase_id


def test_school_proposal_minutes_and_list(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, noms = prepare_dossier(session, district, school, individuals=2, votes_for=10, present=12)

    proposal = docx_text(documents.school_proposal(session, dossier_id=dossier_id))
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in proposal and "Độc lập - Tự do - Hạnh phúc" in proposal
    assert "Số:      /TTr-TH" in proposal and "TỜ TRÌNH" in proposal and ", ngày " in proposal
    assert school.name.upper() in proposal and "PHÒNG GD&ĐT QUẢNG HÒA" in proposal
    assert "Lao động tiên tiến: 2; Tập thể lao động tiên tiến: 1" in proposal and "Nơi nhận:" in proposal
    assert f"Giáo viên 1 {school.code}" in proposal and "HIỆU TRƯỞNG" in proposal

    minutes = documents.council_minutes(session, dossier_id=dossier_id)
    rows = docx_rows(minutes, 1)
    assert rows[0] == ["TT", "Họ và tên / Tập thể", "Danh hiệu đề nghị", "Đồng ý", "Không đồng ý", "Tỉ lệ đồng ý"]
    assert rows[1][1:] == [f"Giáo viên 0 {school.code}", "Lao động tiên tiến", "10", "1", "83,3 %"]
    assert "Thành viên Hội đồng: 15; có mặt: 12" in docx_text(minutes)
    head = district.heads[school.id or 0].full_name  # no chair recorded: the head, in the text as at the foot
    assert f"Chủ trì: {head}. Thư ký: ……………." in docx_text(minutes) and docx_text(minutes).endswith(head)
    assert "28 tháng 10 năm 2022" in docx_text(minutes)

    sheet = load_workbook(io.BytesIO(documents.nominee_list(session, dossier_id=dossier_id))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG – {school.name.upper()}"
    assert values[3] == ("TT", "Họ và tên / Tập thể", "Chức vụ", "Đơn vị", "Danh hiệu, hình thức đề nghị",
                         "Số liệu cá nhân trong tập thể")
    assert [v[1] for v in values[4:7]] == [f"Giáo viên 0 {school.code}", f"Giáo viên 1 {school.code}", school.name]
    assert [v[5] for v in values[4:7]] == [None, None, "20 cá nhân: 20 hoàn thành nhiệm vụ, 15 đạt LĐTT, 2 đạt "
                                                       "CSTĐCS, 0 bị kỷ luật từ hình thức cảnh cáo trở lên"]
    assert (None, "Tổng cộng", None, None, "3 tập thể, cá nhân", None) in values
    assert (None, None, None, "Lao động tiên tiến", 2, None) in values


def test_consolidated_proposals_and_the_decision(session: Session) -> None:
    district, ids, phase_id = _decided(session)
    block = district.blocks[0]
    block_doc = docx_text(documents.block_proposal(session, block_id=block.id, phase_id=phase_id))
    assert "kiểm tra hồ sơ của 2 trường thành viên" in block_doc
    assert all(f"Giáo viên 0 {s.code}" in block_doc for s in district.schools)
    leader = district.leader_of(block)
    assert "TM. KHỐI THI ĐUA SỐ 1\nTRƯỞNG KHỐI\n" in block_doc and leader.full_name in block_doc
    assert "PHÒNG GD&ĐT QUẢNG HÒA" in block_doc  # the leader school's own parent body, not the block

    phong, noivu = (session.exec(select(Unit).where(Unit.code == code)).one() for code in ("pgd", "pnv"))
    phong_doc = docx_text(documents.office_proposal(session, phase_id=phase_id, office=phong))
    assert "khen thưởng 6 tập thể, cá nhân" in phong_doc and "Kính gửi: Chủ tịch UBND huyện Quảng Hòa." in phong_doc
    assert "Số:      /TTr-GDĐT" in phong_doc
    # signed by the head of the Phòng (phong_head), not by its first-entered reviewer; Nội vụ has no head here:
    # the name is left for its signer to write, never its officer's
    assert "TRƯỞNG PHÒNG\n" in phong_doc and "Lục Văn Bình" in phong_doc and "Nông Thị Hằng" not in phong_doc
    with pytest.raises(Refused, match="Phòng Nội vụ Quảng Hòa chưa duyệt đề nghị nào của Đợt 1"):
        documents.office_proposal(session, phase_id=phase_id, office=noivu)  # none verified yet: no empty paper

    ldtt, ttldtt = verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20),
                                     now=at(12))
    noivu_doc = docx_text(documents.office_proposal(session, phase_id=phase_id, office=noivu))
    assert "Phòng Nội vụ Quảng Hòa kính trình khen thưởng 6 tập thể, cá nhân" in noivu_doc
    assert "Số:      /TTr-NV" in noivu_doc and all(f"Giáo viên 0 {s.code}" in noivu_doc for s in district.schools)
    assert "Hoàng Thị Thắm" not in noivu_doc
    # drawn after the decision, the school's and the block's tờ trình keep the day of their act and their list
    school_doc = docx_text(documents.school_proposal(session, dossier_id=ids[0]))
    assert "Quảng Hòa, ngày 01 tháng 11 năm 2022" in school_doc  # submitted at(1)
    block_doc = docx_text(documents.block_proposal(session, block_id=block.id, phase_id=phase_id))
    assert "Quảng Hòa, ngày 04 tháng 11 năm 2022" in block_doc  # forwarded at(4)
    assert "kính trình 6 tập thể, cá nhân" in block_doc
    content = documents.decision_document(session, decision_id=ldtt.id or 0)
    text = docx_text(content)
    assert "Số: 25/QĐ-UBND" in text and "Quảng Hòa, ngày 20 tháng 11 năm 2022" in text and "QUYẾT ĐỊNH" in text
    assert "Về việc công nhận danh hiệu “Lao động tiên tiến” năm học 2022-2023" in text
    assert "Điều 1. Công nhận danh hiệu “Lao động tiên tiến” năm học 2022-2023 cho 4 cá nhân có tên" in text
    assert "Căn cứ Nghị định số 91/2017/NĐ-CP" in text and "Nguyễn Thành Hải" in text
    # the issuer's authority first, as in force on the day it signs; the proposal it answers, by its date
    assert text.index("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015") < text.index(
        "Căn cứ Luật Thi đua, khen thưởng") and "số 72/2025/QH15" not in text
    assert "Theo đề nghị của Phòng Giáo dục và Đào tạo và Phòng Nội vụ tại Tờ trình ngày 12/11/2022." in text
    assert "Phòng Nội vụ Quảng Hòa, ngày" not in noivu_doc and "Quảng Hòa, ngày 12 tháng 11 năm 2022" in noivu_doc
    # Nghị định 30/2020: the issuer written out; the authority's line and "QUYẾT ĐỊNH:" centred and bold
    assert "ỦY BAN NHÂN DÂN HUYỆN QUẢNG HÒA" in text and "UBND HUYỆN QUẢNG HÒA" not in text
    headings = {p.text for p in Document(io.BytesIO(content)).paragraphs
                if p.alignment == WD_ALIGN_PARAGRAPH.CENTER and all(r.bold for r in p.runs)}
    assert {"CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN QUẢNG HÒA", "QUYẾT ĐỊNH:"} <= headings
    # the money: 0,3 × the base salary of 20/11/2022 (1.490.000) = 447.000, rounded up to 450.000 a person
    assert "mỗi cá nhân được thưởng 450.000 đồng (0,3 lần mức lương cơ sở 1.490.000 đồng, Nghị định 38/2019/NĐ-CP)" \
        in text and "Tổng số tiền thưởng: 1.800.000 đồng" in text
    annex = docx_rows(content, 2)
    assert annex[0][-1] == "Số tiền (đồng)" and annex[1][:2] == ["II", "CÁ NHÂN"]  # no collective in this one
    assert len(annex) == 7 and {r[4] for r in annex[2:-1]} == {"Lao động tiên tiến"}
    assert annex[-1][1] == "Tổng cộng" and annex[-1][-1] == "1.800.000"
    assert "(Kèm theo Quyết định số 25/QĐ-UBND ngày 20/11/2022 của Chủ tịch Ủy ban nhân dân huyện Quảng Hòa)" in text
    collectives = documents.decision_document(session, decision_id=ttldtt.id or 0)
    assert ttldtt.number == "26/QĐ-UBND" and "Số: 26/QĐ-UBND" in docx_text(collectives)
    assert "danh hiệu “Tập thể lao động tiên tiến” năm học 2022-2023 cho 2 tập thể có tên" in docx_text(collectives)
    assert "mỗi tập thể được thưởng 1.200.000 đồng" in docx_text(collectives)  # 0,8 × 1.490.000 = 1.192.000
    assert [r[:2] for r in docx_rows(collectives, 2)[1:2]] == [["I", "TẬP THỂ"]]
    sheet = load_workbook(io.BytesIO(documents.decision_annex(session, decision_id=ldtt.id or 0))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert (None, "Tổng cộng", None, None, "4 tập thể, cá nhân", 1800000) in rows
    assert rows[3][-1] == "Số tiền (đồng)" and rows[4][-1] == 450000


def to_pdf(tmp_path: Path, papers: dict[str, bytes]) -> None:
    """Each paper (name: DOCX) printed to tmp_path/name.pdf by LibreOffice, in one run."""
    for name, content in papers.items():
        (tmp_path / f"{name}.docx").write_bytes(content)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *(str(tmp_path / f"{name}.docx") for name in papers)],
                   check=True, capture_output=True, timeout=300)


def pdf_text(content: bytes, tmp_path: Path, name: str = "paper") -> tuple[str, int]:
    """The paper as LibreOffice prints it: its text laid out line by line (pdftotext -layout), and its pages."""
    to_pdf(tmp_path, {name: content})
    pdf = tmp_path / f"{name}.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return text, int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


@prints
def test_the_decision_as_printed_keeps_its_heading_lines_whole(session: Session, tmp_path: Path) -> None:
    district, ids, _ = _decided(session)
    ldtt, _ = verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20),
                                now=at(12))
    text, pages = pdf_text(documents.decision_document(session, decision_id=ldtt.id or 0), tmp_path)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in lines)  # the Quốc hiệu on one line
    assert any("Quảng Hòa, ngày 20 tháng 11 năm 2022" in line for line in lines)  # and the date
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN QUẢNG HÒA" in lines and "QUYẾT ĐỊNH:" in lines  # centred lines of their own
    assert pages == 2  # the decision, and its annex on a page of its own


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: `make office` installs it (make test does)")
def test_a_generated_docx_converts_to_pdf_with_libreoffice(session: Session, tmp_path: Path) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, _ = prepare_dossier(session, district, district.schools[0])
    source = tmp_path / "to-trinh.docx"
    source.write_bytes(documents.school_proposal(session, dossier_id=dossier_id))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=120)
    pdf = (tmp_path / "to-trinh.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 5000


def test_certificates_one_per_granted_nominee_and_one_merged(session: Session, tmp_path: Path) -> None:
    district, ids, _ = _decided(session)
    decision, collectives = verify_and_decide(session, district, ids, number="26/QĐ-UBND",
                                              signed_on=date(2022, 11, 20), now=at(12))
    archive = zipfile.ZipFile(io.BytesIO(certificates.certificates_zip(session, decision_id=decision.id)))
    names = sorted(archive.namelist())
    granted = [e.nominee_name for e in decision_entries(session, decision_id=decision.id)]
    assert len(names) == len(granted) + 2 == 6 and {"tat-ca.docx", "in-tren-phoi.docx"} <= set(names)  # 4 LĐTT
    first = docx_text(archive.read(names[0]))
    assert granted[0] in first and "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN QUẢNG HÒA" in first
    assert "Quyết định số 26/QĐ-UBND" in first and "Số vào sổ: 1/2022" in first
    # the achievement says the year, without repeating the heading ("Đã có thành tích: Lao động tiên tiến")
    assert "CÔNG NHẬN\nLAO ĐỘNG TIÊN TIẾN" in first and "Đạt danh hiệu “Lao động tiên tiến” năm học 2022-2023" in first
    merged = docx_text(archive.read("tat-ca.docx"))
    assert all(name in merged for name in granted) and merged.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 4
    # the register's numbers run on across the issuer's decisions of the year: the next decision's start at 5
    later = zipfile.ZipFile(io.BytesIO(certificates.certificates_zip(session, decision_id=collectives.id)))
    assert "Số vào sổ: 5/2022" in docx_text(later.read(sorted(later.namelist())[0]))


def test_papers_that_cannot_be_made_yet_or_do_not_exist_are_refused(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=district.schools[0].id)
    session.commit()
    with pytest.raises(Refused) as no_vote:
        documents.council_minutes(session, dossier_id=dossier.id)
    assert (no_vote.value.code, no_vote.value.message) == (
        "no_vote", "Chưa ghi nhận biên bản họp xét nên chưa lập được biên bản.")
    with pytest.raises(Refused) as unknown:
        documents.dossier_paper(session, dossier_id=dossier.id, name="bao-cao.docx")
    assert unknown.value.code == "unknown_paper" and unknown.value.message.startswith(
        "Không có giấy tờ 'bao-cao.docx'. Có: ")
    with pytest.raises(Refused) as no_decision:
        certificates.certificates_zip(session, decision_id=404)
    assert (no_decision.value.code, no_decision.value.message) == ("not_found", "Không tìm thấy quyết định số 404.")
    ubnd = session.exec(select(Unit).where(Unit.code == "ubnd")).one()
    with pytest.raises(Refused) as no_step:
        documents.office_proposal(session, phase_id=district.phase_id, office=ubnd)
    assert (no_step.value.code, no_step.value.message) == (
        "no_step", "UBND huyện Quảng Hòa không xét duyệt hay thẩm định hồ sơ trên tuyến này nên không lập tờ trình "
                   "tổng hợp.")


def test_an_offices_proposal_lists_only_its_own_schools(session: Session) -> None:
    """A campaign spanning two districts: each Phòng GD&ĐT's tờ trình lists the approvals of its own schools."""
    district, _, phase_id = _decided(session)
    ubnd2 = added(session, Unit(code="ubnd-2", name="UBND huyện Hạ Lang", kind=UnitKind.ubnd_huyen))
    phong2 = added(session, Unit(code="pgd-2", name="Phòng GD&ĐT Hạ Lang", kind=UnitKind.phong_gddt,
                                 parent_id=ubnd2.id))
    school2 = added(session, Unit(code="th-hl", name="Trường Tiểu học Hạ Lang", kind=UnitKind.school, level="TH",
                                  parent_id=phong2.id))
    nominee = added(session, Nominee(kind=SubjectKind.individual, full_name="Đàm Thị Hoa", unit_id=school2.id))
    dossier = added(session, Dossier(phase_id=phase_id, school_id=school2.id, stage="noivu_verification",
                                     status=DossierStatus.in_review))
    session.add(Nomination(dossier_id=dossier.id, nominee_id=nominee.id, title_code="LDTT",
                           status=NominationStatus.approved))
    reviewer = added(session, Person(full_name="Nông Văn Duyệt", email="duyet@halang.test", role="phong_reviewer",
                                     unit_id=phong2.id))
    append(session, AuditEvent(at=at(3), phase_id=phase_id, dossier_id=dossier.id, actor_id=reviewer.id,
                               actor_role="phong_reviewer", action="approve", from_stage="phong_review",
                               to_stage="noivu_verification"))  # its own Phòng's review
    session.commit()
    phong = session.exec(select(Unit).where(Unit.code == "pgd")).one()
    first, second = (docx_text(documents.office_proposal(session, phase_id=phase_id, office=office))
                     for office in (phong, phong2))
    assert "khen thưởng 6 tập thể, cá nhân" in first and "Đàm Thị Hoa" not in first
    assert "khen thưởng 1 tập thể, cá nhân" in second and "Đàm Thị Hoa" in second
    assert not any(f"Giáo viên 0 {s.code}" in second for s in district.schools)


def test_every_paper_of_a_phase_is_filed_by_the_command_line(session: Session, tmp_path: Path) -> None:
    district, ids, _ = _decided(session)
    verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20), now=at(12))
    session.close()  # SQLite: the command reads without this session's transaction
    result = CliRunner().invoke(app, ["papers", "--out", str(tmp_path / "dot-1")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    written = sorted(str(p.relative_to(tmp_path / "dot-1")) for p in (tmp_path / "dot-1").rglob("*") if p.is_file())
    schools = [s.code for s in district.schools]
    assert written == sorted([
        *(f"truong/{code}/{name}" for code in schools for name in ("to-trinh.docx", "bien-ban.docx",
                                                                   "danh-sach.xlsx")),
        "khoi/khoi-0/to-trinh.docx", "pgd/to-trinh.docx", "pnv/to-trinh.docx", "pgd/bao-cao-so-ket.docx",
        *(f"quyet-dinh/{n}-qd-ubnd/{f}" for n in (25, 26) for f in ("quyet-dinh.docx", "phu-luc.xlsx",
                                                                     "giay-khen.zip"))])
    assert "Số: 26/QĐ-UBND" in docx_text((tmp_path / "dot-1/quyet-dinh/26-qd-ubnd/quyet-dinh.docx").read_bytes())
    assert "Sơ kết công tác thi đua, khen thưởng đợt 1" in docx_text((tmp_path / "dot-1/pgd/bao-cao-so-ket.docx")
                                                                    .read_bytes())
    assert "Đã ghi 16 giấy tờ của Đợt 1" in result.output
    assert "Chưa lập được de-nghi-cap-tren/to-trinh.docx: Đợt 1 chưa có đề nghị nào trình cấp trên" in result.output
    year = CliRunner().invoke(app, ["papers", "--year", "--out", str(tmp_path / "nam-hoc")], env={"COLUMNS": "200"})
    assert year.exit_code == 0 and "Đã ghi 16 giấy tờ của Đợt 1 vào" in year.output, year.output
    assert (tmp_path / "nam-hoc/dot-1/quyet-dinh/25-qd-ubnd/quyet-dinh.docx").is_file()
    assert "Đã ghi 2 giấy tờ của năm học 2022-2023" in year.output  # the year's own, beside its phases' folders
    assert "Tổng kết công tác thi đua, khen thưởng năm học 2022-2023" in docx_text(
        (tmp_path / "nam-hoc/bao-cao-tong-ket.docx").read_bytes())
    assert "Theo danh hiệu" in load_workbook(tmp_path / "nam-hoc/thong-ke.xlsx").sheetnames


def _staff_lists(session: Session, district: District) -> None:
    """Each school's staff list, with sex and direct teaching: the first school's complete, with a member of staff
    never nominated; the second's leaving its second teacher out (unrecorded)."""
    first, second = district.schools
    lists = {first.code: f"Giáo viên 0 {first.code},Nữ,Có\nGiáo viên 1 {first.code},nam,x\nNhân viên {first.code},Nữ,"
                         "Không\n",
             second.code: f"Giáo viên 0 {second.code},NỮ,không\n"}
    for code, rows in lists.items():
        content = ("Họ và tên,Giới tính,Trực tiếp giảng dạy\n" + rows).encode()
        import_staff(session, unit_code=code, content=content, filename="can-bo.csv")
    session.commit()


def test_each_tờ_trình_carries_its_number_and_the_decision_cites_it(session: Session) -> None:
    """The văn thư's number of each unit's tờ trình (school, block, office) is printed on it; the decision cites
    the one it was taken on (Nội vụ's, which put the dossiers to the chairman) by number and date."""
    district, ids, phase_id = _decided(session)
    school, block = district.schools[0], district.blocks[0]
    head = district.heads[school.id]
    number_proposal(session, phase_id=phase_id, unit=school, number="12/TTr-TH", actor=head)
    number_proposal(session, phase_id=phase_id, unit=block, number="3/TTr-KTĐ", actor=district.leader_of(block))
    with pytest.raises(Refused) as refused:  # another school's head
        number_proposal(session, phase_id=phase_id, unit=district.schools[1], number="4/TTr-TH", actor=head)
    assert refused.value.message == f"Chỉ người của {district.schools[1].name} ghi số tờ trình của đơn vị."
    with pytest.raises(Refused) as refused:
        number_proposal(session, phase_id=phase_id, unit=school, number="mười hai", actor=head)
    assert "Số tờ trình 'mười hai' không đúng dạng số/TTr-ký hiệu (ví dụ 15/TTr-PGDĐT)." in refused.value.message
    verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20), now=at(12))
    session.close()
    runner = CliRunner()
    done = runner.invoke(app, ["number", "--unit", "pnv", "--number", "5/TTr-NV", "--phase", "1"])
    assert done.exit_code == 0 and "Đã ghi số tờ trình 5/TTr-NV của Phòng Nội vụ Quảng Hòa, Đợt 1." in done.output, \
        done.output
    bad = runner.invoke(app, ["number", "--unit", "khong-co", "--number", "5/TTr-NV"])
    assert bad.exit_code == 1 and "Không có đơn vị mã 'khong-co'." in bad.output
    assert "Số: 12/TTr-TH" in docx_text(documents.school_proposal(session, dossier_id=ids[0]))
    assert "Số:      /TTr-TH" in docx_text(documents.school_proposal(session, dossier_id=ids[1]))  # not yet given
    assert "Số: 3/TTr-KTĐ" in docx_text(documents.block_proposal(session, block_id=block.id, phase_id=phase_id))
    noivu = session.exec(select(Unit).where(Unit.code == "pnv")).one()
    assert "Số: 5/TTr-NV" in docx_text(documents.office_proposal(session, phase_id=phase_id, office=noivu))
    [ldtt, _] = sorted(session.exec(select(Decision)).all(), key=lambda d: d.number)
    assert "Theo đề nghị của Phòng Giáo dục và Đào tạo và Phòng Nội vụ tại Tờ trình số 5/TTr-NV ngày 12/11/2022." \
        in docx_text(documents.decision_document(session, decision_id=ldtt.id or 0))
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "number_proposal")).all()
    assert [e.detail["after"] for e in events] == ["12/TTr-TH", "3/TTr-KTĐ"]  # the CLI's without --as: no actor


def test_the_years_statistics_count_titles_and_units_with_their_money(session: Session, tmp_path: Path) -> None:
    """Amounts and totals from the rule set for a year of mixed titles: LĐTT 0,3 and TTLĐTT 0,8 times the base
    salary of the decision's day (1.490.000 in 2022), rounded up to ten thousand đồng; the women and the teachers
    in direct teaching from the schools' staff lists, and each school's titles against its staff."""
    district, ids, _ = _decided(session)
    verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20), now=at(12))
    _staff_lists(session, district)
    session.close()
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "thong-ke.xlsx")], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Đã ghi thống kê năm học 2022-2023" in result.output, result.output
    book = load_workbook(tmp_path / "thong-ke.xlsx")
    assert list(book["Theo danh hiệu"].iter_rows(min_row=4, max_row=4, values_only=True)) == [(
        "Danh hiệu, hình thức", "Cá nhân", "Trong đó: nữ", "Trong đó: trực tiếp giảng dạy", "Tập thể",
        "Tiền thưởng (đồng)")]
    by_title = list(book["Theo danh hiệu"].iter_rows(min_row=5, values_only=True))
    assert by_title[:3] == [("Lao động tiên tiến", 4, 2, 2, 0, 4 * 450000),
                            ("Tập thể lao động tiên tiến", 0, 0, 0, 2, 2 * 1200000),
                            ("Tổng cộng", 4, 2, 2, 2, 4 * 450000 + 2 * 1200000)]
    assert by_title[3][0] == "Có 1 cá nhân chưa được ghi giới tính hoặc trực tiếp giảng dạy (danh sách cán bộ " \
                             "của trường)."
    by_unit = list(book["Theo đơn vị"].iter_rows(min_row=5, max_row=7, values_only=True))
    first, second = district.schools
    assert by_unit == [(first.name, 2, 1, 2, 1, 2 * 450000 + 1200000), (second.name, 2, 1, 0, 1, 2100000),
                       ("Tổng cộng", 4, 2, 2, 2, 4200000)]
    table = book["Biểu thống kê"]
    assert [c.value for c in table[4]][:5] == ["TT", "Đơn vị", "Tổng số cán bộ, giáo viên, nhân viên",
                                               "Lao động tiên tiến: số lượng", "Lao động tiên tiến: tỉ lệ"]
    rows = list(table.iter_rows(min_row=5, values_only=True))
    assert [r[:4] for r in rows] == [(1, first.name, 3, 2), (2, second.name, 2, 2)]
    assert rows[0][4] == pytest.approx(2 / 3) and rows[1][4] == 1 and [r[-2:] for r in rows] == [(1, 2), (1, 0)]
    assert table.cell(row=5, column=5).number_format == "0.0%"
    form = book["Biểu số lượng khen thưởng"]
    assert [c.value for c in form[4]][1:] == ["Mã số", "Đơn vị tính", "Tổng số", "Lao động tiên tiến",
                                              "Tập thể lao động tiên tiến"]
    counted = {row[1]: row[3:] for row in form.iter_rows(min_row=6, values_only=True) if row[1]}
    assert counted == {"01": (6, 4, 2), "02": (2, 0, 2), "05": (4, 4, 0), "10": (2, 2, 0), "11": (6, 4, 2),
                       "12": (0, 0, 0), "13": (0, 0, 0)}
    code = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "x.xlsx"), "--campaign", "khong-co"])
    assert code.exit_code == 1 and "Hãy chọn một phong trào bằng --campaign (có: qh-2022)" in code.output


def test_the_councils_full_record_keeps_every_count_and_both_signatures(session: Session) -> None:
    """The biên bản names the meeting's time and place, chair, secretary, absent members and counting committee,
    keeps the count of a nominee withdrawn before submission and of one the Phòng refused later, and is signed by
    the secretary and the chair — with no Nơi nhận."""
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, (first, second, collective) = prepare_dossier(session, district, school, individuals=2)
    services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 10, 28), members_total=15,
                         members_present=13, tallies={first.id: (12, 1), second.id: (11, 2), collective.id: (13, 0)},
                         minutes=Minutes(starts_at=time(14, 0), place="Phòng họp nhà trường",
                                         chair="Nông Thị Mai, Hiệu trưởng", secretary="Hà Thị Nga, giáo viên",
                                         absent="Lục Văn Tình (ốm), Đinh Văn Lâm (công tác)",
                                         counters="Hà Thị Nga, Triệu Văn Phong, Nông Thị Huyền"))
    services.withdraw_nomination(session, nomination_id=second.id or 0)
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], now=at(3), verdicts={
        first.id: Verdict("reject", "Chưa đủ minh chứng"), collective.id: Verdict("approve")})
    session.commit()

    content = documents.council_minutes(session, dossier_id=dossier_id)
    text = docx_text(content)
    assert "Vào hồi 14 giờ 00, ngày 28/10/2022, tại Phòng họp nhà trường, Hội đồng Thi đua – Khen thưởng" in text
    assert "Chủ trì: Nông Thị Mai, Hiệu trưởng. Thư ký: Hà Thị Nga, giáo viên." in text
    assert "Thành viên Hội đồng: 15; có mặt: 13; vắng mặt: 2 (Lục Văn Tình (ốm), Đinh Văn Lâm (công tác))." in text
    assert "Hình thức: bỏ phiếu kín. Ban kiểm phiếu: Hà Thị Nga, Triệu Văn Phong, Nông Thị Huyền." in text
    counted = docx_rows(content, 1)
    assert [r[1:] for r in counted[1:]] == [
        [f"Giáo viên 0 {school.code}", "Lao động tiên tiến", "12", "1", "92,3 %"],  # refused by the Phòng since
        [f"Giáo viên 1 {school.code}", "Lao động tiên tiến", "11", "2", "84,6 %"],  # withdrawn before submission
        [school.name, "Tập thể lao động tiên tiến", "13", "0", "100 %"]]
    signatures = docx_rows(content, 2)[0]
    assert signatures[0].startswith("THƯ KÝ\n(Ký, ghi rõ họ tên)") and "Hà Thị Nga, giáo viên" in signatures[0]
    assert signatures[1].startswith("CHỦ TỊCH HỘI ĐỒNG") and "Nông Thị Mai, Hiệu trưởng" in signatures[1]
    assert "Nơi nhận" not in text


def test_a_deputy_signs_for_the_head_and_an_acting_head_as_such(session: Session) -> None:
    """Nghị định 30/2020 Điều 13: "KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG" (seed 002), "TM. ỦY BAN NHÂN DÂN / KT. CHỦ
    TỊCH / PHÓ CHỦ TỊCH", "Q. GIÁM ĐỐC" — on the tờ trình and on a decision its deputy signs."""
    assert documents.signs_as("GIÁM ĐỐC", Person(full_name="A", email="a@x.test", role="so_director", unit_id=1,
                                                title="Quyền Giám đốc")) == "Q. GIÁM ĐỐC"
    assert documents.signs_as("CHỦ TỊCH", Person(full_name="A", email="a@x.test", role="chairman", unit_id=1,
                                               title="Phó Chủ tịch"), collective="ỦY BAN NHÂN DÂN") == \
        "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH\nPHÓ CHỦ TỊCH"
    district, ids, phase_id = _decided(session)
    head = district.people["phong_head"]
    head.title = "Phó Trưởng phòng"
    deputy = Person(full_name="Vi Thị Hoa", email="phochutich@qh.test", role="chairman", title="Phó Chủ tịch",
                    unit_id=district.people["chairman"].unit_id)
    session.add_all([head, deputy])
    session.commit()
    phong = session.exec(select(Unit).where(Unit.code == "pgd")).one()
    proposal = docx_text(documents.office_proposal(session, phase_id=phase_id, office=phong))
    assert "KT. TRƯỞNG PHÒNG\nPHÓ TRƯỞNG PHÒNG\n" in proposal and head.full_name in proposal
    for dossier_id in ids:
        services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify",
                     now=at(12))
    [decision, _] = services.decide(session, phase_id=phase_id, actor=deputy, signed_on=date(2022, 11, 20),
                                    now=at(13))
    session.commit()
    text = docx_text(documents.decision_document(session, decision_id=decision.id or 0))
    assert "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH\n" in text and "Vi Thị Hoa" in text
    first = zipfile.ZipFile(io.BytesIO(certificates.certificates_zip(session, decision_id=decision.id or 0)))
    assert "KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH" in docx_text(first.read(sorted(first.namelist())[0]))


def test_the_phase_and_year_reports_count_what_was_proposed_and_granted(session: Session, tmp_path: Path) -> None:
    """Sơ kết of a phase and tổng kết of the year (seeds 003, 004), by the command line and from the dashboard:
    schools that sent, nominations, granted, refused, the money by title, and the results by unit."""
    district, ids, phase_id = _decided(session)
    verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20), now=at(12))
    session.close()
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "so-ket.docx"), "--phase", "1"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "Đã ghi báo cáo sơ kết Đợt 1" in result.output, result.output
    content = (tmp_path / "so-ket.docx").read_bytes()
    text = docx_text(content)
    assert "BÁO CÁO" in text and "Sơ kết công tác thi đua, khen thưởng đợt 1, năm học 2022-2023" in text
    assert "2 trường đã gửi hồ sơ đề nghị khen thưởng 6 tập thể, cá nhân; 6 tập thể, cá nhân đã được khen thưởng, " \
           "0 không được đề nghị, 0 được đề nghị cấp trên khen thưởng. Tổng số tiền thưởng: 4.200.000 đồng." in text
    assert "Chưa có số liệu giới tính, trực tiếp giảng dạy của 4 cá nhân được khen thưởng (danh sách cán bộ của " \
           "các trường chưa ghi)." in text and "0 nữ" not in text
    assert docx_rows(content, 1)[1:] == [["1", "Lao động tiên tiến", "4", "0", "1.800.000"],
                                         ["2", "Tập thể lao động tiên tiến", "0", "2", "2.400.000"]]
    assert [r[1:] for r in docx_rows(content, 3)[1:]] == [[s.name, "2", "1", "2.100.000"] for s in district.schools]
    assert "TRƯỞNG PHÒNG" in text and "Lục Văn Bình" in text
    _staff_lists(session, district)
    session.close()
    year = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "tong-ket.docx")], env={"COLUMNS": "200"})
    text = docx_text((tmp_path / "tong-ket.docx").read_bytes())
    assert year.exit_code == 0 and "Tổng kết công tác thi đua, khen thưởng năm học 2022-2023" in text
    assert "Trong 4 cá nhân được khen thưởng có 2 nữ (50 %) và 2 người trực tiếp giảng dạy (50 %); 1 cá nhân chưa " \
           "được ghi giới tính hoặc trực tiếp giảng dạy." in text


@prints
def test_every_paper_as_printed(session: Session, tmp_path: Path) -> None:
    """Each paper of a routed phase through LibreOffice and back (pdftotext): the Quốc hiệu and the date on one
    line each, the signer's title and name, numbers as Vietnamese writes them, the pages expected."""
    district, ids, phase_id = _decided(session)
    ldtt, _ = verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20), now=at(12))
    phong, noivu = (session.exec(select(Unit).where(Unit.code == code)).one() for code in ("pgd", "pnv"))
    papers = {  # name: (content, a signature line, a line of its own, pages)
        "to-trinh-truong": (documents.school_proposal(session, dossier_id=ids[0]), "HIỆU TRƯỞNG", "TỜ TRÌNH", 1),
        "bien-ban": (documents.council_minutes(session, dossier_id=ids[0]), "CHỦ TỊCH HỘI ĐỒNG", "91,7 %", 1),
        "to-trinh-khoi": (documents.block_proposal(session, block_id=district.blocks[0].id or 0, phase_id=phase_id),
                          "TRƯỞNG KHỐI", "TM. KHỐI THI ĐUA SỐ 1", 1),
        "to-trinh-phong": (documents.office_proposal(session, phase_id=phase_id, office=phong), "TRƯỞNG PHÒNG",
                           "PHÒNG GIÁO DỤC VÀ ĐÀO", 1),  # the issuer written out (on two lines)
        "to-trinh-noi-vu": (documents.office_proposal(session, phase_id=phase_id, office=noivu), "TRƯỞNG PHÒNG",
                            "TỜ TRÌNH", 1),
        "quyet-dinh": (documents.decision_document(session, decision_id=ldtt.id or 0), "CHỦ TỊCH", "QUYẾT ĐỊNH:", 2),
        "bao-cao": (office_report(session, office=phong, phase_id=phase_id), "TRƯỞNG PHÒNG", "I. KẾT QUẢ", 2),
        "giay-khen": (zipfile.ZipFile(io.BytesIO(certificates.certificates_zip(session, decision_id=ldtt.id or 0)))
                      .read("tat-ca.docx"), "CHỦ TỊCH", "Số vào sổ: 4/2022", 4),  # a page for each of the four
    }
    to_pdf(tmp_path, {name: content for name, (content, *_rest) in papers.items()})
    for name, (_, signer, own_line, pages) in papers.items():
        pdf = tmp_path / f"{name}.pdf"
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                              text=True).stdout
        lines = [" ".join(line.split()) for line in text.splitlines()]
        assert any("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in line for line in lines), name
        assert any(re.search(r"Quảng Hòa, ngày \d\d tháng \d\d năm \d{4}", line) for line in lines), name
        assert any(line.endswith(signer) or f" {signer} " in f" {line} " for line in lines), (name, signer)
        assert any(own_line in line for line in lines), (name, own_line)
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
        assert f"Pages:{pages}\n" in info.replace(" ", ""), (name, info)


def test_each_office_proposes_what_its_own_step_passed_on_to_the_authority_that_decides_it(session: Session) -> None:
    """A Giấy khen of the Giám đốc Sở proposed by the Phòng: the Sở's tờ trình lists it, addressed to its Giám
    đốc, under the UBND tỉnh, signed GIÁM ĐỐC; the Phòng's lists the district's own Giấy khen only, before and
    after both decisions; an office whose step passed nothing on draws no tờ trình."""
    district = make_district(session, blocks=1, schools_per_block=1, quota=None, year_end=False)
    province = tracks.province(session, district)
    dossier_id, noms = tracks.at_phong(session, district)
    tai, lan, mai = (noms[n].id or 0 for n in ("Nông Văn Tài", "Hoàng Thị Lan", "Lục Thị Mai"))
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], now=at(3),
                 verdicts={tai: Verdict("approve"), lan: Verdict("forward_higher"), mai: Verdict("forward_higher")})
    so, phong = (session.exec(select(Unit).where(Unit.code == code)).one() for code in ("sgddt", "pgd"))
    with pytest.raises(Refused, match="Sở Giáo dục và Đào tạo tỉnh Cao Bằng chưa duyệt đề nghị nào"):
        documents.office_proposal(session, phase_id=district.phase_id, office=so)
    part = session.exec(select(Dossier).where(Dossier.grantor == "so_director")).one()
    services.act(session, dossier_id=part.id or 0, actor=province["so_reviewer"], now=at(8),
                 verdicts={lan: Verdict("approve"), mai: Verdict("reject", "Vượt chỉ tiêu của đợt")})
    services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify", now=at(9))
    services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                    signed_on=date(2022, 11, 18), now=at(18))
    [director] = services.decide(session, phase_id=district.phase_id, actor=province["so_director"],
                                 signed_on=date(2022, 11, 25), now=at(25))
    session.commit()
    decision = docx_text(documents.decision_document(session, decision_id=director.id or 0))
    assert "Điều 3. Chánh Văn phòng Sở, Trưởng các phòng thuộc Sở" in decision and "Trưởng phòng Nội vụ" not in decision
    assert "Cao Bằng, ngày 25 tháng 11 năm 2022" in decision and "GIÁM ĐỐC SỞ GIÁO DỤC VÀ ĐÀO TẠO" in decision

    so_doc = docx_text(documents.office_proposal(session, phase_id=district.phase_id, office=so))
    assert "UBND TỈNH CAO BẰNG\nSỞ GIÁO DỤC VÀ ĐÀO TẠO TỈNH CAO BẰNG" in so_doc and "Số:      /TTr-SGDĐT" in so_doc
    assert "Kính gửi: Giám đốc Sở Giáo dục và Đào tạo tỉnh Cao Bằng." in so_doc
    assert "kính trình khen thưởng 1 tập thể, cá nhân" in so_doc and "Hoàng Thị Lan" in so_doc
    assert "Nông Văn Tài" not in so_doc and "Lục Thị Mai" not in so_doc
    assert "GIÁM ĐỐC\n" in so_doc and "Hoàng Văn Sở" in so_doc and "TRƯỞNG PHÒNG" not in so_doc
    assert "Cao Bằng, ngày 08 tháng 11 năm 2022" in so_doc  # where the Sở sits, on the day of its review
    phong_doc = docx_text(documents.office_proposal(session, phase_id=district.phase_id, office=phong))
    assert "kính trình khen thưởng 1 tập thể, cá nhân" in phong_doc and "Nông Văn Tài" in phong_doc
    assert "Hoàng Thị Lan" not in phong_doc and "Kính gửi: Chủ tịch UBND huyện Quảng Hòa." in phong_doc
    assert "Quảng Hòa, ngày 03 tháng 11 năm 2022" in phong_doc
    assert "UBND HUYỆN QUẢNG HÒA\nPHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẢNG HÒA" in phong_doc
    # the UBND's proposal to the levels above still lists both, granted or refused there since, as of its day
    higher = docx_text(documents.higher_proposal(session, phase_id=district.phase_id))
    assert "kính trình xem xét, khen thưởng 2 tập thể, cá nhân" in higher and "Quảng Hòa, ngày 03 tháng 11" in higher
    assert "Hoàng Thị Lan" in higher and "Lục Thị Mai" in higher and "Nông Văn Tài" not in higher


def test_a_phase_is_named_once_with_its_school_year() -> None:
    campaign = Campaign(code="c", number="1/KH-UBND", theme="t", school_year="2022-2023", issuer_unit_id=1,
                        rule_set="nd91-2017")
    named = {name: documents.Setting(campaign=campaign, phase=Phase(campaign_id=1, number=1, name=name,
                                                                      starts_on=date(2022, 9, 1),
                                                                      ends_on=date(2023, 5, 31)),
                                     rules=campaign_rules(campaign), place="Quảng Hòa").phase_words
             for name in ("Đợt 1 (09/2022 – 11/2022)", "Tổng kết năm học 2022-2023", "Hội khỏe Phù Đổng")}
    assert named == {"Đợt 1 (09/2022 – 11/2022)": "đợt 1 (09/2022 – 11/2022), năm học 2022-2023",
                     "Tổng kết năm học 2022-2023": "tổng kết năm học 2022-2023",
                     "Hội khỏe Phù Đổng": "hội khỏe Phù Đổng, năm học 2022-2023"}


def test_an_office_reviews_at_its_own_steps_never_at_a_decision() -> None:
    """Which offices draw a tờ trình (and are offered one on the dashboard): those with a step of review or
    verification on the route; the chairmen who only decide have none."""
    route = default_route()
    steps = {kind: route.review_steps(kind) for kind in UnitKind if kind.is_office}
    assert {kind: found for kind, found in steps.items() if found} == {
        UnitKind.phong_gddt: {"phong_review"}, UnitKind.phong_noi_vu: {"noivu_verification"},
        UnitKind.so_gddt: {"so_review"}, UnitKind.so_noi_vu: {"province_appraisal", "province_council"}}


def test_a_tờ_trình_number_is_used_once_a_calendar_year(session: Session) -> None:
    """A unit numbers its papers from 01 each 1 January (Nghị định 30/2020, Phụ lục I): the same number for
    another phase's tờ trình, or another campaign's, is refused within the year and is free again the next."""
    district = make_district(session, blocks=1, schools_per_block=1)
    school, head = district.schools[0], district.heads[district.schools[0].id or 0]
    first = session.get(Phase, district.phase_id)
    campaign = session.get(Campaign, first.campaign_id)
    second = added(session, Phase(campaign_id=first.campaign_id, number=2, name="Đợt 2", starts_on=first.starts_on,
                                  ends_on=first.ends_on))
    other = added(session, Campaign(code="chuyen-de", number="7/KH-PGDĐT", theme="Chuyên đề",
                                    issuer_unit_id=campaign.issuer_unit_id, school_year=campaign.school_year,
                                    rule_set=campaign.rule_set))
    thematic = added(session, Phase(campaign_id=other.id, number=1, name="Đợt chuyên đề", starts_on=first.starts_on,
                                    ends_on=first.ends_on))
    given = number_proposal(session, phase_id=first.id or 0, unit=school, number="15/TTr-TH", actor=head)
    number_proposal(session, phase_id=first.id or 0, unit=school, number="15/TTr-TH", actor=head)  # itself again
    for phase in (second, thematic):
        with pytest.raises(Refused) as refused:
            number_proposal(session, phase_id=phase.id or 0, unit=school, number="15/TTr-TH", actor=head)
        assert refused.value.code == "number_taken" and f"tờ trình Đợt 1 của {school.name} trong năm " \
            f"{local_today().year}" in refused.value.message
    given.entered_at = given.entered_at.replace(year=given.entered_at.year - 1)  # given last year: a new series
    session.add(given)
    session.flush()
    assert number_proposal(session, phase_id=second.id or 0, unit=school, number="15/TTr-TH", actor=head).number \
        == "15/TTr-TH"
