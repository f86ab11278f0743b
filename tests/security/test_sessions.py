"""A browser's sign-in is a session on the server: begun only by a sign-in link, ended by signing out (a copied
cookie dies with it) and by its expiry; opening an action link signs nobody in (a mail scanner, a forwarded
email), and the link alone still authorises its own action."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from config.route import default_route
from models.db import utcnow
from models.dossier import Dossier
from models.web_session import WebSession
from tdkt.cli.live import sign_in_url
from tdkt.common.timefmt import local_today
from tdkt.services import links, sessions
from tests.factories import District, make_district, submit_school
from tests.web.test_links import _csrf
from web.app import create_app
from web.deps import PERSON_COOKIE


def _district(session: Session) -> District:
    today = local_today()
    return make_district(session, blocks=1, schools_per_block=1, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(session: Session) -> None:
    district = _district(session)
    head = district.heads[district.schools[0].id or 0]
    browser = TestClient(create_app())
    home = browser.get(_path(sign_in_url(head)))
    assert home.status_code == 200 and "Việc của tôi" in home.text
    cookie = browser.cookies[PERSON_COOKIE]
    assert "." not in cookie and len(cookie) >= 40  # a random token, not "<person id>.<signature>"
    stored = session.exec(select(WebSession)).one()
    assert stored.token_hash != cookie and stored.person_id == head.id
    assert (stored.expires_at - stored.created_at) == timedelta(hours=12)
    session.rollback()  # end the read: SQLite transactions take the write lock (see models.db)

    copy = TestClient(create_app(), cookies={PERSON_COOKIE: cookie})
    assert copy.get("/home").status_code == 200
    out = browser.post("/signout", data={"csrf": _csrf(home.text)})
    assert out.status_code == 200 and "Đã đăng xuất" in out.text
    assert copy.get("/home").status_code == 403  # the copy died with the session
    assert browser.get("/home").status_code == 403
    session.expire_all()
    assert session.exec(select(WebSession)).one().ended_at is not None


def test_an_expired_session_signs_nobody_in(session: Session) -> None:
    district = _district(session)
    head = district.heads[district.schools[0].id or 0]
    token = sessions.start(session, person_id=head.id or 0, now=utcnow() - timedelta(hours=13))
    session.commit()
    old = TestClient(create_app(), cookies={PERSON_COOKIE: token})
    answer = old.get("/home")
    assert answer.status_code == 403 and "Chưa đăng nhập" in answer.text
    assert TestClient(create_app(), cookies={PERSON_COOKIE: "x" * 5000}).get("/home").status_code == 403


def test_an_action_link_signs_nobody_in_but_still_acts(session: Session) -> None:
    district = _district(session)
    school = district.schools[0]
    dossier_id, _ = submit_school(session, district, school)
    leader = district.leader_of(district.blocks[0])
    token = links.issue(session, person=leader, dossier=session.get(Dossier, dossier_id), route=default_route())
    session.commit()
    scanner = TestClient(create_app())
    opened = scanner.get(f"/l/{token}")
    assert opened.status_code == 200 and PERSON_COOKIE not in opened.cookies
    assert scanner.get("/home").status_code == 403  # the scanner (or whoever got the email forwarded) is nobody
    acted = scanner.post(f"/l/{token}", data={"csrf": _csrf(opened.text), "action": "forward"})
    assert acted.status_code == 200 and "Đã ghi nhận" in acted.text
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "phong_review"
