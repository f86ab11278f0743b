"""An office's own paper templates (docxtpl): a replaced template is used for the next paper, without code; one
naming a field tdkt does not fill is refused with the field's name; the pages install and remove them."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from sqlmodel import Session, select

from models.audit import AuditEvent
from tdkt.common.errors import Refused
from tdkt.documents import certificates, layout, papers, templates
from tdkt.documents.build_templates import parts
from tests.documents.test_papers import _decided, docx_text, prints, to_pdf
from tests.factories import at, verify_and_decide
from tests.web.test_admin import _office, _post, _signed_in


def _docx(*lines: str) -> bytes:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


OWN = _docx("MẪU CỦA PHÒNG – {{ issuer }}", "{{ number }} – {{ date_line }}", "{{ kind }}: {{ summary }}",
            "{%p for line in body %}", "{{ line }}", "{%p endfor %}",
            "{%p for row in annex_rows %}", "{{ row[1] }} – {{ row[4] }}", "{%p endfor %}",
            "{%p for line in signer_lines %}", "{{ line }}", "{%p endfor %}", "{{ signer_name }}")


def test_an_offices_template_replaces_the_layout_for_the_next_paper(session: Session) -> None:
    district, ids, _ = _decided(session)
    decision, _ = verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20),
                                    now=at(12))
    shipped = docx_text(papers.decision_document(session, decision_id=decision.id or 0))
    assert "MẪU CỦA PHÒNG" not in shipped
    templates.install("quyet-dinh", OWN, "quyet-dinh.docx")
    own = docx_text(papers.decision_document(session, decision_id=decision.id or 0))
    assert own.startswith("MẪU CỦA PHÒNG – ỦY BAN NHÂN DÂN HUYỆN QUẢNG HÒA\n"
                          "Số: 25/QĐ-UBND – Quảng Hòa, ngày 20 tháng 11 năm 2022\n"
                          "QUYẾT ĐỊNH: Về việc công nhận danh hiệu “Lao động tiên tiến” năm học 2022-2023")
    assert "Điều 1. Công nhận danh hiệu “Lao động tiên tiến”" in own and "Nguyễn Thành Hải" in own
    assert f"Giáo viên 0 {district.schools[0].code} – Lao động tiên tiến" in own  # the annex's lines
    school = docx_text(papers.school_proposal(session, dossier_id=ids[0]))
    assert "MẪU CỦA PHÒNG" not in school  # only the paper the template is for
    assert templates.remove("quyet-dinh") and not templates.remove("quyet-dinh")
    assert "MẪU CỦA PHÒNG" not in docx_text(papers.decision_document(session, decision_id=decision.id or 0))


def test_every_paper_is_drawn_through_the_shipped_template_an_office_can_edit(session: Session) -> None:
    """tdkt's own layout is the shipped DOCX (built by layout.template: `make templates`); an office downloads it,
    edits it in Word, uploads it, and the next paper keeps every part of the layout with the office's change."""
    for paper, built in (("quyet-dinh", layout.template()), ("giay-khen", certificates.template())):
        assert parts(templates.shipped(paper).read_bytes()) == parts(built), \
            f"the shipped template of {paper} is not its layout's: run `make templates`"
    district, ids, _ = _decided(session)
    decision, _ = verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20),
                                    now=at(12))
    edited = Document(io.BytesIO(templates.starter("quyet-dinh")))
    left = edited.tables[1].rows[0].cells[0]  # the signature block's left cell
    recipients = next(p for p in left.paragraphs if p.text == "Nơi nhận:")
    recipients.runs[0].text = "Nơi nhận (bản chính):"
    out = io.BytesIO()
    edited.save(out)
    templates.install("quyet-dinh", out.getvalue(), "quyet-dinh.docx")
    content = papers.decision_document(session, decision_id=decision.id or 0)
    text = docx_text(content)
    assert "Nơi nhận (bản chính):" in text and "Nơi nhận:" not in text and "- Như Điều 3;" in text
    assert "Số: 25/QĐ-UBND" in text and "KT." not in text and "Nguyễn Thành Hải" in text
    annex = Document(io.BytesIO(content)).tables[-1]
    assert [c.text for c in annex.rows[0].cells][:2] == ["TT", "Họ và tên / Tập thể"] and len(annex.rows) == 7
    assert "Nơi nhận:" in docx_text(papers.school_proposal(session, dossier_id=ids[0]))  # other papers: tdkt's


def test_an_offices_certificate_template_draws_every_certificate(session: Session) -> None:
    district, ids, _ = _decided(session)
    decision, _ = verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20),
                                    now=at(12))
    edited = Document(io.BytesIO(templates.starter("giay-khen")))
    register = next(p for p in edited.paragraphs if p.text == "{{ c.register }}")
    register.runs[0].text = "{{ c.register }} – Năm học {{ c.school_year }}"
    out = io.BytesIO()
    edited.save(out)
    templates.install("giay-khen", out.getvalue(), "giay-khen.docx")
    archive = zipfile.ZipFile(io.BytesIO(certificates.certificates_zip(session, decision_id=decision.id or 0)))
    first = docx_text(archive.read(sorted(archive.namelist())[0]))
    assert "Số vào sổ: 1/2022 – Năm học 2022-2023" in first and "CÔNG NHẬN" in first and "Nguyễn Thành Hải" in first
    every = docx_text(archive.read("tat-ca.docx"))
    assert every.count("Năm học 2022-2023") == 4 and every.count("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") == 4
    wrong = _docx("{%p for c in certificates %}", "{{ c.ho_ten }}", "{%p endfor %}")
    with pytest.raises(Refused) as refused:
        templates.install("giay-khen", wrong, "giay-khen.docx")
    assert "Mẫu giay-khen.docx dùng trường không có: c.ho_ten." in refused.value.message
    with pytest.raises(Refused) as refused:
        templates.install("giay-khen", _docx("{{ issuer }}"), "giay-khen.docx")
    assert "dùng trường không có: issuer. Các trường có: certificates." in refused.value.message


@pytest.mark.parametrize(("content", "message"), [
    (_docx("{{ issuer }} {{ so_quyet_dinh }} {{ ten_truong }}"),
     "dùng trường không có: so_quyet_dinh, ten_truong"),
    (_docx("{{ issuer "), "có trường viết sai"),
    (_docx("{%p for part in body_parts %}", "{{ part.txt }}", "{%p endfor %}"),
     "dùng trường không có: txt. Các trường có: part.text, part.heading."),
    (b"%PDF-1.7 not a docx", "không phải tệp Word (.docx) đọc được"),
])
def test_a_template_naming_an_unknown_field_is_refused(content: bytes, message: str) -> None:
    with pytest.raises(Refused) as refused:
        templates.check(content, "mau.docx")
    assert message in refused.value.message
    templates.check(templates.starter("bien-ban"), "mau.docx")  # the starter names every field and nothing else


def test_the_pages_install_and_remove_a_template(session: Session) -> None:
    client = _signed_in(session, _office(session))
    starter = client.get("/quan-tri/mau/quyet-dinh.docx")
    assert starter.status_code == 200 and "{{ signer_name }}" in docx_text(starter.content)
    bad = _post(client, "/quan-tri/mau/quyet-dinh", files={"file": ("mau.docx", _docx("{{ so_qd }}"), "x")})
    assert bad.status_code == 422 and "dùng trường không có: so_qd" in bad.text and templates.own("quyet-dinh") is None
    done = _post(client, "/quan-tri/mau/quyet-dinh", files={"file": ("mau.docx", OWN, "x")})
    assert "Đã dùng mẫu của đơn vị" in done.text and templates.own("quyet-dinh") is not None
    assert "Mẫu của đơn vị" in done.text
    back = _post(client, "/quan-tri/mau/quyet-dinh/xoa")
    assert "Giấy tờ này trở lại mẫu của tdkt." in back.text and templates.own("quyet-dinh") is None
    positions = b"page: A4-landscape\nspots:\n  name: {x_mm: 100, y_mm: 40}\n"
    placed = _post(client, "/quan-tri/phoi", files={"file": ("phoi.yaml", positions, "text/yaml")})
    assert "Đã lưu vị trí in giấy khen trên phôi của đơn vị." in placed.text
    assert client.get("/quan-tri/phoi.yaml").content == positions
    assert [e.action for e in session.exec(select(AuditEvent))] == ["install_template", "remove_template",
                                                                    "install_blank_layout"]
    session.rollback()


def _bbox(content: bytes, tmp_path: Path) -> list[tuple[float, float, str]]:
    """Each word LibreOffice prints, with its position in millimetres from the page's top-left corner."""
    to_pdf(tmp_path, {"phoi": content})
    out = subprocess.run(["pdftotext", "-bbox", str(tmp_path / "phoi.pdf"), "-"], check=True, capture_output=True,
                         text=True).stdout
    return [(float(x) * 25.4 / 72, float(y) * 25.4 / 72, word)
            for x, y, word in re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" [^>]*>([^<]+)</word>', out)]


@prints
def test_certificates_print_on_the_offices_blanks_where_it_says(session: Session, tmp_path: Path) -> None:
    district, ids, _ = _decided(session)
    decision, _ = verify_and_decide(session, district, ids, number="25/QĐ-UBND", signed_on=date(2022, 11, 20),
                                    now=at(12))
    archive = zipfile.ZipFile(io.BytesIO(certificates.certificates_zip(session, decision_id=decision.id or 0)))
    words = _bbox(archive.read("in-tren-phoi.docx"), tmp_path)
    first = next((x, y) for x, y, word in words if word == "Giáo")  # "Giáo viên 0 …": the first nominee's name
    assert abs(first[0] - 60) < 2 and abs(first[1] - 95) < 3  # tdkt's default place for the name
    assert "QUỐC" not in {w for _, _, w in words}  # the blank has its own heading: only the lines to fill
    for wrong, message in ((b"page: A4\nspots:\n  name: {x_mm: 20, y_mm: 20}\n  ten: {x_mm: 1, y_mm: 1}\n",
                            "phoi.yaml, dòng 4 (spots.ten.[key]): giá trị không thuộc danh sách cho phép"),
                           (b"page: A4\nspots:\n  name: {x_mm: 250, y_mm: 20}\n",
                            "phoi.yaml, dòng 3 (spots.name): nằm ngoài trang A4 (210 × 297 mm)")):
        with pytest.raises(Refused) as refused:
            templates.install_blank_layout(wrong, "phoi.yaml")
        assert message in refused.value.message
    templates.install_blank_layout(b"page: A4-landscape\nspots:\n  name: {x_mm: 100, y_mm: 40, size: 20}\n",
                                   "phoi.yaml")
    archive = zipfile.ZipFile(io.BytesIO(certificates.certificates_zip(session, decision_id=decision.id or 0)))
    moved = _bbox(archive.read("in-tren-phoi.docx"), tmp_path)
    name = next((x, y) for x, y, word in moved if word == "Giáo")
    assert abs(name[0] - 100) < 2 and abs(name[1] - 40) < 3
    assert "Quyết" not in {w for _, _, w in moved}  # a line the office left out is not printed
