"""Sign-in links, the home work list and its fresh action links, hand entry of nominees, and the public
results page with its exports — over HTTP against the app."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from config.route import default_route
from models.db import utcnow
from models.decision import Decision
from models.dossier import Dossier
from models.link import ActionLink
from models.nomination import Nomination, Nominee
from tdkt import services
from tdkt.cli.live import sign_in_url
from tdkt.common.timefmt import local_today
from tdkt.services import links
from tests.documents.test_papers import docx_text
from tests.factories import District, make_district, submit_school, verify_and_decide
from tests.web.test_links import _csrf
from web.app import create_app


def _district(session: Session) -> District:
    today = local_today()
    district = make_district(session, blocks=1, schools_per_block=2, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})
    return district




def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _links_issued(session: Session) -> int:
    count = session.exec(select(func.count()).select_from(ActionLink)).one()
    session.rollback()
    return count


def test_sign_in_link_shows_the_work_list_and_a_forged_or_expired_one_is_refused(
        session: Session, client: TestClient) -> None:
    district = _district(session)
    reviewer = district.people["phong_reviewer"]
    dossier_id, _ = submit_school(session, district, district.schools[0])
    session.commit()
    url = sign_in_url(reviewer)
    session.rollback()

    home = client.get(_path(url))
    assert home.status_code == 200 and "Việc của tôi" in home.text and reviewer.full_name in home.text
    assert "Không có hồ sơ nào chờ bạn xử lý" in home.text  # the dossier waits at the block, not at the Phòng

    forged = TestClient(create_app()).get(_path(url)[:-3] + "xyz")
    assert forged.status_code == 404 and "Đường dẫn đăng nhập không hợp lệ" in forged.text
    expired = links.sign_in_token(person_id=reviewer.id, expires=utcnow() - timedelta(minutes=1))
    refused = TestClient(create_app()).get(f"/s/{expired}")
    assert refused.status_code == 410 and "đã hết hạn" in refused.text
    assert TestClient(create_app()).get("/home").status_code == 403  # nobody signed in

    leader = district.leader_of(district.blocks[0])
    leader_client = TestClient(create_app())
    leader_home = leader_client.get(_path(sign_in_url(leader)))
    assert f'data-dossier="{dossier_id}"' in leader_home.text and "Mở để xử lý" in leader_home.text
    row = leader_home.text.split(f'data-dossier="{dossier_id}"', 1)[1].split("</tr>", 1)[0]
    block_due = (local_today() + timedelta(days=8)).strftime("%d/%m/%Y")
    assert f"<td>23:59 {block_due} (còn 8 ngày)</td>" in row  # the stage's deadline and days left, at home
    leader_client.get(_path(sign_in_url(reviewer)))
    dashboard = leader_client.get(f"/dashboard/{district.phase_id}").text
    school_row = dashboard.split(f'<a href="/ho-so/{dossier_id}">{district.schools[0].name}</a>', 1)[1].split(
        "</tr>", 1)[0]  # the school's name opens its dossier to read
    assert f"23:59 {block_due} (còn 8 ngày)" in school_row and "Quá hạn" not in school_row  # and on the dashboard


def test_opening_from_home_issues_a_fresh_link_only_for_what_the_person_may_act_on(
        session: Session, client: TestClient) -> None:
    district = _district(session)
    dossier_id, _ = submit_school(session, district, district.schools[0])
    session.commit()
    leader = district.leader_of(district.blocks[0])
    member_head = district.heads[district.schools[1].id]
    leader_url, member_url = sign_in_url(leader), sign_in_url(member_head)
    session.rollback()

    csrf = _csrf(client.get(_path(leader_url)).text)
    before = _links_issued(session)
    assert client.post(f"/home/dossiers/{dossier_id}", data={"csrf": "forged"}).status_code == 403
    assert _links_issued(session) == before
    opened = client.post(f"/home/dossiers/{dossier_id}", data={"csrf": csrf})
    assert opened.status_code == 200 and "Tổng hợp tại khối thi đua" in opened.text
    assert _links_issued(session) == before + 1

    member = TestClient(create_app())
    member_csrf = _csrf(member.get(_path(member_url)).text)
    refused = member.post(f"/home/dossiers/{dossier_id}", data={"csrf": member_csrf})
    assert refused.status_code == 403 and "không chờ bạn xử lý" in refused.text
    assert _links_issued(session) == before + 1
    signed_out = member.post("/signout", data={"csrf": member_csrf})
    assert signed_out.status_code == 200 and member.get("/home").status_code == 403


def test_a_school_opens_its_dossier_and_enters_nominees_by_hand(session: Session, client: TestClient) -> None:
    district = _district(session)
    school = district.schools[1]
    head_url = sign_in_url(district.heads[school.id])
    session.rollback()
    home = client.get(_path(head_url))
    assert "Lập hồ sơ Đợt 1" in home.text
    page = client.post(f"/home/phases/{district.phase_id}", data={"csrf": _csrf(home.text)})
    assert page.status_code == 200 and "Thêm người được đề nghị" in page.text
    token = str(page.url).rsplit("/l/", 1)[1]
    csrf = _csrf(page.text)

    assert 'id="f-sex"' in page.text and 'id="f-direct_teaching"' in page.text
    added = client.post(f"/l/{token}/nominate", data={"csrf": csrf, "full_name": "  Hoàng   Thị Lan ",
                                                       "kind": "individual", "title": "LDTT", "position": "Giáo viên",
                                                       "sex": "female", "direct_teaching": "1"})
    assert added.status_code == 200 and "Hoàng Thị Lan" in added.text
    wrong = client.post(f"/l/{token}/nominate", data={"csrf": csrf, "full_name": "Tổ Toán", "kind": "individual",
                                                       "title": "TTLDTT", "sex": "male", "direct_teaching": "0"})
    assert wrong.status_code == 422 and "không xét cho cá nhân" in wrong.text
    assert '<option value="male" selected>' in wrong.text and '<option value="0" selected>' in wrong.text  # kept
    lan = session.exec(select(Nominee).where(Nominee.full_name == "Hoàng Thị Lan")).one()
    assert (lan.sex, lan.direct_teaching) == ("female", True)
    names = session.exec(select(func.count()).select_from(Nomination)).one()
    assert names == 1
    assert session.exec(select(Dossier)).one().school_id == school.id


def test_public_results_list_only_signed_decisions_and_search_without_diacritics(
        session: Session, client: TestClient) -> None:
    district = _district(session)
    assert "0 kết quả" in client.get("/ket-qua").text
    pending_id, _ = submit_school(session, district, district.schools[0])
    session.commit()
    assert "0 kết quả" in client.get("/ket-qua").text  # submitted, not decided: never public
    session.rollback()

    _decide_both(session, district, pending_id)
    page = client.get("/ket-qua")
    school = district.schools[0].name
    assert "7/QĐ-UBND" in page.text and school in page.text
    by_name = client.get("/ket-qua", params={"q": "giao vien 0 th-0-0"}).text
    assert "Giáo viên 0 th-0-0" in by_name and "Giáo viên 1 th-0-0" not in by_name and "1 kết quả" in by_name
    assert "Giáo viên 0 th-0-0" in client.get("/ket-qua", params={"q": "GIÁO VIÊN 0 TH-0-0"}).text
    by_school = client.get("/ket-qua", params={"q": "truong tieu hoc so 1.2"}).text
    assert district.schools[1].name in by_school and f"<td>{school}</td>" not in by_school

    exported = client.get("/ket-qua.csv", params={"q": "tieu hoc so 1.1"})
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Số quyết định" and len(rows) == 4  # two teachers and the school
    assert {r[4] for r in rows[1:]} == {"Giáo viên 0 th-0-0", "Giáo viên 1 th-0-0", school}
    book = load_workbook(io.BytesIO(client.get("/ket-qua.xlsx").content))
    sheet = book.active
    assert sheet.max_row == 7 and sheet["A2"].value == "7/QĐ-UBND"
    assert client.get("/ket-qua.pdf").status_code == 404


def _decide_both(session: Session, district: District, first_id: int) -> None:
    """The second school submits too; both go through every stage to one signed decision."""
    second_id, _ = submit_school(session, district, district.schools[1])
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]))
    for dossier_id in (first_id, second_id):
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve")
    verify_and_decide(session, district, [first_id, second_id], number="7/QĐ-UBND", signed_on=local_today())


def test_generated_papers_by_link_and_the_public_decision(session: Session, client: TestClient) -> None:
    district = _district(session)
    first_id, _ = submit_school(session, district, district.schools[0])
    session.commit()
    token = links.issue(session, person=district.leader_of(district.blocks[0]), dossier=session.get(Dossier, first_id),
                        route=default_route())
    session.commit()
    page = client.get(f"/l/{token}")
    assert "Tờ trình tổng hợp của khối" in page.text and "/documents/bien-ban.docx" in page.text
    minutes = client.get(f"/l/{token}/documents/bien-ban.docx")
    assert minutes.status_code == 200 and "BIÊN BẢN" in docx_text(minutes.content)
    block = client.get(f"/l/{token}/documents/to-trinh-khoi.docx")
    assert block.status_code == 200 and district.schools[0].name in docx_text(block.content)
    assert client.get(f"/l/{token}/documents/khong-co.docx").status_code == 404
    assert client.get(f"/l/{token[:-2]}xx/documents/bien-ban.docx").status_code == 404  # forged link

    _decide_both(session, district, first_id)
    first, second = session.exec(select(Decision.id).order_by(col(Decision.id))).all()  # LĐTT's, TTLĐTT's
    session.rollback()
    listed = client.get("/ket-qua").text
    assert f"/ket-qua/quyet-dinh-{first}.docx" in listed and f"/ket-qua/quyet-dinh-{second}.docx" in listed
    decision = client.get(f"/ket-qua/quyet-dinh-{first}.docx")
    assert decision.status_code == 200 and "Số: 7/QĐ-UBND" in docx_text(decision.content)
    assert "Số: 8/QĐ-UBND" in docx_text(client.get(f"/ket-qua/quyet-dinh-{second}.docx").content)
    assert client.get(f"/ket-qua/quyet-dinh-{second + 1}.docx").status_code == 404


def test_the_decision_email_points_to_the_published_papers(session: Session, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from email import message_from_bytes
    from email.policy import default

    from config.settings import get_settings
    from notifications.mailer import mailbox_files
    from notifications.outbox import deliver
    from tdkt.services.links import token_for

    monkeypatch.setenv("TDKT_MAILBOX_DIR", str(tmp_path / "mail"))
    monkeypatch.delenv("TDKT_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    district = _district(session)
    first_id, _ = submit_school(session, district, district.schools[0])
    _decide_both(session, district, first_id)
    deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    mails = [message_from_bytes(p.read_bytes(), policy=default) for p in mailbox_files()]
    decided = [m for m in mails if "Quyết định khen thưởng cho" in m["Subject"]]
    assert decided and all(f"{get_settings().base_url}/ket-qua" in m.get_body(("plain",)).get_content()
                           for m in decided)


@pytest.mark.parametrize(("method", "path", "status", "title"), [
    ("get", "/khong-co-trang-nay", 404, "Không tìm thấy trang"),
    ("get", "/dashboard/abc", 404, "Không tìm thấy trang"),  # a number cut short in a copied link
    ("get", "/ket-qua/quyet-dinh-12a.docx", 404, "Không tìm thấy trang"),
    ("put", "/ket-qua", 405, "Không thực hiện được"),
    ("get", "/openapi.json", 404, "Không tìm thấy trang"),  # no API schema served: the pages are the interface
])
def test_unknown_pages_answer_in_vietnamese(client: TestClient, method: str, path: str, status: int,
                                            title: str) -> None:
    response = client.request(method.upper(), path)
    assert response.status_code == status and response.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in response.text and "detail" not in response.text


def test_the_dashboard_filters_sorts_searches_and_counts_per_stage(session: Session, client: TestClient) -> None:
    district = make_district(session, blocks=2, schools_per_block=2, deadlines={
        "school_submission": local_today() + timedelta(days=5), "block_forward": local_today() + timedelta(days=8),
        "phong_review": local_today() + timedelta(days=12), "noivu_verification": local_today() + timedelta(days=20)})
    submit_school(session, district, district.schools[0])
    session.commit()
    names = [s.name for s in district.schools]
    client.get(_path(sign_in_url(district.people["phong_reviewer"])))
    session.rollback()
    base = f"/dashboard/{district.phase_id}"

    def shown(query: str) -> list[str]:
        table = client.get(base + query).text.split('id="dossiers"', 1)[1].split("</table>", 1)[0]
        return [name for name in sorted(names, key=table.find) if name in table]

    assert shown("") == sorted(names)
    assert shown("?stage=Tổng hợp tại khối thi đua") == [names[0]]
    assert shown(f"?block={district.blocks[1].name}") == names[2:]
    assert shown("?q=so 2.2") == [names[3]]  # without diacritics, part of the name
    assert shown("?sort=stage")[-1] == names[0]  # by the stage's name: "Chưa lập hồ sơ" before "Tổng hợp…"
    overview = client.get(base).text.split('id="overview"', 1)[1].split("</table>", 1)[0]
    assert "<td>Tổng hợp tại khối thi đua</td><td>1</td>" in overview
    assert "<td>Chưa lập hồ sơ</td><td>3</td>" in overview and 'class="bar"' in overview
    by_title = client.get(base).text.split('id="by-title"', 1)[1].split("</table>", 1)[0]
    assert "<td>Lao động tiên tiến</td><td>2</td><td>0</td>" in by_title  # the school's two teachers, none yet
    assert "<td>Tập thể lao động tiên tiến</td><td>1</td><td>0</td>" in by_title
    kept = client.get(base + "?overdue=1&q=abc").text
    assert 'name="overdue" value="1" checked' in kept and 'name="q" value="abc"' in kept and "0 trường." in kept


def test_a_dossier_and_its_papers_are_readable_by_those_who_may_see_it_at_every_stage(
        session: Session, client: TestClient) -> None:
    district = _district(session)
    dossier_id, _ = submit_school(session, district, district.schools[0])  # sent: its link is spent
    session.commit()
    readers = {"noivu": district.people["noivu_officer"], "head": district.heads[district.schools[0].id]}
    stranger = district.heads[district.schools[1].id]  # another school of the block, not its leader
    urls = {name: sign_in_url(p) for name, p in {**readers, "stranger": stranger}.items()}
    session.rollback()
    for name in readers:
        reader = TestClient(create_app())
        reader.get(_path(urls[name]))
        page = reader.get(f"/ho-so/{dossier_id}")
        assert page.status_code == 200 and "Tổng hợp tại khối thi đua" in page.text and "Giáo viên 0" in page.text
        paper = reader.get(f"/ho-so/{dossier_id}/documents/to-trinh.docx")
        assert paper.status_code == 200 and paper.content.startswith(b"PK")
    other = TestClient(create_app())
    other.get(_path(urls["stranger"]))
    assert other.get(f"/ho-so/{dossier_id}").status_code == 403
    assert other.get(f"/ho-so/{dossier_id}/documents/to-trinh.docx").status_code == 403
    assert TestClient(create_app()).get(f"/ho-so/{dossier_id}").status_code == 403  # nobody signed in


def test_the_dashboard_offers_the_phase_and_year_reports(session: Session, client: TestClient) -> None:
    district = _district(session)
    first_id, _ = submit_school(session, district, district.schools[0])
    _decide_both(session, district, first_id)
    url, phase_id = sign_in_url(district.people["phong_reviewer"]), district.phase_id
    session.rollback()
    assert TestClient(create_app()).get(f"/dashboard/{phase_id}/bao-cao.docx").status_code == 403
    client.get(_path(url))
    assert 'href="/dashboard/' in client.get(f"/dashboard/{phase_id}").text
    phase = client.get(f"/dashboard/{phase_id}/bao-cao.docx")
    assert phase.status_code == 200 and "Sơ kết công tác thi đua, khen thưởng" in docx_text(phase.content)
    year = client.get(f"/dashboard/{phase_id}/bao-cao.docx", params={"nam": "1"})
    assert "Tổng kết công tác thi đua, khen thưởng năm học 2022-2023" in docx_text(year.content)
    sheet = load_workbook(io.BytesIO(client.get(f"/dashboard/{phase_id}/thong-ke.xlsx").content))
    assert sheet.sheetnames == ["Theo danh hiệu", "Theo đơn vị", "Biểu thống kê", "Biểu số lượng khen thưởng"]


def test_an_office_numbers_its_tờ_trình_on_the_dashboard(session: Session, client: TestClient) -> None:
    district = _district(session)
    first_id, _ = submit_school(session, district, district.schools[0])
    url, phase_id = sign_in_url(district.people["phong_reviewer"]), district.phase_id
    session.rollback()
    client.get(_path(url))
    page = client.get(f"/dashboard/{phase_id}")
    assert 'id="f-number"' in page.text and 'action="/dashboard/' in page.text
    csrf = _csrf(page.text)
    bad = client.post(f"/dashboard/{phase_id}/so-to-trinh", data={"csrf": csrf, "number": "số 15"})
    assert bad.status_code == 422 and 'id="error-summary"' in bad.text and 'value="số 15"' in bad.text
    assert "không đúng dạng số/TTr-ký hiệu" in bad.text
    done = client.post(f"/dashboard/{phase_id}/so-to-trinh", data={"csrf": csrf, "number": "15/TTr-PGDĐT"})
    assert done.status_code == 200 and "Đã ghi số tờ trình." in done.text and 'value="15/TTr-PGDĐT"' in done.text
    early = client.get(f"/dashboard/{phase_id}/to-trinh.docx")  # nothing approved yet: said, no empty paper
    assert early.status_code == 404 and "chưa duyệt đề nghị nào" in early.text
    block, school = district.blocks[0], district.schools[0]
    services.submit(session, dossier_id=first_id, actor=district.heads[school.id or 0])
    submit_school(session, district, district.schools[1])  # the block forwards once all its schools have sent
    services.forward_block(session, block_id=block.id or 0, phase_id=phase_id, actor=district.leader_of(block))
    services.act(session, dossier_id=first_id, actor=district.people["phong_reviewer"], action="approve")
    session.commit()
    assert "Số: 15/TTr-PGDĐT" in docx_text(client.get(f"/dashboard/{phase_id}/to-trinh.docx").content)
    assert client.post(f"/dashboard/{phase_id}/so-to-trinh", data={"csrf": "x", "number": "16/TTr-PGDĐT"}) \
        .status_code == 403
