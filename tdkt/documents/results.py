"""Public results (công khai): what signed decisions granted, searchable by name or unit, exportable.

Only decision annex lines are read, and those exist only once a decision is signed, so nothing pending can
appear. Search ignores case and Vietnamese diacritics ("nguyen thi huong" finds "Nguyễn Thị Hương").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from sqlmodel import Session, col, select

from models.decision import Decision, DecisionEntry
from models.unit import Person, Unit
from tdkt.common.text import fold, sheet_value
from tdkt.common.timefmt import fmt_date

HEADER = ["Số quyết định", "Ngày ký", "Cơ quan ban hành", "Người ký", "Họ và tên / Tập thể", "Chức vụ", "Đơn vị",
          "Danh hiệu / Hình thức khen thưởng"]
EXPORTS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Granted:
    decision_id: int
    number: str
    signed_on: date
    issuer: str
    signer: str
    name: str
    position: str
    unit: str
    title: str

    def cells(self) -> list[str]:
        return [self.number, fmt_date(self.signed_on), self.issuer, self.signer, self.name, self.position,
                self.unit, self.title]


def search(session: Session, *, query: str = "") -> list[Granted]:
    """Every granted line of every signed decision whose name or unit contains `query` (folded)."""
    rows = session.exec(
        select(DecisionEntry, Decision, Unit, Person)
        .join(Decision, col(Decision.id) == DecisionEntry.decision_id)
        .join(Unit, col(Unit.id) == Decision.issuer_unit_id)
        .join(Person, col(Person.id) == Decision.signer_id)
        .order_by(col(Decision.signed_on).desc(), col(Decision.id), col(DecisionEntry.unit_name),
                  col(DecisionEntry.nominee_name))
    ).all()
    wanted = fold(query)
    return [Granted(decision_id=d.id or 0, number=d.number, signed_on=d.signed_on, issuer=issuer.name,
                    signer=signer.full_name, name=e.nominee_name, position=e.position or "", unit=e.unit_name,
                    title=e.title_name)
            for e, d, issuer, signer in rows if not wanted or wanted in fold(f"{e.nominee_name} {e.unit_name}")]


def export(found: list[Granted], *, fmt: str) -> tuple[bytes, str]:
    """The rows as CSV (UTF-8 with BOM, so Excel shows the diacritics) or XLSX; returns (bytes, media type)."""
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADER)
        writer.writerows([sheet_value(value) for value in g.cells()] for g in found)
        return ("\ufeff" + buffer.getvalue()).encode(), EXPORTS["csv"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Kết quả khen thưởng"
    sheet.append(HEADER)
    for granted in found:
        sheet.append([sheet_value(value) for value in granted.cells()])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), EXPORTS["xlsx"]
