"""Import of past years' awards (before tdkt kept them) from XLSX/CSV: Họ và tên, Đơn vị, Danh hiệu, Năm học
and optionally Số quyết định, Ngày sinh, Mã định danh. Every row or none; problems by row and column, as for
nominee lists. A row is matched to a person by identity (services.people); a row that could mean two people
is reported, never guessed."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from config.rules import RuleSet
from config.vocabulary import SubjectKind, UnitKind
from models.award import AwardRecord, school_year_start
from models.nomination import Nominee
from models.unit import Unit
from tdkt.common.errors import Refused, Violation
from tdkt.common.text import fold, unit_key
from tdkt.common.timefmt import parse_date
from tdkt.services import people
from tdkt.services.importer import formulas, header, read_table, title_code

COLUMNS = {"name": "Họ và tên", "unit": "Đơn vị", "title": "Danh hiệu", "year": "Năm học",
           "decision": "Số quyết định", "born": "Ngày sinh", "code": "Mã định danh"}
REQUIRED = ("name", "unit", "title", "year")
Row = tuple[int, "people.Identity", Unit, str, int, str | None]  # line, who, school, title, year, decision


def import_history(session: Session, *, rules: RuleSet, content: bytes, filename: str) -> int:
    """Add every row's award to the history (once: a row already there is skipped); returns rows read."""
    rows = read_table(content, filename)
    start, columns = header(rows, COLUMNS, REQUIRED)
    schools = {key: u for u in session.exec(select(Unit).where(Unit.kind == UnitKind.school))
               for key in (unit_key(u.name), fold(u.code))}
    records, problems = [], []
    for number, cells in enumerate(rows[start + 1:], start=start + 2):
        values = {key: cells[i] if i < len(cells) else "" for key, i in columns.items()}
        if not any(values.values()):
            continue
        school = schools.get(unit_key(values["unit"])) or schools.get(fold(values["unit"]))
        code = title_code(rules, values["title"])
        checks = [(not values["name"], "name", "không được để trống"),
                  (school is None, "unit", f"'{values['unit']}' không phải một trường trong hệ thống"),
                  (code is None, "title", f"'{values['title']}' không có trong bộ quy tắc {rules.name}"),
                  (not re.fullmatch(r"\d{4}\s*-\s*\d{4}", values["year"]), "year",
                   f"'{values['year']}' không đúng dạng 2021-2022")]
        found = [Violation("bad_row", f"Dòng {number}, cột {COLUMNS[column]}: {message}.")
                 for failed, column, message in checks if failed] + formulas(number, values, COLUMNS)
        who, problem = _identity(values, rules.titles[code].subject if code else SubjectKind.individual)
        found += [Violation("bad_row", f"Dòng {number}, cột {problem[0]}: {problem[1]}")] if problem else []
        problems += found
        if school is not None and code is not None and who is not None and not found:
            records.append((number, who, school, code, school_year_start(values["year"]), values.get("decision")))
    people_of = _people(session, records, problems)
    if problems or not records:
        raise Refused("bad_rows", "Không nhập dòng nào vì tệp có lỗi:\n" + "\n".join(p.message for p in problems)
                      if problems else "Tệp không có dòng dữ liệu nào.", problems)
    for number, who, school, code, year, decision in records:
        nominee = people_of[number] or people.person_for(session, school_id=school.id or 0, who=who)
        if session.exec(select(AwardRecord).where(AwardRecord.nominee_id == nominee.id, AwardRecord.title_code == code,
                                                  AwardRecord.year == year)).first() is None:
            session.add(AwardRecord(nominee_id=nominee.id or 0, title_code=code, year=year,
                                    decision_number=decision or None))
    session.flush()
    return len(records)


def _identity(values: dict[str, str], kind: SubjectKind) -> tuple[people.Identity | None, tuple[str, str] | None]:
    """The row's person as entered, or the column and what is wrong with it."""
    try:
        born = parse_date(values["born"]) if values.get("born") else None
    except Refused as refusal:
        return None, (COLUMNS["born"], refusal.message)
    try:
        code = people.identity_code(values.get("code"))
    except Refused as refusal:
        return None, (COLUMNS["code"], refusal.message)
    return people.Identity(values["name"], kind, born, code), None


def _people(session: Session, records: list[Row], problems: list[Violation]) -> dict[int, Nominee | None]:
    """The person each row means, as the records stand (None: a person new to tdkt); a row whose person cannot be
    told apart, or whose code is someone else's, is a problem of its row."""
    found: dict[int, Nominee | None] = {}
    for number, who, school, _, _, _ in records:
        try:
            found[number] = people.find(session, school_id=school.id or 0, who=who)
        except Refused as refusal:
            problems.append(Violation("bad_row", f"Dòng {number}: {refusal.message}"))
    return found
