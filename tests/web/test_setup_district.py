"""A district that is not in the repository set up from nothing through the pages (#39), in a real Chromium:
the first account as `tdkt units import` and `tdkt staff import` leave it, then on the Quản trị page the
district's units and its people imported from spreadsheets made here, roles assigned by those lists, a plan of two
phases created; the school's head invited by email signs in from the dev mailbox, opens a dossier, enters a
nominee and the council's vote and submits; the people just imported take it to the chairman's decision."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlmodel import Session, select

from config.settings import get_settings
from models.decision import Decision
from models.dossier import Dossier
from models.unit import Person, Unit
from notifications.outbox import deliver
from tdkt import services
from tdkt.cli.live import sign_in_url
from tdkt.common.timefmt import local_today
from tdkt.services.links import sign_in_path, token_for
from tdkt.services.staff import import_staff
from tdkt.services.units import import_units
from tests.security.test_imports import _xlsx
from tests.services.test_plans import _plan
from tests.services.test_setup_imports import UNITS
from tests.web.browser import Browser
from tests.web.test_full_route_browser import _act, _others_submit

STAFF = {"th-na-hang": "Ma Thị Hường,ht.nahang@lb.test,Hiệu trưởng",
         "thcs-thuong-lam": "Hoàng Văn Sinh,ht.thuonglam@lb.test,Hiệu trưởng",
         "pnv-lam-binh": "Hà Thị Lan,lan.pnv@lb.test,Chuyên viên Phòng Nội vụ",
         "ubnd-lam-binh": "Nông Văn Quân,chutich@lb.test,Chủ tịch UBND huyện"}
TEACHER = "Lò Thị Sen"


def _first_account(session: Session) -> Person:
    """The district's UBND and Phòng, and the Phòng's chuyên viên who sets up the rest (the command line's work)."""
    first = [UNITS[0], UNITS[2], UNITS[3]]  # the header, the UBND, the Phòng
    import_units(session, content=_xlsx(first), filename="donvi.xlsx")
    import_staff(session, unit_code="pgd-lam-binh", filename="can-bo.csv", content=(
        "Họ và tên,Email,Vai trò\nMa Văn Kiên,kien.pgd@lb.test,Chuyên viên Phòng GD&ĐT\n").encode())
    session.commit()
    return session.exec(select(Person).where(Person.email == "kien.pgd@lb.test")).one()


def _upload(browser: Browser, field: str, path: Path, button: str, done: str, choices: dict[str, str]) -> None:
    browser.fill(choices)
    browser.choose_file(field, path)
    browser.click_through(button, f"document.body.innerText.includes({done!r})")


def test_a_new_district_is_set_up_from_the_pages(session: Session, server: str, browser: Browser, artifacts: Path,
                                                 db_url: str, tmp_path: Path) -> None:
    backend = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    url = sign_in_url(_first_account(session))
    session.rollback()
    browser.goto(url, until="document.title.startsWith('Việc của tôi')")
    browser.click_through("Quản trị: đơn vị", "document.title.startsWith('Quản trị')")

    (tmp_path / "donvi.xlsx").write_bytes(_xlsx(UNITS))
    _upload(browser, "#units-file", tmp_path / "donvi.xlsx", "Nhập danh sách đơn vị", "Đã nhập danh sách đơn vị.", {})
    for unit, line in STAFF.items():
        (tmp_path / f"{unit}.csv").write_text(f"Họ và tên,Email,Vai trò\n{line}\n", encoding="utf-8")
        _upload(browser, "#staff-file", tmp_path / f"{unit}.csv", "Nhập danh sách cán bộ", "Đã nhập danh sách cán bộ.",
                {"#staff-unit": unit})
    (tmp_path / "kehoach.yaml").write_text(yaml.safe_dump(_plan(local_today()), allow_unicode=True), encoding="utf-8")
    _upload(browser, "#plan-file", tmp_path / "kehoach.yaml", "Tạo phong trào từ kế hoạch",
            "Đã tạo phong trào từ kế hoạch.", {"#plan-issuer": "ubnd-lam-binh"})
    assert "lam-binh-2026-2027" in browser.text() and "Hà Thị Lan" in browser.text()
    browser.screenshot(artifacts / f"admin-{backend}.png")

    head = session.exec(select(Person).where(Person.email == "ht.nahang@lb.test")).one()
    head_id = head.id
    session.rollback()
    browser.click_through("Gửi thư mời", "document.body.innerText.includes('Đã gửi thư mời')",
                          selector=f"#invite-{head_id}")
    deliver(session, settings=get_settings(), issue_link=token_for, sign_in=sign_in_path)  # the scheduler's job
    session.commit()

    # The head, invited: the sign-in link in the email (the dev mailbox), then a dossier for phase 1.
    browser.send("Network.clearBrowserCookies")
    browser.goto(server + "/mailbox")
    browser.eval("""[...document.querySelectorAll('details.mail')]
        .find(d => d.innerText.includes('ht.nahang@lb.test') && d.innerText.includes('Mời sử dụng'))
        .querySelector('a[href*="/s/"]').click()""")
    browser.wait_for("document.title.startsWith('Việc của tôi')")
    assert "Ma Thị Hường" in browser.text()
    browser.click("Lập hồ sơ Đợt 1")
    browser.wait_for("location.pathname.startsWith('/l/')")
    browser.fill({"#nominate-form input[name=full_name]": TEACHER, "#nominate-form select[name=title]": "GK_HUYEN"})
    browser.eval("document.querySelector('#nominate-form input[value=individual]').click()")
    browser.click_through("Thêm vào danh sách", f"document.body.innerText.includes({TEACHER!r})")
    browser.fill({"#vote-form input[name=held_on]": local_today().strftime("%d/%m/%Y"),
                  "#vote-form input[name=members]": "9", "#vote-form input[name=present]": "9"})
    browser.eval("document.querySelectorAll('#vote-form input[name^=for_]').forEach(e => e.value = '9');"
                 "document.querySelectorAll('#vote-form input[name^=against_]').forEach(e => e.value = '0');")
    browser.click_through("Lưu biên bản", "document.body.innerText.includes('9/9 thành viên')")
    assert "Tổng hợp tại khối thi đua" in _act(browser, "Gửi hồ sơ lên khối thi đua", confirm=TEACHER)

    # The other school of the block, then every office, by the people the lists made: to the decision.
    other = session.exec(select(Unit).where(Unit.code == "thcs-thuong-lam")).one()
    _others_submit(session, [other.id or 0])
    people = {p.email: p for p in session.exec(select(Person))}
    block = session.exec(select(Unit).where(Unit.code == "khoi-a")).one()
    dossiers = session.exec(select(Dossier)).all()
    services.forward_block(session, block_id=block.id or 0, phase_id=dossiers[0].phase_id,
                           actor=people["ht.nahang@lb.test"])
    for dossier in dossiers:
        services.act(session, dossier_id=dossier.id or 0, actor=people["kien.pgd@lb.test"], action="approve")
        services.act(session, dossier_id=dossier.id or 0, actor=people["lan.pnv@lb.test"], action="verify")
    [decision] = services.decide(session, phase_id=dossiers[0].phase_id, actor=people["chutich@lb.test"],
                                 signed_on=local_today())
    session.commit()
    assert session.exec(select(Decision)).one().issuer_unit_id == people["chutich@lb.test"].unit_id
    assert decision.form == "GK_HUYEN"
