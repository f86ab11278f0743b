"""An office's own paper templates (docxtpl): a replaced template is used for the next paper, without code; one
naming a field tdkt does not fill is refused with the field's name; the pages install and remove them."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from sqlmodel import Session, select

from models.audit import AuditEvent
from tdkt.common.errors import Refused
from tdkt.documents import papers, templates
from tests.documents.test_papers import _decided, docx_text
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


@pytest.mark.parametrize(("content", "message"), [
    (_docx("{{ issuer }} {{ so_quyet_dinh }} {{ ten_truong }}"),
     "dùng trường không có: so_quyet_dinh, ten_truong"),
    (_docx("{{ issuer "), "có trường viết sai"),
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
    assert [e.action for e in session.exec(select(AuditEvent))] == ["install_template", "remove_template"]
    session.rollback()
