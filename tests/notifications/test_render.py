"""Rendering a notification: the dossier's list of nominees with each verdict and reason, in both bodies, the HTML
one escaped; a context missing a field is an error, not a blank."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import UndefinedError

from notifications.render import render


def _context(nominations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"dossier_id": 7, "school": "Trường TH Bản Xen", "phase": "Đợt 1", "campaign": "Thi đua dạy tốt",
            "campaign_number": "12/KH-UBND", "school_year": "2026-2027", "stage": "Phòng GD&ĐT xét duyệt",
            "stage_code": "phong_review", "actor": "Lò Thị Mai", "actor_role": "Chuyên viên Phòng GD&ĐT",
            "action": "Xét duyệt", "reason": None, "nominations": nominations, "recipient_unit": "Trường TH Bản Xen",
            "site": "http://127.0.0.1:8000"}


def test_each_nominee_is_listed_with_its_verdict_and_reason_in_both_bodies() -> None:
    email = render("dossier_returned", _context([
        {"name": 'Lò Văn "Quý" <Tú>', "title_code": "LDTT", "title": "Lao động tiên tiến", "verdict": "approve",
         "reason": None},
        {"name": "Đinh Thị Hoa", "title_code": "CSTDCS", "title": "Chiến sĩ thi đua cơ sở",
         "verdict": "return_for_revision", "reason": "Thiếu báo cáo sáng kiến"},
        {"name": "Trường TH Bản Xen", "title_code": "TTLDTT", "verdict": None, "reason": None},  # queued before
    ]), to_email="ht@banxen.edu.vn", to_name="Nguyễn Văn An")
    assert "Danh sách đề nghị (3):" in email.text
    assert '  1. Lò Văn "Quý" <Tú> – Lao động tiên tiến – Đồng ý\n' in email.text
    assert ("  2. Đinh Thị Hoa – Chiến sĩ thi đua cơ sở – Trả lại để bổ sung (lý do: Thiếu báo cáo sáng kiến)\n"
            in email.text)
    assert "  3. Trường TH Bản Xen – TTLDTT\n" in email.text  # a row queued before titles were named, no verdict
    assert ("<tr><td>1</td><td>Lò Văn &#34;Quý&#34; &lt;Tú&gt;</td><td>Lao động tiên tiến</td>\n        <td>Đồng ý"
            "</td><td></td></tr>") in email.html
    assert "<td>Trả lại để bổ sung</td><td>Thiếu báo cáo sáng kiến</td>" in email.html
    assert "<td>3</td><td>Trường TH Bản Xen</td><td>TTLDTT</td>" in email.html


def test_a_nominee_without_a_field_is_an_error_not_a_blank() -> None:
    with pytest.raises(UndefinedError):
        render("dossier_returned", _context([{"name": "Đinh Thị Hoa", "title_code": "CSTDCS", "verdict": None}]),
               to_email="ht@banxen.edu.vn", to_name="Nguyễn Văn An")


def test_the_decision_email_says_where_to_download_on_a_line_of_its_own() -> None:
    email = render("decision_issued", _context([]), to_email="ht@banxen.edu.vn", to_name="Nguyễn Văn An")
    assert ("trong hồ sơ.\nQuyết định, phụ lục và giấy khen tải tại trang công khai kết quả: "
            "http://127.0.0.1:8000/ket-qua") in email.text
