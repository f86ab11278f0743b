"""In a real headless Chromium: open the emailed link, return one nominee with a reason, approve the rest;
the school's email (seen in the dev mailbox page) carries the reason. Screenshots go to test-artifacts/."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default
from pathlib import Path

from sqlmodel import Session

from config.settings import get_settings
from models.dossier import Dossier
from notifications.mailer import mailbox_files
from notifications.outbox import deliver
from tdkt.services.links import token_for
from tests.web.browser import Browser
from tests.web.test_links import _at_phong

REASON = "Thiếu báo cáo thành tích có xác nhận"


def test_return_one_nominee_by_link_in_a_browser(session: Session, server: str, browser: Browser, artifacts: Path,
                                                 db_url: str) -> None:
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    district, dossier_id, noms = _at_phong(session)
    deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    reviewer = district.people["phong_reviewer"].email
    mails = [message_from_bytes(p.read_bytes(), policy=default) for p in mailbox_files()]
    mail = next(m for m in mails if m["To"].addresses[0].addr_spec == reviewer)
    link = next(w for w in mail.get_body(("plain",)).get_content().split() if w.startswith(server + "/l/"))

    browser.goto(link)
    assert "Phòng GD&ĐT xét duyệt" in browser.text() and "Giáo viên 0" in browser.text()
    browser.screenshot(artifacts / f"dossier-{backend}.png")
    first = noms[0].id
    browser.eval(f"""
        document.querySelectorAll('input[type=radio][value=approve]').forEach(r => r.click());
        document.querySelector('input[name="verdict_{first}"][value="return_for_revision"]').click();
        document.querySelector('input[name="reason_{first}"]').value = "{REASON}";
        document.getElementById('submit-verdicts').click();""")
    browser.wait_for("document.title === 'Đã ghi nhận'")
    assert "Họp xét tại trường" in browser.text() and REASON in browser.text()
    browser.screenshot(artifacts / f"done-{backend}.png")
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "school_vote"
    session.rollback()

    deliver(session, settings=get_settings(), issue_link=token_for)  # the school is told, with the reason
    session.commit()
    browser.goto(server + "/mailbox")
    head = district.heads[district.schools[0].id].email
    browser.eval("document.querySelectorAll('details').forEach(d => d.open = true)")
    page = browser.text()
    assert "bị trả lại để bổ sung" in page and head in page and REASON in page
    browser.screenshot(artifacts / f"mailbox-{backend}.png")
