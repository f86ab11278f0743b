"""A school's staff, imported from the list it already keeps (XLSX; CSV in UTF-8, UTF-16 or Windows-1258, NFD or
NFC): one person record each, found by identity (services.people), so a teacher who moved here from another school
keeps the award history; those given an email and a role also get an account that acts in the route. Every row or
none, each problem named by row and column."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from config.route import default_route
from config.vocabulary import SubjectKind, UnitKind
from models.audit import record_change
from models.unit import Person, Unit, get_person_by_email, get_unit_by_code
from tdkt.common.errors import Refused, Violation
from tdkt.common.text import entered, fold
from tdkt.common.timefmt import parse_date
from tdkt.services import people
from tdkt.services.importer import formulas, header, list_to_fill, read_table

COLUMNS = {"name": "Họ và tên", "born": "Ngày sinh", "code": "Mã định danh", "position": "Chức vụ",
           "sex": "Giới tính", "teaching": "Trực tiếp giảng dạy", "email": "Email", "role": "Vai trò",
           "year": "Năm học"}
SCHOOL_YEAR = re.compile(r"(\d{4})-(\d{4})")
REQUIRED = ("name",)
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class StaffRow:
    number: int
    name: str
    born: date | None
    code: str | None
    position: str | None
    email: str | None
    role: str | None
    year: str | None = None  # the school year the role holds for; every year when none
    profile: people.Profile = people.Profile()


def is_school_year(text: str) -> bool:
    """'2026-2027': two consecutive years."""
    found = SCHOOL_YEAR.fullmatch(text)
    return found is not None and int(found[2]) == int(found[1]) + 1


def _role(text: str) -> str | None:
    """A route role by its code or its Vietnamese label ("Hiệu trưởng")."""
    wanted = fold(text)
    return next((code for code, label in default_route().roles.items() if wanted in (fold(code), fold(label))), None)


def parse_staff(rows: list[list[str]]) -> tuple[list[StaffRow], list[Violation]]:
    start, columns = header(rows, COLUMNS, REQUIRED)
    parsed: list[StaffRow] = []
    problems: list[Violation] = []
    emails: dict[str, int] = {}
    for number, cells in enumerate(rows[start + 1:], start=start + 2):
        values = {key: (cells[i] if i < len(cells) else "").strip() for key, i in columns.items()}
        if not any(values.values()):
            continue
        where = f"Dòng {number}"
        before = len(problems)
        problems += formulas(number, values, COLUMNS)
        checked: dict[str, object] = {}
        for key, read in (("name", lambda v: entered(COLUMNS["name"], v, max_length=200, required=True)),
                          ("position", lambda v: entered(COLUMNS["position"], v, max_length=120)),
                          ("born", lambda v: parse_date(v) if v else None),
                          ("code", people.identity_code), ("sex", people.sex),
                          ("teaching", people.direct_teaching)):
            try:
                checked[key] = read(values.get(key, ""))
            except Refused as exc:
                problems.append(Violation(exc.code, f"{where}, cột {COLUMNS[key]}: "
                                                    f"{exc.message.removeprefix(COLUMNS[key] + ': ')}"))
        email = values.get("email", "").lower() or None
        if email and not EMAIL.fullmatch(email):
            problems.append(Violation("bad_email", f"{where}, cột {COLUMNS['email']}: '{email[:60]}' không phải "
                                                   "địa chỉ email."))
        elif email and email in emails:
            problems.append(Violation("duplicate", f"{where}, cột {COLUMNS['email']}: {email} đã có ở dòng "
                                                   f"{emails[email]}."))
        role = _role(values["role"]) if values.get("role") else None
        if values.get("role") and role is None:
            known = ", ".join(default_route().roles.values())
            problems.append(Violation("bad_role", f"{where}, cột {COLUMNS['role']}: '{values['role'][:40]}' không "
                                                  f"phải vai trò trên tuyến; có: {known}."))
        if role and not email:
            problems.append(Violation("role_without_email", f"{where}, cột {COLUMNS['email']}: người có vai trò cần "
                                                            "email để nhận thư và đường dẫn."))
        year = values.get("year", "").replace(" ", "") or None
        if year and not is_school_year(year):
            problems.append(Violation("bad_year", f"{where}, cột {COLUMNS['year']}: '{year[:20]}' không phải năm học "
                                                  "dạng 2026-2027."))
        if email:
            emails.setdefault(email, number)
        if len(problems) > before:
            continue
        name, position = str(checked["name"]), str(checked["position"])
        born = checked["born"] if isinstance(checked["born"], date) else None
        code = str(checked["code"]) if checked["code"] else None
        parsed.append(StaffRow(number, name, born, code, position or None, email, role, year,
                               people.profile(checked["sex"], checked["teaching"])))
    if not parsed and not problems:
        problems.append(Violation("empty", "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    return parsed, problems


def import_staff(session: Session, *, unit_code: str, content: bytes, filename: str,
                 actor: Person | None = None) -> int:
    """Every person of the file into the unit (its staff), or none; Refused listing each problem. With `actor`,
    the change is an audit event (each account before → after)."""
    unit = get_unit_by_code(session, code=unit_code)
    if unit is None:
        raise Refused("unknown_unit", f"Không có đơn vị mã '{unit_code}'.")
    rows, problems = parse_staff(read_table(content, filename))
    problems += _accounts_elsewhere(session, unit, rows)
    if problems:
        raise Refused("bad_rows", "Không nhập dòng nào vì tệp có lỗi:\n" + "\n".join(p.message for p in problems),
                      problems)
    for row in rows:
        who = people.Identity(row.name, SubjectKind.individual, row.born, row.code)
        try:
            if unit.kind == UnitKind.school:  # a school's staff are those it may nominate
                people.person_for(session, school_id=unit.id or 0, who=who, position=row.position,
                                  profile=row.profile)
        except Refused as exc:
            raise Refused(exc.code, f"Không nhập dòng nào: dòng {row.number}: {exc.message}") from exc
    accounts = save_accounts(session, unit=unit, rows=rows)
    if actor is not None:
        record_change(session, actor=actor, action="import_staff", detail={
            "unit": unit.code, "file": filename, "people": len(rows), "accounts": accounts})
    return len(rows)


def save_accounts(session: Session, *, unit: Unit, rows: list[StaffRow]) -> dict[str, dict[str, object]]:
    """The accounts of the rows that give an email and a role, created or moved to `unit` and made active (a
    staff list's, or a seed sample's people); each account's before → after, by email."""
    accounts: dict[str, dict[str, object]] = {}
    for row in rows:
        if not (row.email and row.role):
            continue
        known = get_person_by_email(session, email=row.email)
        was = {"role": known.role, "unit": known.unit_id, "active": known.active,
               "school_year": known.school_year} if known else None
        account = known or Person(full_name=row.name, email=row.email, role=row.role, unit_id=unit.id or 0)
        account.full_name, account.role, account.unit_id = row.name, row.role, unit.id or 0
        account.title, account.active, account.school_year = row.position or account.title, True, row.year
        session.add(account)
        accounts[row.email] = {"before": was, "after": {"role": row.role, "unit": unit.id, "active": True,
                                                        "school_year": row.year}}
    session.flush()
    return accounts


def _accounts_elsewhere(session: Session, unit: Unit, rows: list[StaffRow]) -> list[Violation]:
    """An email whose account belongs to another person is a typo, not a transfer."""
    problems = []
    for row in rows:
        account = get_person_by_email(session, email=row.email) if row.email else None
        if account is not None and fold(account.full_name) != fold(row.name):
            problems.append(Violation("email_taken", f"Dòng {row.number}, cột {COLUMNS['email']}: {row.email} là "
                                                     f"email của {account.full_name}."))
    return problems


def staff_template() -> bytes:
    """The staff list to fill in: the columns `import_staff` reads, with example rows."""
    book, sheet = list_to_fill("Cán bộ", list(COLUMNS.values()))
    for example in (["Nguyễn Thị Hoa", "05/09/1985", "001185012345", "Hiệu trưởng", "Nữ", "Không",
                     "hoa.nt@vidu.edu.vn", default_route().roles.get("school_head", ""), ""],
                    ["Lò Văn Minh", "12/03/1990", "", "Giáo viên", "Nam", "Có"]):
        sheet.append(example)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
