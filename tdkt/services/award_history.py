"""Import of past years' awards (before tdkt kept them) from XLSX/CSV: Họ và tên, Đơn vị, Danh hiệu, Năm học
and optionally Số quyết định. Every row or none; problems by row and column, as for nominee lists."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from config.rules import RuleSet
from config.vocabulary import UnitKind
from models.award import AwardRecord, school_year_start
from models.nomination import Nominee
from models.unit import Unit
from tdkt.common.errors import Refused, Violation
from tdkt.common.text import fold
from tdkt.services.importer import header, read_table, title_code

COLUMNS = {"name": "Họ và tên", "unit": "Đơn vị", "title": "Danh hiệu", "year": "Năm học",
           "decision": "Số quyết định"}
REQUIRED = ("name", "unit", "title", "year")


def import_history(session: Session, *, rules: RuleSet, content: bytes, filename: str) -> int:
    """Add every row's award to the history (once: a row already there is skipped); returns rows read."""
    rows = read_table(content, filename)
    start, columns = header(rows, COLUMNS, REQUIRED)
    schools = {key: u for u in session.exec(select(Unit).where(Unit.kind == UnitKind.school))
               for key in (fold(u.name), fold(u.code))}
    records, problems = [], []
    for number, cells in enumerate(rows[start + 1:], start=start + 2):
        values = {key: cells[i] if i < len(cells) else "" for key, i in columns.items()}
        if not any(values.values()):
            continue
        school, code = schools.get(fold(values["unit"])), title_code(rules, values["title"])
        checks = [(not values["name"], "name", "không được để trống"),
                  (school is None, "unit", f"'{values['unit']}' không phải một trường trong hệ thống"),
                  (code is None, "title", f"'{values['title']}' không có trong bộ quy tắc {rules.name}"),
                  (not re.fullmatch(r"\d{4}\s*-\s*\d{4}", values["year"]), "year",
                   f"'{values['year']}' không đúng dạng 2021-2022")]
        found = [Violation("bad_row", f"Dòng {number}, cột {COLUMNS[column]}: {message}.")
                 for failed, column, message in checks if failed]
        problems += found
        if school is not None and code is not None and not found:
            records.append((values["name"], school, code, school_year_start(values["year"]), values.get("decision")))
    if problems or not records:
        raise Refused("bad_rows", "Không nhập dòng nào vì tệp có lỗi:\n" + "\n".join(p.message for p in problems)
                      if problems else "Tệp không có dòng dữ liệu nào.", problems)
    for name, school, code, year, decision in records:
        kind = rules.titles[code].subject
        nominee = session.exec(select(Nominee).where(Nominee.unit_id == school.id, Nominee.full_name == name,
                                                     Nominee.kind == kind)).first()
        if nominee is None:
            nominee = Nominee(kind=kind, full_name=name, unit_id=school.id or 0)
            session.add(nominee)
            session.flush()
        if session.exec(select(AwardRecord).where(AwardRecord.nominee_id == nominee.id, AwardRecord.title_code == code,
                                                  AwardRecord.year == year)).first() is None:
            session.add(AwardRecord(nominee_id=nominee.id or 0, title_code=code, year=year,
                                    decision_number=decision or None))
    session.flush()
    return len(records)
