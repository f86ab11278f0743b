"""Quản trị (#39) through the pages: an office's person imports its units and staff, creates its plan and copies
it, invites and deactivates accounts — each change an audit event; a school's head and an office of another
district are refused with a Vietnamese 403 page, and a bad file changes nothing."""

from __future__ import annotations

import io
from typing import Any

import yaml
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, select

from config.vocabulary import UnitKind
from models.audit import AuditEvent, verify
from models.campaign import Campaign
from models.outbox import OutboxMessage
from models.unit import Person, Unit, get_unit_by_code
from tdkt.cli.live import sign_in_url
from tdkt.common.timefmt import local_today
from tests.factories import added
from tests.security.test_imports import _xlsx
from tests.services.test_plans import _plan
from tests.services.test_setup_imports import STAFF, UNITS
from tests.web.test_home_and_results import _path
from tests.web.test_links import _csrf
from web.app import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _office(session: Session) -> Person:
    """A new district's Phòng GD&ĐT with one chuyên viên, as `tdkt init` and one account would leave it."""
    ubnd = added(session, Unit(code="ubnd-lam-binh", name="UBND huyện Lâm Bình", kind=UnitKind.ubnd_huyen))
    phong = added(session, Unit(code="pgd-lam-binh", name="Phòng GD&ĐT huyện Lâm Bình", kind=UnitKind.phong_gddt,
                                parent_id=ubnd.id))
    person = added(session, Person(full_name="Ma Văn Kiên", email="kien.pgd@lb.test", role="phong_reviewer",
                                   unit_id=phong.id or 0))
    session.commit()
    return person


def _signed_in(session: Session, person: Person) -> TestClient:
    url = sign_in_url(person)
    session.rollback()  # SQLite: the page's writes wait for no read of this session
    client = TestClient(create_app())
    assert client.get(_path(url)).status_code == 200
    return client


def _post(client: TestClient, path: str, data: dict[str, str] | None = None,
          files: dict[str, tuple[str, bytes, str]] | None = None) -> Any:
    csrf = _csrf(client.get("/quan-tri").text)
    return client.post(path, data={"csrf": csrf, **(data or {})}, files=files)


def test_an_office_sets_up_its_district_through_the_pages(session: Session) -> None:
    admin = _office(session)
    client = _signed_in(session, admin)
    assert "Quản trị: đơn vị, cán bộ" in client.get("/home").text
    page = client.get("/quan-tri")
    assert page.status_code == 200 and "Quản trị: UBND huyện Lâm Bình" in page.text
    assert "<title>Quản trị – Thi đua – Khen thưởng</title>" in page.text

    done = _post(client, "/quan-tri/don-vi", files={"file": ("donvi.xlsx", _xlsx(UNITS), XLSX)})
    assert done.status_code == 200 and "Đã nhập danh sách đơn vị." in done.text and "th-na-hang" in done.text
    template = client.get("/quan-tri/mau-can-bo.xlsx")
    assert template.status_code == 200 and 'href="/quan-tri/mau-can-bo.xlsx"' in page.text
    assert "Trực tiếp giảng dạy" in [c.value for c in load_workbook(io.BytesIO(template.content)).active[1]]
    done = _post(client, "/quan-tri/can-bo", data={"unit": "th-na-hang"},
                 files={"file": ("can-bo.csv", STAFF.encode("utf-8"), "text/csv")})
    assert "Đã nhập danh sách cán bộ." in done.text and "ht.nahang@lb.test" in done.text
    plan = yaml.safe_dump(_plan(local_today()), allow_unicode=True).encode("utf-8")
    done = _post(client, "/quan-tri/ke-hoach", data={"issuer": "ubnd-lam-binh"},
                 files={"file": ("kehoach.yaml", plan, "application/yaml")})
    assert "Đã tạo phong trào từ kế hoạch." in done.text and "lam-binh-2026-2027" in done.text
    exported = client.get("/quan-tri/ke-hoach/lam-binh-2026-2027.yaml")
    assert exported.status_code == 200 and yaml.safe_load(exported.text)["school_year"] == "2026-2027"
    done = _post(client, "/quan-tri/ke-hoach/lam-binh-2026-2027/chep", data={"code": "lam-binh-2027-2028"})
    assert "Đã chép kế hoạch sang năm học sau." in done.text

    head = session.exec(select(Person).where(Person.email == "ht.nahang@lb.test")).one()
    head_id = head.id
    session.rollback()
    assert "Đã gửi thư mời" in _post(client, f"/quan-tri/tai-khoan/{head_id}/moi").text
    invitation = session.exec(select(OutboxMessage).where(OutboxMessage.event == "invitation")).one()
    assert invitation.recipient_email == "ht.nahang@lb.test" and "/s/" not in str(invitation.context)  # not stored
    session.rollback()

    assert "Đã ngừng hoạt động tài khoản." in _post(client, f"/quan-tri/tai-khoan/{head_id}/ngung").text
    session.rollback()
    assert session.get(Person, head_id).active is False
    url = sign_in_url(session.get(Person, head_id))
    session.rollback()
    refused = TestClient(create_app()).get(_path(url))
    assert refused.status_code == 409 and "Tài khoản này đã ngừng hoạt động" in refused.text

    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]  # type: ignore[arg-type]
    assert actions == ["import_units", "import_staff", "create_campaign", "create_campaign", "invite", "deactivate"]
    units = session.exec(select(AuditEvent).where(AuditEvent.action == "import_units")).one()
    assert units.actor_id == admin.id and "th-na-hang" in units.detail["created"]
    off = session.exec(select(AuditEvent).where(AuditEvent.action == "deactivate")).one()
    assert off.detail == {"person": "ht.nahang@lb.test", "before": {"active": True}, "after": {"active": False}}
    assert verify(session) == []  # the administrative events are in the same hash chain
    assert len(session.exec(select(Campaign)).all()) == 2
    session.rollback()


def test_a_bad_file_is_reported_at_the_top_and_changes_nothing(session: Session) -> None:
    client = _signed_in(session, _office(session))
    bad = [UNITS[0], ["th-a", "Trường A", "Trường học cơ sở", "", "pgd-lam-binh"]]
    page = _post(client, "/quan-tri/don-vi", files={"file": ("donvi.xlsx", _xlsx(bad), XLSX)})
    assert page.status_code == 422 and 'id="error-summary"' in page.text and 'href="#f-don-vi"' in page.text
    assert "Dòng 2, cột Loại: &#39;Trường học cơ sở&#39; không phải loại đơn vị" in page.text
    assert get_unit_by_code(session, code="th-a") is None and session.exec(select(AuditEvent)).all() == []
    session.rollback()
    empty = _post(client, "/quan-tri/can-bo", data={"unit": "pgd-lam-binh"})
    assert empty.status_code == 422 and "Chưa chọn tệp danh sách cán bộ." in empty.text
    plan = _plan(local_today())
    plan["phases"][0]["starts_on"] = "31/02/2026"  # type: ignore[index]
    plan["phases"][1]["number"] = "hai"  # type: ignore[index]
    page = _post(client, "/quan-tri/ke-hoach", data={"issuer": "ubnd-lam-binh"},
                 files={"file": ("kehoach.yaml", yaml.safe_dump(plan, allow_unicode=True).encode(), "text/yaml")})
    assert page.status_code == 422 and 'href="#f-ke-hoach"' in page.text
    assert "(phases.0.starts_on): không phải ngày hợp lệ (ghi dạng 2026-09-05)" in page.text
    assert "(phases.1.number): phải là số nguyên" in page.text and "kehoach.yaml, dòng" in page.text
    assert session.exec(select(Campaign)).all() == []
    session.rollback()


def test_schools_and_other_districts_are_refused(session: Session) -> None:
    admin = _office(session)
    other_ubnd = added(session, Unit(code="ubnd-khac", name="UBND huyện Khác", kind=UnitKind.ubnd_huyen))
    school = added(session, Unit(code="th-khac", name="Trường Tiểu học Khác", kind=UnitKind.school,
                                 parent_id=other_ubnd.id))
    head = added(session, Person(full_name="Lò Văn Khác", email="ht@khac.test", role="school_head",
                                 unit_id=school.id or 0))
    session.commit()
    head_id = head.id
    as_school = _signed_in(session, head)
    refused = as_school.get("/quan-tri")
    assert refused.status_code == 403 and "Không có quyền quản trị" in refused.text
    assert "Quản trị: đơn vị" not in as_school.get("/home").text
    client = _signed_in(session, admin)
    moved = [UNITS[0], ["th-khac", "Trường Tiểu học Khác", "Trường", "", "ubnd-khac"]]  # another district's unit
    page = _post(client, "/quan-tri/don-vi", files={"file": ("donvi.xlsx", _xlsx(moved), XLSX)})
    assert page.status_code == 422 and "th-khac không thuộc đơn vị bạn quản trị" in page.text
    forbidden = _post(client, f"/quan-tri/tai-khoan/{head_id}/ngung")
    assert forbidden.status_code == 403 and "không thuộc quyền quản trị của bạn" in forbidden.text
    session.rollback()
    assert session.get(Person, head_id).active is True
    session.rollback()


def test_an_account_and_a_unit_are_corrected_on_the_page(session: Session) -> None:
    admin = _office(session)
    client = _signed_in(session, admin)
    _post(client, "/quan-tri/don-vi", files={"file": ("donvi.xlsx", _xlsx(UNITS), XLSX)})
    _post(client, "/quan-tri/can-bo", data={"unit": "th-na-hang"},
          files={"file": ("can-bo.csv", STAFF.encode("utf-8"), "text/csv")})
    head = session.exec(select(Person).where(Person.email == "ht.nahang@lb.test")).one()
    head_id, admin_id = head.id, admin.id
    session.rollback()
    taken = _post(client, f"/quan-tri/tai-khoan/{head_id}", data={
        "full_name": "Ma Thị Hường", "email": "kien.pgd@lb.test", "role": "school_head", "unit": "th-na-hang"})
    assert taken.status_code == 422 and "kien.pgd@lb.test là email của Ma Văn Kiên" in taken.text
    bad_year = _post(client, f"/quan-tri/tai-khoan/{head_id}", data={
        "full_name": "Ma Thị Hường", "email": "ht.nahang@lb.test", "role": "school_head", "unit": "th-na-hang",
        "school_year": "2026-2028"})
    assert bad_year.status_code == 422 and "&#39;2026-2028&#39; không phải năm học dạng 2026-2027." in bad_year.text
    done = _post(client, f"/quan-tri/tai-khoan/{head_id}", data={
        "full_name": "Ma Thị Hường", "email": "HUONG.NAHANG@lb.test", "role": "emulation_officer",
        "unit": "thcs-thuong-lam", "school_year": "2026 - 2027"})
    assert "Đã lưu thay đổi." in done.text and "Cán bộ phụ trách thi đua (2026-2027)" in done.text
    renamed = _post(client, "/quan-tri/don-vi/th-na-hang", data={"name": "Trường PTDTBT Tiểu học Nà Hang",
                                                                  "email": "c1nahang@lb.test"})
    assert "Trường PTDTBT Tiểu học Nà Hang" in renamed.text
    outside = _post(client, "/quan-tri/don-vi/khong-co", data={"name": "X", "email": ""})
    assert outside.status_code == 403
    session.rollback()
    moved = session.get(Person, head_id)
    assert moved is not None and (moved.email, moved.role, moved.school_year) == (
        "huong.nahang@lb.test", "emulation_officer", "2026-2027")
    assert moved.unit_id == get_unit_by_code(session, code="thcs-thuong-lam").id
    edits = session.exec(select(AuditEvent).where(AuditEvent.action == "edit_account")).one()
    assert edits.actor_id == admin_id and edits.detail["before"]["role"] == "school_head"
    assert session.exec(select(AuditEvent).where(AuditEvent.action == "edit_unit")).one().detail["before"][
        "name"] == "Trường Tiểu học Nà Hang"
    session.rollback()


def test_a_districts_accounts_are_searched_and_paged(session: Session) -> None:
    admin = _office(session)
    client = _signed_in(session, admin)
    assert _post(client, "/quan-tri/don-vi", files={"file": ("donvi.xlsx", _xlsx(UNITS), XLSX)}).status_code == 200
    rows = "".join(f"Giáo viên số {i:02d},gv{i:02d}@lb.test,Cán bộ phụ trách thi đua\n" for i in range(60))
    staff = ("Họ và tên,Email,Vai trò\nMa Thị Hường,huong@lb.test,Hiệu trưởng\n" + rows).encode("utf-8")
    assert "Đã nhập danh sách cán bộ." in _post(client, "/quan-tri/can-bo", data={"unit": "th-na-hang"},
                                                   files={"file": ("can-bo.csv", staff, "text/csv")}).text
    first = client.get("/quan-tri")
    assert "Tài khoản: 62, trang 1/2" in first.text and first.text.count('id="f-tai-khoan-') == 50
    assert 'href="/quan-tri?tim=&amp;trang=2#accounts" rel="next"' in first.text
    second = client.get("/quan-tri", params={"trang": "2"})
    assert second.text.count('id="f-tai-khoan-') == 12 and 'rel="prev"' in second.text
    assert "kien.pgd@lb.test" in first.text + second.text  # the office's own account, among its units'
    found = client.get("/quan-tri", params={"tim": "huong"})  # without diacritics
    assert "Tài khoản có “huong”: 1" in found.text and "huong@lb.test" in found.text
    assert 'id="account-pages"' not in found.text
    assert client.get("/quan-tri", params={"trang": "99"}).text.count('id="f-tai-khoan-') == 12  # the last page
