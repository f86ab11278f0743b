"""The school's page from its link: upload the list, record the vote, submit; bad uploads store nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from config.route import default_route
from models.dossier import Dossier
from models.nomination import Nomination
from models.paper import ProposalNumber
from tdkt import services
from tdkt.common.timefmt import local_today
from tdkt.services import links
from tests.documents.test_papers import docx_text
from tests.factories import make_district
from tests.web.test_links import _csrf

LIST = ("Họ và tên,Chức vụ,Đơn vị,Danh hiệu đề nghị,Thành tích\n"
        "Nguyễn Thị Lan Anh,Giáo viên,,LĐTT,Dạy giỏi cấp huyện\n")


def _school_link(session: Session) -> tuple[str, int]:
    today = local_today()
    district = make_district(session, blocks=1, schools_per_block=1, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8)})
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id)
    session.commit()
    token = links.issue(session, person=district.heads[school.id], dossier=dossier, route=default_route())
    session.commit()
    return token, dossier.id


def _count(session: Session) -> int:
    count = len(session.exec(select(Nomination)).all())
    session.rollback()
    return count


def test_upload_vote_and_submit(session: Session, client: TestClient) -> None:  # noqa: F811
    token, dossier_id = _school_link(session)
    csrf = _csrf(client.get(f"/l/{token}").text)
    uploaded = client.post(f"/l/{token}/import", data={"csrf": csrf},
                           files={"file": ("danh-sach.csv", LIST.encode(), "text/csv")})
    assert uploaded.status_code == 200 and "Nguyễn Thị Lan Anh" in uploaded.text  # redirected to the page
    nomination_id = session.exec(select(Nomination)).one().id
    session.rollback()  # end the read: SQLite transactions take the write lock
    voted = client.post(f"/l/{token}/vote", data={"csrf": csrf, "held_on": "28/10/2026", "members": "15",
                                                   "present": "12", f"for_{nomination_id}": "11",
                                                   f"against_{nomination_id}": "1", "starts_at": "14h30",
                                                   "place": "Phòng họp", "chair": "Nông Thị Mai",
                                                   "secretary": "Hà Thị Nga", "absent": "Lục Văn Tình (ốm)"})
    assert voted.status_code == 200 and 'value="11"' in voted.text
    assert 'value="14:30"' in voted.text and 'value="Lục Văn Tình (ốm)"' in voted.text  # the meeting's record
    bad_hour = client.post(f"/l/{token}/vote", data={"csrf": csrf, "held_on": "28/10/2026", "members": "15",
                                                      "present": "12", f"for_{nomination_id}": "11",
                                                      f"against_{nomination_id}": "1", "starts_at": "25:00",
                                                      "place": "Phòng họp mới"})
    assert bad_hour.status_code == 422 and "&#39;25:00&#39; không phải giờ hợp lệ" in bad_hour.text
    assert 'value="Phòng họp mới"' in bad_hour.text  # what was typed is kept
    impossible = client.post(f"/l/{token}/vote", data={"csrf": csrf, "held_on": "31/02/2026", "members": "15",
                                                        "present": "12", f"for_{nomination_id}": "12",
                                                        f"against_{nomination_id}": "0"})
    assert impossible.status_code == 422 and "&#39;31/02/2026&#39; không phải một ngày có thật" in impossible.text
    in_words = client.post(f"/l/{token}/vote", data={"csrf": csrf, "held_on": "28/10/2026", "members": "15",
                                                      "present": "mười hai", f"for_{nomination_id}": "12",
                                                      f"against_{nomination_id}": "0"})
    assert in_words.status_code == 422
    assert "Hãy nhập ngày họp (dd/mm/yyyy) và các số phiếu bằng chữ số." in in_words.text
    assert 'value="11"' in client.get(f"/l/{token}").text  # the vote recorded before stands
    asked = client.post(f"/l/{token}", data={"csrf": csrf, "action": "submit"})
    assert asked.status_code == 200 and "Xác nhận: Gửi hồ sơ lên khối thi đua" in asked.text
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "school_vote"  # nothing sent before it is confirmed
    session.rollback()
    done = client.post(f"/l/{token}", data={"csrf": csrf, "action": "submit", "confirm": "1"})
    assert done.status_code == 200 and "Tổng hợp tại khối thi đua" in done.text
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"


def test_bad_uploads_store_nothing(session: Session, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    token, _ = _school_link(session)
    csrf = _csrf(client.get(f"/l/{token}").text)
    pdf_named_xlsx = client.post(f"/l/{token}/import", data={"csrf": csrf},
                                 files={"file": ("danh-sach.xlsx", b"%PDF-1.7 fake", "application/pdf")})
    assert pdf_named_xlsx.status_code == 422 and "không phải .xlsx hoặc .csv" in pdf_named_xlsx.text
    malformed = client.post(f"/l/{token}/import", data={"csrf": csrf},
                            files={"file": ("ds.csv", (LIST + "Trần Bình,,,Huân chương,\n").encode(), "text/csv")})
    assert malformed.status_code == 422 and "Dòng 3, cột Danh hiệu đề nghị" in malformed.text
    monkeypatch.setenv("TDKT_UPLOAD_MAX_BYTES", "100")
    from config.settings import get_settings
    get_settings.cache_clear()
    big = client.post(f"/l/{token}/import", data={"csrf": csrf},
                      files={"file": ("ds.csv", (LIST * 5).encode(), "text/csv")})
    assert big.status_code == 413 and "Tệp vượt quá" in big.text
    huge = client.post(f"/l/{token}/import", data={"csrf": csrf},
                       files={"file": ("ds.csv", b"x" * 50_000, "text/csv")})
    assert huge.status_code == 413 and "Tệp vượt quá" in huge.text
    no_csrf = client.post(f"/l/{token}/import", files={"file": ("ds.csv", LIST.encode(), "text/csv")})
    assert no_csrf.status_code == 403
    # a link that is not one is answered before its body is read (a 300 MB upload to a garbage token)
    garbage = client.post("/l/not.a-link/import", data={"csrf": csrf},
                          files={"file": ("ds.csv", b"x" * 50_000, "text/csv")})
    assert garbage.status_code == 404 and "không hợp lệ" in garbage.text
    assert _count(session) == 0


def test_returned_dossier_shows_the_reason_to_the_school(session: Session, client: TestClient) -> None:  # noqa: F811
    from tests.web.test_links import _at_phong

    district, dossier_id, noms = _at_phong(session)
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"],
                 action="return_for_revision", reason="Thiếu biên bản họp xét có chữ ký")
    session.commit()
    token = links.issue(session, person=district.heads[district.schools[0].id],
                        dossier=session.get(Dossier, dossier_id), route=default_route())
    session.commit()
    page = client.get(f"/l/{token}")
    assert page.status_code == 200 and 'id="return-reason"' in page.text
    assert "Thiếu biên bản họp xét có chữ ký" in page.text and 'id="import-form"' in page.text
    assert page.text.index('id="return-reason"') < page.text.index("<h2>")  # at the top, not mid-page
    rows = page.text.split('id="nominations"', 1)[1].split("</table>", 1)[0]
    assert rows.count("Bị trả lại để bổ sung") == len(noms)  # each nominee returned is marked
    code = district.schools[0].code
    assert f"Rút đề nghị: Giáo viên 0 {code} – Lao động tiên tiến" in page.text  # one button per nomination, named


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_papers_checked_by_content(session: Session, client: TestClient, tmp_path: Path,  # noqa: F811
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings
    from models.paper import Paper

    monkeypatch.setenv("TDKT_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    token, dossier_id = _school_link(session)
    csrf = _csrf(client.get(f"/l/{token}").text)
    pdf = b"%PDF-1.7\n% bi\xc3\xaan b\xe1\xba\xa3n\n"
    ok = client.post(f"/l/{token}/papers", data={"csrf": csrf, "kind": "bien_ban"},
                     files={"file": ("bien-ban-hop-xet.pdf", pdf, "application/pdf")})
    assert ok.status_code == 200 and "bien-ban-hop-xet.pdf" in ok.text and "Biên bản họp xét" in ok.text
    docx = client.post(f"/l/{token}/papers", data={"csrf": csrf, "kind": "to_trinh"},
                       files={"file": ("to-trinh", _docx(), "application/octet-stream")})
    assert docx.status_code == 200 and "to-trinh.docx" in docx.text
    fake = client.post(f"/l/{token}/papers", data={"csrf": csrf, "kind": "bien_ban"},
                       files={"file": ("that-ra-la-exe.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert fake.status_code == 422 and "không phải PDF, DOCX, PNG hoặc JPEG" in fake.text
    papers = [(p.id, p.filename) for p in session.exec(select(Paper)).all()]
    session.rollback()  # end the read: SQLite transactions take the write lock
    assert [name for _, name in papers] == ["bien-ban-hop-xet.pdf", "to-trinh.docx"]
    download = client.get(f"/l/{token}/papers/{papers[0][0]}")
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    shown = client.get(f"/l/{token}/papers/{papers[0][0]}?xem=1")  # previewed in the page, not saved
    assert shown.headers["content-disposition"].startswith("inline") and shown.content == pdf
    assert f'<iframe src="/l/{token}/papers/{papers[0][0]}?xem=1"' in client.get(f"/l/{token}").text
    docx_shown = client.get(f"/l/{token}/papers/{papers[1][0]}?xem=1")  # a DOCX is never shown inline
    assert docx_shown.headers["content-disposition"].startswith("attachment")

    # the wrong file: the school takes it off, then attaches the right one
    removed = client.post(f"/l/{token}/papers/{papers[1][0]}/remove", data={"csrf": csrf})
    assert removed.status_code == 200 and ">to-trinh.docx</a>" not in removed.text and 'id="saved"' in removed.text
    assert [p.filename for p in session.exec(select(Paper)).all()] == ["bien-ban-hop-xet.pdf"]
    session.rollback()
    stranger = client.post(f"/l/{token}/papers/{papers[1][0] + 99}/remove", data={"csrf": csrf})
    assert stranger.status_code == 422 and "không thuộc hồ sơ của trường" in stranger.text
    dossier = session.get(Dossier, dossier_id)
    dossier.stage = "block_aggregation"  # sent on: its papers are no longer the school's to change
    session.commit()
    late = client.post(f"/l/{token}/papers/{papers[0][0]}/remove", data={"csrf": csrf})
    assert late.status_code in (409, 422) and len(session.exec(select(Paper)).all()) == 1
    session.rollback()


def test_withdraw_a_nominee(session: Session, client: TestClient) -> None:  # noqa: F811
    token, dossier_id = _school_link(session)
    csrf = _csrf(client.get(f"/l/{token}").text)
    client.post(f"/l/{token}/import", data={"csrf": csrf}, files={"file": ("ds.csv", LIST.encode(), "text/csv")})
    nomination_id = session.exec(select(Nomination)).one().id
    session.rollback()
    assert client.post(f"/l/{token}/withdraw/{nomination_id + 99}", data={"csrf": csrf}).status_code == 422
    page = client.post(f"/l/{token}/withdraw/{nomination_id}", data={"csrf": csrf})
    assert page.status_code == 200 and "Nguyễn Thị Lan Anh" not in page.text
    assert session.get(Nomination, nomination_id).withdrawn
    session.rollback()
    form = {"csrf": csrf, "full_name": "Nguyễn Thị Lan Anh", "kind": "individual", "title": "LDTT"}
    again = client.post(f"/l/{token}/nominate", data=form)  # withdrawn by mistake: entered again
    assert again.status_code == 200 and "Nguyễn Thị Lan Anh" in again.text
    twice = client.post(f"/l/{token}/nominate", data=form)
    assert twice.status_code == 422 and "Nguyễn Thị Lan Anh đã có trong hồ sơ với danh hiệu" in twice.text
    assert not session.get(Nomination, nomination_id).withdrawn and _count(session) == 1


def test_a_collectives_figures_on_the_school_page(session: Session, client: TestClient) -> None:  # noqa: F811
    token, dossier_id = _school_link(session)
    page = client.get(f"/l/{token}").text
    csrf = _csrf(page)
    assert 'name="figure_LDTT"' in page and "Số cá nhân đạt LĐTT" in page  # asked as the rule set says
    school = session.get(Dossier, dossier_id).school_id
    name = f"Trường số {school}"
    session.rollback()
    form = {"csrf": csrf, "full_name": name, "kind": "collective", "title": "TTLDTT", "figure_total": "24",
            "figure_completed": "24", "figure_LDTT": "ba", "figure_CSTDCS": "", "figure_disciplined": "0"}
    wrong = client.post(f"/l/{token}/nominate", data=form)
    assert wrong.status_code == 422 and "Số cá nhân đạt LĐTT: &#39;ba&#39; không phải số người" in wrong.text
    assert _count(session) == 0
    session.rollback()
    person = {**form, "full_name": "Lê Văn Minh", "kind": "individual", "title": "LDTT", "figure_LDTT": "12"}
    mistaken = client.post(f"/l/{token}/nominate", data=person)  # "Tập thể" not chosen: not saved as a person
    assert mistaken.status_code == 422 and "số liệu cá nhân trong tập thể chỉ ghi cho tập thể" in mistaken.text
    assert _count(session) == 0
    session.rollback()
    blank = {key: "" if key.startswith("figure_") else value for key, value in person.items()}
    assert client.post(f"/l/{token}/nominate", data=blank).status_code == 200  # the empty boxes are no figures
    assert session.exec(select(Nomination)).one().member_figures is None
    session.rollback()
    added = client.post(f"/l/{token}/nominate", data={**form, "figure_LDTT": "12"})
    collective = select(Nomination).where(Nomination.title_code == "TTLDTT")
    assert added.status_code == 200 and "Số liệu tập thể: 24 cá nhân: 24 hoàn thành nhiệm vụ, 12 đạt LĐTT, 0 bị " \
                                         "kỷ luật" in added.text  # the reviewer's column shows them too
    assert "Thiếu: cần trên 50% cá nhân trong tập thể đạt danh hiệu Lao động tiên tiến; số liệu: 12/24" in added.text
    nomination = session.exec(collective).one()
    nomination_id, figures = nomination.id, nomination.member_figures
    session.rollback()
    assert figures == {"total": 24, "completed": 24, "LDTT": 12, "disciplined": 0}
    corrected = client.post(f"/l/{token}/figures/{nomination_id}", data={
        "csrf": csrf, "figure_total": "24", "figure_completed": "24", "figure_LDTT": "19", "figure_CSTDCS": "2",
        "figure_disciplined": "0"})
    assert corrected.status_code == 200 and "Đủ điều kiện" in corrected.text and 'value="19"' in corrected.text
    assert session.get(Nomination, nomination_id).member_figures["LDTT"] == 19
    session.rollback()
    too_many = client.post(f"/l/{token}/figures/{nomination_id}", data={"csrf": csrf, "figure_total": "24",
                                                                         "figure_LDTT": "30"})
    assert too_many.status_code == 422 and "nhiều hơn tổng số cá nhân trong tập thể (24)" in too_many.text
    assert client.post(f"/l/{token}/figures/{nomination_id + 99}", data={"csrf": csrf}).status_code == 422
    assert client.post(f"/l/{token}/figures/{nomination_id}", data={"figure_total": "1"}).status_code == 403
    assert session.get(Nomination, nomination_id).member_figures["LDTT"] == 19  # the refused ones changed nothing
    session.rollback()


def test_a_refused_nominee_comes_back_with_the_error_linked_and_what_was_typed(session: Session,  # noqa: F811
                                                                              client: TestClient) -> None:
    token, _ = _school_link(session)
    csrf = _csrf(client.get(f"/l/{token}").text)
    typed = {"csrf": csrf, "full_name": "Hà Thị Mai", "kind": "individual", "title": "LDTT",
             "position": "Giáo viên", "birth_date": "31/02/1990", "achievements": "Dạy giỏi cấp huyện"}
    refused = client.post(f"/l/{token}/nominate", data=typed)
    assert refused.status_code == 422 and _count(session) == 0
    summary = refused.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'href="#f-birth_date"' in summary and "không phải một ngày có thật" in summary
    assert 'id="f-birth_date" inputmode="numeric" value="31/02/1990" aria-invalid="true"' in refused.text
    assert 'value="Hà Thị Mai"' in refused.text and ">Dạy giỏi cấp huyện</textarea>" in refused.text
    saved = client.post(f"/l/{token}/nominate", data={**typed, "birth_date": "28/02/1990"})
    assert saved.status_code == 200 and 'id="saved"' in saved.text and _count(session) == 1  # after the redirect
    assert 'value="Hà Thị Mai"' not in saved.text  # the form is empty for the next nominee


def test_the_school_corrects_a_nominee_without_withdrawing_them(session: Session,  # noqa: F811
                                                                  client: TestClient) -> None:
    token, dossier_id = _school_link(session)
    csrf = _csrf(client.get(f"/l/{token}").text)
    client.post(f"/l/{token}/nominate", data={"csrf": csrf, "full_name": "Hà Thị Mai", "kind": "individual",
                                              "title": "LDTT", "achievements": "Day gioi"})
    nomination_id = session.exec(select(Nomination)).one().id
    session.rollback()  # end the read: SQLite transactions take the write lock
    corrected = client.post(f"/l/{token}/edit/{nomination_id}", data={
        "csrf": csrf, "position": "Tổ trưởng chuyên môn", "achievements": "Giáo viên dạy giỏi cấp huyện",
        "initiative": "", "disciplined": "1"})
    assert corrected.status_code == 200 and 'id="saved"' in corrected.text
    session.expire_all()
    again = session.get(Nomination, nomination_id)
    assert (again.achievements, again.disciplined, again.withdrawn) == ("Giáo viên dạy giỏi cấp huyện", True, False)
    session.rollback()
    assert "Tổ trưởng chuyên môn" in corrected.text and _count(session) == 1  # the same nomination, corrected
    bad = client.post(f"/l/{token}/edit/{nomination_id + 99}", data={"csrf": csrf, "achievements": "x"})
    assert bad.status_code == 422 and "không thuộc hồ sơ của trường" in bad.text


def test_the_list_template_has_the_columns_the_import_reads(session: Session, client: TestClient) -> None:  # noqa: F811
    from io import BytesIO

    from openpyxl import load_workbook

    token, dossier_id = _school_link(session)
    page = client.get(f"/l/{token}")
    template = client.get(f"/l/{token}/mau-danh-sach.xlsx")
    assert template.status_code == 200 and 'id="list-template"' in page.text
    book = load_workbook(BytesIO(template.content))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["Họ và tên", "Chức vụ", "Đơn vị", "Danh hiệu đề nghị"]
    titles = [row[0] for row in book["Danh hiệu"].iter_rows(min_row=2, values_only=True)]
    assert "Lao động tiên tiến" in titles
    filled = client.post(f"/l/{token}/import", data={"csrf": _csrf(page.text)},  # its example row imports as is
                         files={"file": ("mau.xlsx", template.content, "application/octet-stream")})
    assert filled.status_code == 200 and _count(session) == 1


def test_the_school_gives_its_tờ_trình_a_number_and_the_paper_prints_it(session: Session,
                                                                         client: TestClient) -> None:
    token, dossier_id = _school_link(session)
    csrf = _csrf(client.get(f"/l/{token}").text)
    bad = client.post(f"/l/{token}/so-to-trinh", data={"csrf": csrf, "of": "truong", "number": "TTr 12"})
    assert bad.status_code == 422 and 'id="error-summary"' in bad.text and 'href="#f-number"' in bad.text
    assert "Số tờ trình &#39;TTr 12&#39; không đúng dạng số/TTr-ký hiệu" in bad.text
    assert 'value="TTr 12"' in bad.text and 'aria-invalid="true"' in bad.text  # what was typed, kept
    done = client.post(f"/l/{token}/so-to-trinh", data={"csrf": csrf, "of": "truong", "number": "12/TTr-TH"})
    assert done.status_code == 200 and 'value="12/TTr-TH"' in done.text and "Đã lưu." in done.text
    paper = client.get(f"/l/{token}/documents/to-trinh.docx")
    assert "Số: 12/TTr-TH" in docx_text(paper.content)
    forged = client.post(f"/l/{token}/so-to-trinh", data={"csrf": "x", "of": "truong", "number": "13/TTr-TH"})
    assert forged.status_code == 403
    session.rollback()
    assert [p.number for p in session.exec(select(ProposalNumber))] == ["12/TTr-TH"]
