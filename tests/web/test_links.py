"""Approval links over HTTP: every refused case, CSRF, GET that changes nothing, and two reviewers at once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import httpx
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, col, func, select

from benchmarks.smtp_sink import free_port
from config.route import default_route
from config.vocabulary import SubjectKind
from models.audit import AuditEvent
from models.db import get_engine
from models.dossier import Dossier
from models.link import ActionLink
from models.nomination import Nomination
from tdkt import services
from tdkt.cli.live import sign_in_url
from tdkt.common.timefmt import local_today
from tdkt.documents import papers as documents
from tdkt.services import links
from tdkt.services.dossiers import stage_due
from tests.documents.test_papers import docx_text
from tests.factories import District, make_district, submit_school
from web.app import create_app


def _future_district(session: Session) -> District:
    today = local_today()
    return make_district(session, blocks=1, schools_per_block=1, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})


def _at_phong(session: Session) -> tuple[District, int, list[Nomination]]:
    district = _future_district(session)
    school = district.schools[0]
    dossier_id, noms = submit_school(session, district, school)
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]))
    session.commit()
    return district, dossier_id, noms


def _link(session: Session, district: District, dossier_id: int, role: str = "phong_reviewer") -> str:
    token = links.issue(session, person=district.people[role], dossier=session.get(Dossier, dossier_id),
                        route=default_route())
    session.commit()
    return token


def _state(session: Session, dossier_id: int) -> tuple[Any, ...]:
    session.expire_all()
    dossier = session.get(Dossier, dossier_id)
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    used = session.exec(select(func.count()).select_from(ActionLink).where(col(ActionLink.used_at).is_not(None))).one()
    state = (dossier.stage, dossier.version, events, used)
    session.rollback()
    return state


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _csrf(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]




def test_get_shows_the_dossier_and_changes_nothing(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    token = _link(session, district, dossier_id)
    before = _state(session, dossier_id)
    for _ in range(3):  # a mail scanner, then the person, then a reload
        page = client.get(f"/l/{token}")
        assert page.status_code == 200
    assert "Giáo viên 0" in page.text and "Lao động tiên tiến" in page.text and "10 / 1" in page.text
    assert "Phòng GD&amp;ĐT xét duyệt" in page.text and "Lịch sử xử lý" in page.text
    assert _state(session, dossier_id) == before


def test_verdicts_by_link_then_the_link_is_spent(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    token = _link(session, district, dossier_id)
    csrf = _csrf(client.get(f"/l/{token}").text)
    form = {"csrf": csrf, **{f"verdict_{n.id}": "approve" for n in noms}}
    form[f"verdict_{noms[0].id}"], form[f"reason_{noms[0].id}"] = "return_for_revision", "Thiếu báo cáo thành tích"
    done = client.post(f"/l/{token}", data=form)
    assert done.status_code == 200 and "Họp xét tại trường" in done.text
    assert "Thiếu báo cáo thành tích" in done.text
    stage, _, events, used = _state(session, dossier_id)
    assert (stage, used) == ("school_vote", 1)
    again = client.get(f"/l/{token}")
    assert again.status_code == 410 and 'data-code="used"' in again.text
    assert client.post(f"/l/{token}", data=form).status_code in (403, 410)
    assert _state(session, dossier_id)[2] == events


def test_an_approval_by_link_locks_its_dossier_with_the_links_read(session: Session, client: TestClient) -> None:
    """The link's check reads the link and locks its dossier in one statement, before anything else reads it: a
    second click waits there for the first."""
    district, dossier_id, _ = _at_phong(session)
    token = _link(session, district, dossier_id)
    csrf = _csrf(client.get(f"/l/{token}").text)
    reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "dossier.version" in statement:  # a Dossier's row
            reads.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        done = client.post(f"/l/{token}", data={"csrf": csrf, "action": "approve"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert done.status_code == 200 and "Phòng Nội vụ thẩm định" in done.text
    assert "FROM actionlink JOIN dossier" in reads[0]
    if engine.dialect.name == "postgresql":  # SQLite has no row locks
        assert "FOR UPDATE OF dossier" in reads[0]
    assert _state(session, dossier_id)[0] == "noivu_verification"


def test_post_without_csrf_is_refused(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    token = _link(session, district, dossier_id)
    client.get(f"/l/{token}")
    before = _state(session, dossier_id)
    forged = client.post(f"/l/{token}", data={"csrf": "x" * 32, **{f"verdict_{n.id}": "approve" for n in noms}})
    assert forged.status_code == 403 and "CSRF" in forged.text
    fresh = TestClient(create_app())  # no cookie at all
    assert fresh.post(f"/l/{token}", data={f"verdict_{n.id}": "approve" for n in noms}).status_code == 403
    assert _state(session, dossier_id) == before


def test_forged_expired_wrong_person_and_moved_on(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    token = _link(session, district, dossier_id)
    before = _state(session, dossier_id)

    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert 'data-code="forged"' in client.get(f"/l/{tampered}").text
    assert client.get("/l/not-a-token").status_code == 404

    link = session.exec(select(ActionLink)).one()
    link.expires_at = link.created_at - timedelta(seconds=1)
    session.add(link)
    session.commit()
    expired = client.get(f"/l/{token}")
    assert expired.status_code == 410 and "hết hạn" in expired.text and "Phòng GD&amp;ĐT xét duyệt" in expired.text

    head_token = _link(session, district, dossier_id, role="phong_head")
    assert client.get(f"/l/{head_token}").status_code == 200
    assert client.get("/home").status_code == 403  # opening a link signs nobody in
    signed = client.get(_path(sign_in_url(district.people["phong_head"])))
    assert signed.status_code == 200  # this browser is now the head's, by her sign-in link
    other = _link(session, district, dossier_id)
    wrong = client.get(f"/l/{other}")
    assert wrong.status_code == 403 and "người khác" in wrong.text
    assert _state(session, dossier_id) == before

    services.act(session, dossier_id=dossier_id, actor=district.people["phong_head"], action="approve")
    session.commit()
    moved = TestClient(create_app()).get(f"/l/{other}")
    assert moved.status_code == 409 and "Phòng Nội vụ thẩm định" in moved.text


def test_two_reviewers_approve_at_once_over_http(session: Session, db_url: str) -> None:
    district, dossier_id, noms = _at_phong(session)
    tokens = [_link(session, district, dossier_id, role) for role in ("phong_reviewer", "phong_head")]
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in tokens]
        forms = []
        for c, token in zip(clients, tokens, strict=True):
            forms.append({"csrf": _csrf(c.get(f"/l/{token}").text), **{f"verdict_{n.id}": "approve" for n in noms}})
        barrier = threading.Barrier(2)
        answers: list[int] = []

        def post(i: int) -> None:
            barrier.wait()
            answers.append(clients[i].post(f"/l/{tokens[i]}", data=forms[i]).status_code)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert sorted(answers) == [200, 409]
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "noivu_verification"
    approvals = session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "approve")).one()
    assert approvals == 1


def test_the_emailed_link_opens_the_dossier(session: Session, client: TestClient, smtp: Any) -> None:
    from config.settings import get_settings
    from notifications.outbox import deliver
    from tdkt.services.links import token_for

    district, dossier_id, noms = _at_phong(session)
    deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    bodies = {m["To"].addresses[0].addr_spec: m.get_body(("plain",)).get_content() for m in smtp.inbox.messages}
    reviewer_mail = bodies[district.people["phong_reviewer"].email]
    url = next(word for word in reviewer_mail.split() if "/l/" in word)
    assert url.startswith(get_settings().base_url)
    leader_mail = bodies[district.heads[district.schools[0].id].email]  # sent after the leader already forwarded
    assert "/l/" not in leader_mail
    page = client.get(url.removeprefix(get_settings().base_url))
    assert page.status_code == 200 and "Giáo viên 0" in page.text
    assert session.exec(select(func.count()).select_from(ActionLink)).one() == 2  # the Phòng's reviewer and head


def test_dashboard_for_offices_only(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    phase = district.phase_id
    assert client.get(f"/dashboard/{phase}").status_code == 403  # nobody signed in
    head_of_school = TestClient(create_app())
    session.rollback()
    head_of_school.get(_path(sign_in_url(district.heads[district.schools[0].id])))
    assert head_of_school.get(f"/dashboard/{phase}").status_code == 403
    client.get(f"/l/{_link(session, district, dossier_id)}")
    assert client.get(f"/dashboard/{phase}").status_code == 403  # an action link signs nobody in
    client.get(_path(sign_in_url(district.people["phong_reviewer"])))
    page = client.get(f"/dashboard/{phase}")
    assert page.status_code == 200
    assert district.schools[0].name in page.text and "Phòng GD&amp;ĐT xét duyệt" in page.text
    assert "<td>Cá nhân</td><td>0</td><td>20</td>" in page.text
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve")
    session.commit()
    assert "<td>Cá nhân</td><td>2</td><td>20</td>" in client.get(f"/dashboard/{phase}").text
    offered = {"office-proposal", "higher-proposal", "block-approvals"}
    assert {name for name in offered if f'id="{name}"' in page.text} == {"office-proposal", "block-approvals"}
    chairman = TestClient(create_app())
    session.rollback()
    chairman.get(_path(sign_in_url(district.people["chairman"])))
    his = chairman.get(f"/dashboard/{phase}").text  # no tờ trình he does not draw up, no block approvals
    assert {name for name in offered if f'id="{name}"' in his} == {"higher-proposal"}


def test_block_leader_sees_members_and_forwards_the_block(session: Session, client: TestClient) -> None:
    today = local_today()
    district = make_district(session, blocks=1, schools_per_block=3, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})
    leader_school, member, idle = district.schools
    dossiers = {}
    for school in (leader_school, member):
        dossiers[school.id], _ = submit_school(session, district, school)
    session.commit()
    leader = district.leader_of(district.blocks[0])
    token = links.issue(session, person=leader, dossier=session.get(Dossier, dossiers[member.id]),
                        route=default_route())
    session.commit()
    page = client.get(f"/l/{token}")
    members = page.text.split('id="members"', 1)[1].split("</table>", 1)[0]
    assert idle.name in members and "Chưa lập hồ sơ" in members and members.count("Tổng hợp tại khối thi đua") == 2
    refused = client.post(f"/l/{token}", data={"csrf": _csrf(page.text), "action": "forward"})
    assert refused.status_code == 409 and "Khối còn 1 trường chưa gửi hồ sơ" in refused.text
    dossier_id, _ = submit_school(session, district, idle)
    session.commit()
    done = client.post(f"/l/{token}", data={"csrf": _csrf(page.text), "action": "forward"})
    assert done.status_code == 200 and "Phòng GD&amp;ĐT xét duyệt" in done.text
    session.expire_all()
    assert {d.stage for d in session.exec(select(Dossier)).all()} == {"phong_review"}


def test_a_title_beyond_the_chairman_is_shown_and_not_verified_for_his_decision(session: Session,
                                                                                 client: TestClient) -> None:
    """Nội vụ's page says who grants the Giám đốc Sở's Giấy khen; verifying the whole dossier for the district
    chairman's decision is refused with the reason, the link stays unspent, and the verdicts the page
    preselects (that nominee proposed higher, the other verified) send the rest to the decision."""
    district = _future_district(session)
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    noms = [services.add_nomination(session, dossier_id=dossier.id or 0, full_name=name, kind=SubjectKind.individual,
                                    title_code=title) for name, title in [("Nông Văn Tài", "LDTT"),
                                                                          ("Hoàng Thị Lan", "GK_SO")]]
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=local_today(), members_total=15,
                         members_present=13, tallies={n.id or 0: (12, 1) for n in noms})
    services.submit(session, dossier_id=dossier.id or 0, actor=district.heads[school.id])
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]))
    services.act(session, dossier_id=dossier.id or 0, actor=district.people["phong_reviewer"], action="approve")
    session.commit()
    dossier_id, ids = dossier.id or 0, [n.id for n in noms]  # read now: a refresh later would hold SQLite's lock
    token = _link(session, district, dossier_id, role="noivu_officer")
    page = client.get(f"/l/{token}")
    shown = "Do Giám đốc Sở GD&amp;ĐT quyết định: đề nghị cấp trên khen thưởng"
    assert page.status_code == 200 and page.text.count(shown) == 1
    before = _state(session, dossier_id)
    refused = client.post(f"/l/{token}", data={"csrf": _csrf(page.text), "action": "verify"})
    assert refused.status_code == 409
    assert "Hoàng Thị Lan: Giấy khen của Giám đốc Sở GD&amp;ĐT do Giám đốc Sở GD&amp;ĐT quyết định" in refused.text
    assert "không thuộc thẩm quyền của Chủ tịch UBND huyện" in refused.text
    assert _state(session, dossier_id) == before
    page = client.get(f"/l/{token}")  # not spent: the officer proposes her higher, as the page suggests
    assert page.text.count('value="forward_higher" checked') == 1
    assert f'name="verdict_{ids[1]}" value="forward_higher" checked' in page.text
    done = client.post(f"/l/{token}", data={"csrf": _csrf(page.text), **{
        f"verdict_{n}": verdict for n, verdict in zip(ids, ("approve", "forward_higher"), strict=True)}})
    assert done.status_code == 200 and "Chờ quyết định khen thưởng" in done.text
    session.expire_all()
    assert [session.get(Nomination, n).status for n in ids] == ["approved", "forwarded"]
    sign_in = _path(sign_in_url(district.people["noivu_officer"]))  # the dashboard is for those signed in
    session.rollback()  # SQLite: the test's read must not hold the database while the app reads
    client.get(sign_in)
    assert '<td class="forwarded">1</td>' in client.get(f"/dashboard/{district.phase_id}").text
    proposal = client.get(f"/dashboard/{district.phase_id}/to-trinh-cap-tren.docx")
    assert proposal.status_code == 200 and proposal.headers["content-type"] == documents.DOCX
    assert "Hoàng Thị Lan" in docx_text(proposal.content) and "Nông Văn Tài" not in docx_text(proposal.content)


def test_a_rejection_is_confirmed_first_and_nothing_is_written_until_then(session: Session,
                                                                          client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    token = _link(session, district, dossier_id)
    page = client.get(f"/l/{token}")
    assert 'value="approve" checked' not in page.text  # no verdict chosen for the reviewer
    form = {"csrf": _csrf(page.text), **{f"verdict_{n.id}": "approve" for n in noms}}
    form[f"verdict_{noms[0].id}"], form[f"reason_{noms[0].id}"] = "reject", "Chưa đủ thời gian công tác"
    before = _state(session, dossier_id)
    asked = client.post(f"/l/{token}", data=form)
    assert asked.status_code == 200 and "Xác nhận: Không đề nghị khen thưởng" in asked.text
    assert "Chưa đủ thời gian công tác" in asked.text.split('id="listed"', 1)[1]
    assert _state(session, dossier_id) == before  # nothing written, the link not spent
    back = client.get(f"/l/{token}")
    assert back.status_code == 200
    done = client.post(f"/l/{token}", data={**form, "confirm": "1"})
    assert done.status_code == 200 and "Phòng Nội vụ thẩm định" in done.text
    session.expire_all()
    assert session.get(Nomination, noms[0].id).status == "rejected"


def test_the_chairman_sees_the_annex_before_signing(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve")
    services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify")
    session.commit()
    token = _link(session, district, dossier_id, role="chairman")
    page = client.get(f"/l/{token}")
    asked = client.post(f"/l/{token}", data={"csrf": _csrf(page.text), "action": "decide", "number": "9/QĐ-UBND"})
    assert asked.status_code == 200 and 'id="annex"' in asked.text
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "awaiting_decision"
    session.rollback()
    annex = asked.text.split('id="annex"', 1)[1].split("</table>", 1)[0]
    assert annex.count("<tr>") == len(noms) + 1 and "Lao động tiên tiến" in annex and 'value="9/QĐ-UBND"' in asked.text
    done = client.post(f"/l/{token}", data={"csrf": _csrf(page.text), "action": "decide", "number": "9/QĐ-UBND",
                                            "confirm": "1"})
    assert done.status_code == 200 and "Đã ký Quyết định số 9/QĐ-UBND" in done.text


def test_the_dossier_page_shows_its_steps_and_the_stage_deadline(session: Session, client: TestClient) -> None:
    district, dossier_id, _ = _at_phong(session)
    token = _link(session, district, dossier_id)
    page = client.get(f"/l/{token}").text
    steps = page.split('id="steps">', 1)[1].split("</ol>", 1)[0]
    assert [s.split(">", 1)[1].split("<", 1)[0].strip() for s in steps.split("<li")[1:]] == [
        "Họp xét tại trường", "Tổng hợp tại khối thi đua", "Phòng GD&amp;ĐT xét duyệt", "Phòng Nội vụ thẩm định",
        "Chờ quyết định khen thưởng", "Đã có quyết định khen thưởng"]
    assert steps.count('class="done"') == 2 and 'class="current" aria-current="step">Phòng GD&amp;ĐT' in steps
    due = (local_today() + timedelta(days=12)).strftime("%d/%m/%Y")  # _future_district's phong_review
    assert f"Hạn của bước &#39;Phòng GD&amp;ĐT xét duyệt&#39;: 23:59 {due} (còn 12 ngày)." in page
    dossier = session.get(Dossier, dossier_id)
    later = local_today() + timedelta(days=15)
    assert stage_due(session, default_route(), dossier, today=later).endswith("(đã quá hạn 3 ngày).")
    assert stage_due(session, default_route(), dossier, today=later - timedelta(days=3)).endswith(
        "(hôm nay là hạn cuối).")
    session.rollback()


def test_a_used_link_still_lists_and_serves_its_dossiers_papers(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    token = _link(session, district, dossier_id)
    page = client.get(f"/l/{token}")
    assert client.post(f"/l/{token}", data={"csrf": _csrf(page.text), **{
        f"verdict_{n.id}": "approve" for n in noms}}).status_code == 200
    spent = client.get(f"/l/{token}")
    assert spent.status_code == 410 and f'href="/l/{token}/documents/to-trinh.docx"' in spent.text
    paper = client.get(f"/l/{token}/documents/to-trinh.docx")
    assert paper.status_code == 200 and paper.content.startswith(b"PK")
    assert "TỜ TRÌNH" in docx_text(paper.content)
    other = client.get(f"/l/{token}x/documents/to-trinh.docx")  # a forged one still reads nothing
    assert other.status_code == 404


def test_a_refused_verdict_comes_back_with_the_reviewers_choices_kept(session: Session, client: TestClient) -> None:
    district, dossier_id, noms = _at_phong(session)
    token = _link(session, district, dossier_id)
    ids = [n.id for n in noms]  # read now: after a rollback each would be read again, holding SQLite's lock
    page = client.get(f"/l/{token}")
    form = {"csrf": _csrf(page.text), **{f"verdict_{i}": "approve" for i in ids}}
    form[f"verdict_{ids[0]}"] = "return_for_revision"  # without the reason a return needs
    form[f"reason_{ids[1]}"] = "ghi chú giữ lại"
    before = _state(session, dossier_id)
    refused = client.post(f"/l/{token}", data=form)
    assert refused.status_code == 409 and 'id="error-summary"' in refused.text
    assert "Phải ghi rõ lý do trả lại" in refused.text.split('id="error-summary"', 1)[1].split("</div>", 1)[0]
    assert f'name="verdict_{ids[0]}" value="return_for_revision" checked' in refused.text
    assert f'name="verdict_{ids[1]}" value="approve" required checked' in refused.text
    assert 'value="ghi chú giữ lại"' in refused.text
    assert _state(session, dossier_id) == before  # nothing written, the link not spent
    session.rollback()  # end the read: SQLite transactions take the write lock
    form[f"reason_{ids[0]}"] = "Thiếu báo cáo thành tích"
    assert client.post(f"/l/{token}", data=form).status_code == 200
