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
from itertools import zip_longest

from charset_normalizer import from_bytes
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session

from config.rules import RuleSet
from config.settings import get_settings
from config.vocabulary import SubjectKind
from models.campaign import Phase, phase_rules
from models.dossier import Dossier
from models.unit import Unit
from tdkt import services
from tdkt.common.errors import Refused, Violation
from tdkt.common.text import entered, fold, nfc, unit_key
from tdkt.common.timefmt import parse_date
from tdkt.services import people
from tdkt.workflow import members
from tdkt.workflow.checks import misplaced

COLUMNS = {"name": "Họ và tên", "position": "Chức vụ", "unit": "Đơn vị", "title": "Danh hiệu đề nghị",
           "achievements": "Thành tích", "initiative": "Sáng kiến", "born": "Ngày sinh", "code": "Mã định danh",
           "recruited": "Ngày tuyển dụng", "sex": "Giới tính", "teaching": "Trực tiếp giảng dạy"}
DATES = ("born", "recruited")
REQUIRED = ("name", "title")
FIGURE = "figure:"  # column keys of the members' figures: "figure:" + the figure (tdkt/members.py)


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]
    figures: members.Figures | None = None
    days: dict[str, date | None] = field(default_factory=dict)  # the date columns, read
    profile: people.Profile = people.Profile()


def _columns(rules: RuleSet) -> dict[str, str]:
    """The columns a file may have under this rule set: the fixed ones, then its collectives' figures."""
    return {**COLUMNS, **{FIGURE + key: members.label(rules, key) for key in members.asked(rules)}}


def _cell(value: object) -> str:
    """A spreadsheet cell as text; a date cell (ngày sinh) as dd/mm/yyyy, as it was typed."""
    return value.strftime("%d/%m/%Y") if isinstance(value, date) else nfc(value)


class Formula(str):
    """A spreadsheet cell holding a formula whose value the file does not carry (it was never calculated)."""


ENCODINGS = ["utf_16", "cp1258"]  # besides UTF-8: Excel's "Unicode text", and older Vietnamese Windows


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """Rows of cells from an XLSX workbook (first sheet) or a CSV (UTF-8, or the encoding charset-normalizer
    finds among ENCODINGS; comma, semicolon or tab); refuses anything else, and more rows than the setting."""
    limit = get_settings().import_max_rows + 10  # a title block and the header above the rows
    if content.startswith(b"PK") and filename.lower().endswith((".xlsx", ".xlsm")):
        return _sheet(content, filename, limit)
    if filename.lower().endswith((".csv", ".txt")):
        text = _decoded(content, filename)
        if text.count("\n") > limit:
            raise _too_long(filename)
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t") if text.strip() else csv.excel
        return [[nfc(cell) for cell in row] for row in csv.reader(io.StringIO(text), dialect)]
    raise Refused("bad_type", f"Tệp {filename} không phải .xlsx hoặc .csv.")


def _sheet(content: bytes, filename: str, limit: int) -> list[list[str]]:
    """The first sheet's values; a formula cell with a cached value gives that value, one without it a Formula."""
    try:
        values = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        cells = load_workbook(io.BytesIO(content), read_only=True, data_only=False).worksheets[0]
        rows: list[list[str]] = []
        for row in zip(values.iter_rows(values_only=True), cells.iter_rows(), strict=False):
            if len(rows) >= limit:
                raise _too_long(filename)
            rows.append([Formula(str(cell.value)) if value is None and getattr(cell, "data_type", "") == "f"
                         else _cell(value) for value, cell in zip_longest(*row)])
        return rows
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise Refused("bad_file", f"Tệp {filename} không đọc được như một bảng tính Excel (.xlsx).") from exc


def _decoded(content: bytes, filename: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(content, cp_isolation=ENCODINGS).best()
    if best is None:
        raise Refused("bad_encoding", f"Không đọc được bảng mã của tệp {filename}: hãy lưu lại dạng CSV UTF-8 "
                                      "(hoặc Unicode text) rồi tải lên.")
    return str(best)


def _too_long(filename: str) -> Refused:
    most = get_settings().import_max_rows
    return Refused("too_many_rows", f"Tệp {filename} có hơn {most} dòng: hãy chia thành nhiều tệp nhỏ hơn.")


def formulas(number: int, values: dict[str, str], columns: dict[str, str]) -> list[Violation]:
    """A row's formula cells that carry no value, by column (the file was never calculated)."""
    return [Violation("formula", f"Dòng {number}, cột {columns[key]}: là công thức ({value[:40]}) chưa có giá trị; "
                                 "hãy mở tệp trong Excel, chép và dán dạng giá trị (Paste Values) rồi tải lên lại.")
            for key, value in values.items() if isinstance(value, Formula) and key in columns]


def header(rows: list[list[str]], columns: dict[str, str] = COLUMNS,
           required: tuple[str, ...] = REQUIRED) -> tuple[int, dict[str, int]]:
    """The first row naming the required columns, and the column index of each known field."""
    if not any(str(cell).strip() for row in rows for cell in row):
        raise Refused("empty_file", "Tệp không có dòng nào: hãy dùng tệp mẫu, một dòng tiêu đề rồi mỗi người một dòng.")
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
        problems += formulas(number, values, COLUMNS)
        if not values["name"] and not isinstance(values["name"], Formula):
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
        if unit and unit_key(unit) not in unit_key(school.name) and fold(unit) != fold(school.code):
            problems.append(Violation("wrong_unit", f"{where}, cột {COLUMNS['unit']}: '{unit}' không phải "
                                                    f"{school.name}."))
        days = {}
        for column in DATES:
            try:
                days[column] = parse_date(values[column]) if values.get(column) else None
            except Refused as exc:
                problems.append(Violation(exc.code, f"{where}, cột {COLUMNS[column]}: {exc.message}"))
        read: dict[str, object] = {}
        for column, reader in (("sex", people.sex), ("teaching", people.direct_teaching)):
            try:
                read[column] = reader(values.get(column))
            except Refused as exc:
                problems.append(Violation(exc.code, f"{where}, cột {COLUMNS[column]}: {exc.message}"))
        profile = people.profile(read.get("sex"), read.get("teaching"))
        key = (fold(values["name"]), code, values.get("born", ""), values.get("code", ""))
        if values["name"] and code and key in seen:
            problems.append(Violation("duplicate", f"{where}: {values['name']} đã có ở dòng trước với cùng danh hiệu."))
        seen.add(key)
        try:
            figures = _figures(rules, values, code)
        except Refused as exc:
            problems.append(Violation(exc.code, f"{where}: {exc.message}"))
            figures = None
        parsed.append(Row(number, {**values, "title": code or ""}, figures, days, profile))
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
                                    identity_code=row.values.get("code") or None, profile=row.profile)
        except Refused as exc:  # e.g. a nominee the dossier has already: the caller rolls every row back
            raise Refused(exc.code, f"Không nhập dòng nào: dòng {row.number}: {exc.message}") from exc
    return len(rows)


def list_to_fill(title: str, header: list[str]) -> tuple[Workbook, Worksheet]:
    """A workbook whose first sheet, named `title`, has the columns an import reads, in bold."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    return book, sheet


def template(session: Session, *, dossier_id: int) -> bytes:
    """The nominee list to fill in (XLSX): the columns `import_nominees` reads under the dossier's rule set, an
    example row, and the titles this phase proposes on a second sheet."""
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    school, rules = session.get(Unit, dossier.school_id), phase_rules(session, phase_id=dossier.phase_id)
    columns = _columns(rules)
    book, sheet = list_to_fill("Danh sách đề nghị", list(columns.values()))
    phase = session.get(Phase, dossier.phase_id)
    proposed = [t for code, t in rules.titles.items() if t.proposed and t.subject == SubjectKind.individual
                and not (phase and misplaced(rules, code, t.subject, phase))]  # what this phase proposes
    first = proposed[0] if proposed else None
    sheet.append(["Nguyễn Văn A (ví dụ: xóa dòng này)", "Giáo viên", school.name if school else "",
                  first.name if first else "", "Tóm tắt thành tích", "", "01/01/1990", "", "", "Nam", "Có"])
    titles = book.create_sheet("Danh hiệu")
    titles.append(["Danh hiệu đề nghị", "Đối tượng"])
    for code, title in rules.titles.items():
        if title.proposed and not (phase and misplaced(rules, code, title.subject, phase)):
            titles.append([title.name, "cá nhân" if title.subject == SubjectKind.individual else "tập thể"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
