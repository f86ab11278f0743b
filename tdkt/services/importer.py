"""Import a school's nominee list from XLSX or CSV, in the layout offices already use.

Columns (header row, any order, matched without case or diacritics): Họ và tên, Chức vụ, Đơn vị,
Danh hiệu đề nghị, Thành tích, and optionally Sáng kiến (the recognised initiative) and, for collectives, the
figures of their members that the rule set asks for (Tổng số cá nhân trong tập thể, Số cá nhân đạt LĐTT, …:
tdkt/members.py). The title may be given by code (LDTT), abbreviation (LĐTT) or name. Every row is checked
first; one bad row stores nothing and every problem is reported with its row and column.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date

from openpyxl import load_workbook
from sqlmodel import Session

from config.rules import RuleSet
from config.vocabulary import SubjectKind
from models.campaign import phase_rules
from models.dossier import Dossier
from models.unit import Unit
from tdkt import services
from tdkt.common.errors import Refused, Violation
from tdkt.common.text import entered, fold, nfc
from tdkt.common.timefmt import parse_date
from tdkt.workflow import members

COLUMNS = {"name": "Họ và tên", "position": "Chức vụ", "unit": "Đơn vị", "title": "Danh hiệu đề nghị",
           "achievements": "Thành tích", "initiative": "Sáng kiến", "born": "Ngày sinh", "code": "Mã định danh",
           "recruited": "Ngày tuyển dụng"}
DATES = ("born", "recruited")
REQUIRED = ("name", "title")
FIGURE = "figure:"  # column keys of the members' figures: "figure:" + the figure (tdkt/members.py)


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]
    figures: members.Figures | None = None
    days: dict[str, date | None] = field(default_factory=dict)  # the date columns, read


def _columns(rules: RuleSet) -> dict[str, str]:
    """The columns a file may have under this rule set: the fixed ones, then its collectives' figures."""
    return {**COLUMNS, **{FIGURE + key: members.label(rules, key) for key in members.asked(rules)}}


def _cell(value: object) -> str:
    """A spreadsheet cell as text; a date cell (ngày sinh) as dd/mm/yyyy, as it was typed."""
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else nfc(value)


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """Rows of cells from an XLSX workbook (first sheet) or a UTF-8 CSV; refuses anything else."""
    if content.startswith(b"PK") and filename.lower().endswith((".xlsx", ".xlsm")):
        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise Refused("bad_file", f"Tệp {filename} không đọc được như một bảng tính Excel (.xlsx).") from exc
        return [[_cell(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    if filename.lower().endswith(".csv"):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Refused("bad_encoding", f"Tệp {filename} không phải CSV mã hóa UTF-8.") from exc
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
        return [[nfc(cell) for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    raise Refused("bad_type", f"Tệp {filename} không phải .xlsx hoặc .csv.")


def header(rows: list[list[str]], columns: dict[str, str] = COLUMNS,
           required: tuple[str, ...] = REQUIRED) -> tuple[int, dict[str, int]]:
    """The first row naming the required columns, and the column index of each known field."""
    wanted = {fold(label): key for key, label in columns.items()}
    for index, row in enumerate(rows[:10]):
        found = {wanted[fold(cell)]: i for i, cell in enumerate(row) if fold(cell) in wanted}
        if all(key in found for key in required):
            return index, found
    missing = ", ".join(columns[k] for k in required)
    raise Refused("no_header", f"Không tìm thấy dòng tiêu đề có các cột: {missing}.")


def title_code(rules: RuleSet, text: str) -> str | None:
    wanted = fold(text)
    for code, title in rules.titles.items():
        if wanted in (fold(code), fold(title.abbreviation), fold(title.name)):
            return code
    return None


TEXT_LIMITS = {"name": 200, "position": 120, "achievements": 4000}  # the columns' lengths (models.nomination)


def parse(rows: list[list[str]], *, rules: RuleSet, school: Unit) -> tuple[list[Row], list[Violation]]:
    """Check every data row; returns the rows (with `title` as a code) and the problems found."""
    start, columns = header(rows, _columns(rules))
    parsed, problems, seen = [], [], set()
    for number, cells in enumerate(rows[start + 1:], start=start + 2):
        values = {key: cells[i] if i < len(cells) else "" for key, i in columns.items()}
        if not any(values.values()):
            continue
        where = f"Dòng {number}"
        if not values["name"]:
            problems.append(Violation("empty_name", f"{where}, cột {COLUMNS['name']}: không được để trống."))
        for column, limit in TEXT_LIMITS.items():
            try:
                entered(f"{where}, cột {COLUMNS[column]}", values.get(column, ""), max_length=limit)
            except Refused as exc:
                problems.append(Violation(exc.code, exc.message))
        code = title_code(rules, values["title"])
        if code is None:
            problems.append(Violation("unknown_title", f"{where}, cột {COLUMNS['title']}: '{values['title']}' "
                                                       f"không có trong bộ quy tắc {rules.name}."))
        unit = values.get("unit", "")
        if unit and fold(unit) not in fold(school.name) and fold(unit) != fold(school.code):
            problems.append(Violation("wrong_unit", f"{where}, cột {COLUMNS['unit']}: '{unit}' không phải "
                                                    f"{school.name}."))
        days = {}
        for column in DATES:
            try:
                days[column] = parse_date(values[column]) if values.get(column) else None
            except Refused as exc:
                problems.append(Violation(exc.code, f"{where}, cột {COLUMNS[column]}: {exc.message}"))
        key = (fold(values["name"]), code, values.get("born", ""), values.get("code", ""))
        if values["name"] and code and key in seen:
            problems.append(Violation("duplicate", f"{where}: {values['name']} đã có ở dòng trước với cùng danh hiệu."))
        seen.add(key)
        try:
            figures = _figures(rules, values, code)
        except Refused as exc:
            problems.append(Violation(exc.code, f"{where}: {exc.message}"))
            figures = None
        parsed.append(Row(number, {**values, "title": code or ""}, figures, days))
    if not parsed and not problems:
        problems.append(Violation("empty", "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    return parsed, problems


def _figures(rules: RuleSet, values: dict[str, str], code: str | None) -> members.Figures | None:
    """A row's figures of a collective's members, checked (Refused when they are wrong or not a collective's)."""
    figures = members.read(rules, {key.removeprefix(FIGURE): text for key, text in values.items()
                                   if key.startswith(FIGURE)})
    if code is None:
        return figures
    title = rules.titles[code]
    return members.checked(rules, figures, collective=title.subject == SubjectKind.collective,
                           name=values["name"] or title.name)


def import_nominees(session: Session, *, dossier_id: int, content: bytes, filename: str) -> int:
    """Add every row of the file to the dossier, or none: raises Refused listing each bad row and column."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    school = session.get(Unit, dossier.school_id)
    assert school is not None
    rules = phase_rules(session, phase_id=dossier.phase_id)
    rows, problems = parse(read_table(content, filename), rules=rules, school=school)
    if problems:
        raise Refused("bad_rows", "Không nhập dòng nào vì tệp có lỗi:\n" + "\n".join(p.message for p in problems),
                      problems)
    for row in rows:
        try:
            services.add_nomination(session, dossier_id=dossier_id, full_name=row.values["name"],
                                    kind=rules.titles[row.values["title"]].subject, title_code=row.values["title"],
                                    position=row.values.get("position") or None,
                                    achievements=row.values.get("achievements", ""),
                                    initiative=row.values.get("initiative"), figures=row.figures,
                                    birth_date=row.days.get("born"), recruited_on=row.days.get("recruited"),
                                    identity_code=row.values.get("code") or None)
        except Refused as exc:  # e.g. a nominee the dossier has already: the caller rolls every row back
            raise Refused(exc.code, f"Không nhập dòng nào: dòng {row.number}: {exc.message}") from exc
    return len(rows)
