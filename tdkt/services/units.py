"""An office's units — its schools, emulation blocks (with each block's leader school) and the offices of its
chain — imported from the list it keeps (XLSX or CSV) or the downloadable template: every row or none, each
problem named by row and column. A unit is known by its code: a row with a known code updates it."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from config.vocabulary import UnitKind
from models.audit import record_change
from models.unit import Person, Unit
from tdkt.common.errors import Refused, Violation
from tdkt.common.text import entered, fold
from tdkt.services.importer import formulas, header, list_to_fill, read_table

COLUMNS = {"code": "Mã", "name": "Tên", "kind": "Loại", "block": "Khối", "parent": "Đơn vị quản lý",
           "email": "Email", "level": "Cấp học", "leader": "Trưởng khối"}
REQUIRED = ("code", "name", "kind")
KINDS = {UnitKind.school: "Trường", UnitKind.block: "Khối thi đua", UnitKind.phong_gddt: "Phòng GD&ĐT",
         UnitKind.phong_noi_vu: "Phòng Nội vụ", UnitKind.ubnd_huyen: "UBND huyện", UnitKind.ubnd_xa: "UBND xã",
         UnitKind.phong_vhxh: "Phòng Văn hóa – Xã hội", UnitKind.so_gddt: "Sở GD&ĐT", UnitKind.so_noi_vu: "Sở Nội vụ",
         UnitKind.ubnd_tinh: "UBND tỉnh"}
LEVELS = ("MN", "TH", "THCS", "TH&THCS", "PTDTBT", "THPT")
CODE = re.compile(r"[a-z0-9][a-z0-9\-]{0,79}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
YES = {"x", "co", "1", "true", "yes"}


@dataclass(frozen=True)
class UnitRow:
    number: int
    code: str
    name: str
    kind: UnitKind
    block: str
    parent: str
    email: str | None
    level: str | None
    leader: bool


def _kind(text: str) -> UnitKind | None:
    wanted = fold(text)
    return next((kind for kind, label in KINDS.items() if wanted in (fold(label), fold(kind.value))), None)


def parse_units(session: Session, rows: list[list[str]]) -> tuple[list[UnitRow], list[Violation]]:
    """Every data row checked against the others and the units already there."""
    start, columns = header(rows, COLUMNS, REQUIRED)
    parsed: list[UnitRow] = []
    problems: list[Violation] = []
    for number, cells in enumerate(rows[start + 1:], start=start + 2):
        values = {key: (cells[i] if i < len(cells) else "").strip() for key, i in columns.items()}
        if not any(values.values()):
            continue
        where = f"Dòng {number}"

        def bad(column: str, message: str) -> None:
            problems.append(Violation("bad_unit", f"{where}, cột {COLUMNS[column]}: {message}"))  # noqa: B023

        problems += formulas(number, values, COLUMNS)
        code = values["code"].lower()
        if not CODE.fullmatch(code):
            bad("code", f"'{values['code'][:40]}' không hợp lệ: chữ thường không dấu, chữ số và gạch ngang, "
                        "ví dụ th-ban-lau.")
        try:
            name = entered(f"{where}, cột {COLUMNS['name']}", values["name"], max_length=200, required=True)
        except Refused as exc:
            problems.append(Violation(exc.code, exc.message))
            name = ""
        kind = _kind(values["kind"])
        if kind is None:
            bad("kind", f"'{values['kind'][:40]}' không phải loại đơn vị; có: {', '.join(KINDS.values())}.")
        email = values.get("email", "").lower() or None
        if email and not EMAIL.fullmatch(email):
            bad("email", f"'{email[:60]}' không phải địa chỉ email.")
        level = values.get("level", "").upper() or None
        if level and level not in LEVELS:
            bad("level", f"'{level[:20]}' không phải cấp học; có: {', '.join(LEVELS)}.")
        leader = fold(values.get("leader", "")) in YES
        if leader and kind != UnitKind.school:
            bad("leader", "chỉ một trường mới là trường trưởng khối.")
        if values.get("block") and kind != UnitKind.school:
            bad("block", "chỉ trường học mới thuộc một khối thi đua.")
        if kind is not None:
            parsed.append(UnitRow(number, code, name, kind, values.get("block", "").lower(),
                                  values.get("parent", "").lower(), email, level, leader))
    if not parsed and not problems:
        problems.append(Violation("empty", "Tệp không có dòng dữ liệu nào dưới dòng tiêu đề."))
    return parsed, problems + _references(session, parsed)


def _references(session: Session, rows: list[UnitRow]) -> list[Violation]:
    """Codes given twice, parents and blocks that are nowhere, a block led by two schools."""
    problems = []
    seen: dict[str, int] = {}
    for row in rows:
        if row.code in seen:
            problems.append(Violation("duplicate", f"Dòng {row.number}, cột {COLUMNS['code']}: mã {row.code} đã có ở "
                                                   f"dòng {seen[row.code]}."))
        seen.setdefault(row.code, row.number)
    kinds = {u.code: u.kind for u in session.exec(select(Unit)).all()} | {r.code: r.kind for r in rows}
    leaders: dict[str, int] = {}
    for row in rows:
        if row.parent and row.parent not in kinds:
            problems.append(Violation("unknown_parent", f"Dòng {row.number}, cột {COLUMNS['parent']}: không có đơn "
                                                        f"vị mã {row.parent} (trong tệp hay đã có)."))
        if row.block and kinds.get(row.block) != UnitKind.block:
            problems.append(Violation("unknown_block", f"Dòng {row.number}, cột {COLUMNS['block']}: {row.block} không "
                                                       "phải mã một khối thi đua (trong tệp hay đã có)."))
        if row.leader and not row.block:
            problems.append(Violation("leader_without_block", f"Dòng {row.number}, cột {COLUMNS['leader']}: trường "
                                                              "trưởng khối phải ghi khối của mình."))
        if row.leader and row.block:
            if row.block in leaders:
                problems.append(Violation("two_leaders", f"Dòng {row.number}, cột {COLUMNS['leader']}: khối "
                                                         f"{row.block} đã có trường trưởng khối ở dòng "
                                                         f"{leaders[row.block]}."))
            leaders.setdefault(row.block, row.number)
    return problems


def import_units(session: Session, *, content: bytes, filename: str, actor: Person | None = None,
                 allowed: set[str] | None = None) -> tuple[int, int]:
    """Create or update every unit of the file, or none (Refused listing each problem); (created, updated). With
    `allowed` (the codes an administrator's domain holds), a row may only touch a unit of it or place a new one
    under one; with `actor`, the change is an audit event (each unit before → after)."""
    rows, problems = parse_units(session, read_table(content, filename))
    if allowed is not None:
        problems += _outside(rows, allowed)
    if problems:
        raise Refused("bad_rows", "Không nhập dòng nào vì tệp có lỗi:\n" + "\n".join(p.message for p in problems),
                      problems)
    return save_units(session, rows, actor=actor, source=filename)


def save_units(session: Session, rows: list[UnitRow], *, actor: Person | None = None,
               source: str = "") -> tuple[int, int]:
    """Create or update the units of checked rows (a file's, or a seed sample's); (created, updated)."""
    if problems := _references(session, rows):
        raise Refused("bad_rows", "\n".join(p.message for p in problems), problems)
    existing = {u.code: u for u in session.exec(select(Unit).where(col(Unit.code).in_([r.code for r in rows])))}
    before = {code: _described(session, unit) for code, unit in existing.items()}
    units = {}
    for row in rows:  # first every unit, so that parents and blocks can be named in any order
        unit = existing.get(row.code) or Unit(code=row.code, name=row.name, kind=row.kind)
        unit.name, unit.kind, unit.email, unit.level = row.name, row.kind, row.email or unit.email, row.level
        session.add(unit)
        units[row.code] = unit
    session.flush()
    named = {u.code: u for u in session.exec(select(Unit)).all()}
    for row in rows:
        unit = units[row.code]
        unit.parent_id = named[row.parent].id if row.parent else unit.parent_id
        unit.block_id = named[row.block].id if row.block else unit.block_id
        if row.leader:
            named[row.block].leader_school_id = unit.id
            session.add(named[row.block])
        session.add(unit)
    session.flush()
    if actor is not None:
        record_change(session, actor=actor, action="import_units", detail={
            "file": source, "created": [r.code for r in rows if r.code not in existing],
            "updated": {code: {"before": was, "after": _described(session, units[code])}
                        for code, was in before.items()}})
    return sum(1 for r in rows if r.code not in existing), sum(1 for r in rows if r.code in existing)


def _described(session: Session, unit: Unit) -> dict[str, str | None]:
    """A unit as its list row says it, for the audit's before → after."""
    def code_of(unit_id: int | None) -> str | None:
        other = session.get(Unit, unit_id) if unit_id else None
        return other.code if other else None

    return {"name": unit.name, "kind": unit.kind.value, "parent": code_of(unit.parent_id),
            "block": code_of(unit.block_id), "email": unit.email, "level": unit.level}


def _outside(rows: list[UnitRow], allowed: set[str]) -> list[Violation]:
    """Rows that would touch a unit beyond the administrator's domain: another's unit, or a new one not placed
    under theirs (directly or under a unit the same file places there)."""
    inside = set(allowed)
    pending = [r for r in rows if r.code not in allowed]
    while True:  # a new unit is inside once its parent (or its block) is
        placed = [r for r in pending if r.parent in inside or r.block in inside]
        if not placed:
            break
        inside |= {r.code for r in placed}
        pending = [r for r in pending if r.code not in inside]
    return [Violation("outside", f"Dòng {r.number}, cột {COLUMNS['parent']}: {r.code} không thuộc đơn vị bạn quản "
                                 "trị (đơn vị quản lý phải là một đơn vị của bạn).") for r in pending]


def units_template() -> bytes:
    """The units list to fill in: the columns `import_units` reads, example rows, the kinds on a second sheet."""
    book, sheet = list_to_fill("Đơn vị", list(COLUMNS.values()))
    for example in (["pgd-vi-du", "Phòng GD&ĐT huyện Ví Dụ", KINDS[UnitKind.phong_gddt], "", "", "pgd@vidu.edu.vn"],
                    ["khoi-1", "Khối thi đua số 1", KINDS[UnitKind.block], "", "pgd-vi-du"],
                    ["th-vi-du", "Trường Tiểu học Ví Dụ", KINDS[UnitKind.school], "khoi-1", "pgd-vi-du",
                     "c1vidu@vidu.edu.vn", "TH", "x"]):
        sheet.append(example)
    kinds = book.create_sheet("Loại đơn vị")
    kinds.append(["Loại"])
    for label in KINDS.values():
        kinds.append([label])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
