"""The whole route by clicking, in a real headless Chromium, on the sample district dated from today (what
`make run` serves): a school signs in, enters its nominees and its council vote and submits; the block leader
forwards; the Phòng approves from the link in its email (opened from the dev mailbox); Nội vụ verifies; the
Chủ tịch signs the decision; the public results page lists the school's nominees."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, col, select

from config.settings import get_settings
from config.vocabulary import SubjectKind
from models.decision import Decision
from models.dossier import Dossier
from models.unit import Person, Unit
from notifications.outbox import deliver
from tdkt import services
from tdkt.cli.demo import register_year
from tdkt.cli.live import sample_sign_ins
from tdkt.common.timefmt import local_today
from tdkt.services.links import token_for
from tdkt.services.sample import load_sample
from tests.web.browser import Browser

TEACHER = "Lò Văn Quý"  # a teacher of Trường Mầm non Bản Xen; phase 1 proposes the district chairman's Giấy khen


def _others_submit(session: Session, school_ids: list[int]) -> None:
    """The rest of the block submits through the service layer (the browser part is one school)."""
    phase_id = session.exec(select(Dossier.phase_id)).first() or 1
    for school_id in school_ids:
        dossier = services.open_dossier(session, phase_id=phase_id, school_id=school_id)
        school = session.get(Unit, school_id)
        nomination = services.add_nomination(session, dossier_id=dossier.id or 0, full_name=school.name,
                                             kind=SubjectKind.collective, title_code="GK_HUYEN_TT")
        services.record_vote(session, dossier_id=dossier.id or 0, held_on=local_today(), members_total=9,
                             members_present=8, tallies={nomination.id or 0: (7, 1)})
        head = session.exec(select(Person).where(Person.unit_id == school_id)).one()
        services.submit(session, dossier_id=dossier.id or 0, actor=head)
    session.commit()


def _sign_in(browser: Browser, url: str) -> None:
    browser.send("Network.clearBrowserCookies")
    browser.goto(url, until="document.title.startsWith('Việc của tôi')")


def _open_dossier(browser: Browser, button: str) -> None:
    browser.click(button)
    browser.wait_for("location.pathname.startsWith('/l/')")


def _act(browser: Browser, button: str, *, confirm: str = "", approve_all: bool = False) -> str:
    """Click the action; with `approve_all`, choose "Đồng ý" for every nominee first (nothing is preselected);
    with `confirm`, check that the confirmation page shows it, then confirm."""
    if approve_all:
        browser.eval("document.querySelectorAll('input[type=radio][value=approve]').forEach(r => r.click())")
    browser.click(button)
    if confirm:
        browser.wait_for("document.title.startsWith('Xác nhận')")
        assert confirm in browser.text()
        browser.click("Xác nhận")
    browser.wait_for("document.title === 'Đã ghi nhận'")
    return browser.text()


def test_every_step_by_clicking(session: Session, server: str, browser: Browser, artifacts: Path, db_url: str) -> None:
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    register_year(session, load_sample(session, name="muong-khuong", today=local_today()))  # as `tdkt live` does
    session.commit()
    links = {s.who.split(" – ")[0].split(":")[0]: s for s in sample_sign_ins(session)}
    member = session.exec(select(Person).where(Person.email == links["Hiệu trưởng Trường Mầm non Bản Xen"].email)).one()
    school = session.get(Unit, member.unit_id)
    others = session.exec(select(Unit.id).where(Unit.block_id == school.block_id, Unit.id != school.id)).all()
    _others_submit(session, list(others))
    session.rollback()

    # The school: sign in, open a dossier for phase 1, enter two nominees and the vote, submit.
    _sign_in(browser, links["Hiệu trưởng Trường Mầm non Bản Xen"].url)
    browser.screenshot(artifacts / f"home-school-{backend}.png")
    _open_dossier(browser, "Lập hồ sơ Đợt 1")
    figures = {"total": "24", "completed": "24", "LDTT": "19", "CSTDCS": "2", "disciplined": "0"}  # its staff
    for name, kind, title, counts in [(TEACHER, "individual", "GK_HUYEN", {}),
                                      (school.name, "collective", "GK_HUYEN_TT", figures)]:
        browser.fill({"#nominate-form input[name=full_name]": name, "#nominate-form select[name=title]": title,
                      **{f"#nominate-form input[name=figure_{key}]": value for key, value in counts.items()}})
        browser.eval(f"document.querySelector('#nominate-form input[value={kind}]').click()")
        browser.click_through("Thêm vào danh sách",
                              f"document.body.innerText.includes({name!r}) && !!document.getElementById('vote-form')")
    today = local_today().strftime("%d/%m/%Y")
    browser.fill({"#vote-form input[name=held_on]": today, "#vote-form input[name=members]": "9",
                  "#vote-form input[name=present]": "8"})
    browser.eval("document.querySelectorAll('#vote-form input[name^=for_]').forEach(e => e.value = '7');"
                 "document.querySelectorAll('#vote-form input[name^=against_]').forEach(e => e.value = '1');")
    browser.click_through("Lưu biên bản", "document.body.innerText.includes('8/9 thành viên')")
    browser.screenshot(artifacts / f"school-page-{backend}.png")
    assert "Tổng hợp tại khối thi đua" in _act(browser, "Gửi hồ sơ lên khối thi đua", confirm=TEACHER)

    # The block leader: sign in, open the waiting dossier, forward the block.
    _sign_in(browser, links["Trưởng khối"].url)
    _open_dossier(browser, "Mở để xử lý")
    assert school.name in browser.text()
    assert "Phòng GD&ĐT xét duyệt" in _act(browser, "Chuyển danh sách tổng hợp")

    # The Phòng: the emailed link, clicked in the dev mailbox; approve every nomination.
    deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    browser.send("Network.clearBrowserCookies")  # the reviewer's own browser, not the block leader's
    browser.goto(server + "/mailbox")
    reviewer = links["Chuyên viên Phòng GD&ĐT"].email
    browser.eval(f"""[...document.querySelectorAll('details.mail')]
        .find(d => d.innerText.includes({reviewer!r}) && d.innerText.includes({school.name!r}))
        .querySelector('a[href*="/l/"]').click()""")
    browser.wait_for("document.getElementById('submit-verdicts') !== null")
    assert TEACHER in browser.text() and "7 / 1" in browser.text()
    assert "Số liệu tập thể: 24 cá nhân: 24 hoàn thành nhiệm vụ, 19 đạt LĐTT, 2 đạt CSTĐCS" in browser.text()
    browser.screenshot(artifacts / f"phong-review-{backend}.png")
    assert "Phòng Nội vụ thẩm định" in _act(browser, "Gửi ý kiến", approve_all=True)

    # Nội vụ verifies; the Chủ tịch signs the decision.
    _sign_in(browser, links["Chuyên viên Phòng Nội vụ"].url)
    _open_dossier(browser, "Mở để xử lý")
    assert "Chờ quyết định khen thưởng" in _act(browser, "Gửi ý kiến", approve_all=True)
    _sign_in(browser, links["Chủ tịch UBND huyện"].url)
    _open_dossier(browser, "Mở để xử lý")
    browser.fill({"input[name=number]": "15/QĐ-UBND"})
    done = _act(browser, "Ký quyết định khen thưởng", confirm=TEACHER)  # the annex, before signing
    assert "Đã ký Quyết định số 15/QĐ-UBND" in done and "Đã có quyết định khen thưởng" in done

    # Published: the public page lists the school's nominees, found without diacritics too.
    browser.click("công khai tại đây")
    browser.wait_for("document.title.startsWith('Công khai')")
    browser.fill({"input[name=q]": "lo van quy"})
    browser.click("Tìm")
    browser.wait_for("location.search.includes('q=')")
    page = browser.text()
    assert TEACHER in page and "Giấy khen của Chủ tịch UBND huyện" in page and "15/QĐ-UBND" in page
    browser.screenshot(artifacts / f"results-{backend}.png")
    decision = session.exec(select(Decision)).one()
    assert decision.number == "15/QĐ-UBND" and decision.signed_on == local_today()
    decided = session.exec(select(Dossier).where(Dossier.stage == "decided")).all()
    assert [d.school_id for d in decided] == [school.id]
    assert session.exec(select(Dossier).where(col(Dossier.school_id).in_(list(others)))).all()
