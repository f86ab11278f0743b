"""The year's figures an office reports (tổng kết): what every decision of the campaign granted, by title and by
unit, with the award money each unit received, as a workbook."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session, col, select

from config.rules import campaign_rules
from config.vocabulary import SubjectKind
from models.campaign import Campaign, Phase
from models.decision import Decision, DecisionEntry
from tdkt.common.errors import Refused
from tdkt.common.text import sheet_value
from tdkt.workflow import money


@dataclass
class Line:
    """One heading of the report: how many individuals and collectives, and the money."""

    name: str
    individuals: int = 0
    collectives: int = 0
    amount: int = 0


def year_figures(session: Session, *, campaign: Campaign) -> tuple[list[Line], list[Line]]:
    """The campaign's grants by title (in the rule set's order) and by unit (by name)."""
    rules = campaign_rules(campaign)
    rows = session.exec(select(DecisionEntry, Decision).join(Decision, col(Decision.id) == DecisionEntry.decision_id)
                        .join(Phase, col(Phase.id) == Decision.phase_id).where(Phase.campaign_id == campaign.id)).all()
    titles: dict[str, Line] = {code: Line(title.name) for code, title in rules.titles.items()}
    units: dict[str, Line] = {}
    for entry, decision in rows:
        award = money.award_of(rules, entry.title_code, decision.signed_on)
        collective = entry.title_code in rules.titles and \
            rules.titles[entry.title_code].subject == SubjectKind.collective
        for line in (titles.setdefault(entry.title_code, Line(entry.title_name)),
                     units.setdefault(entry.unit_name, Line(entry.unit_name))):
            line.collectives += collective
            line.individuals += not collective
            line.amount += award.each if award else 0
    return ([line for line in titles.values() if line.individuals or line.collectives],
            [units[name] for name in sorted(units)])


def year_statistics(session: Session, *, campaign_code: str) -> bytes:
    """Thống kê thi đua, khen thưởng of the school year (XLSX): a sheet by title, a sheet by unit, each with its
    total."""
    campaign = session.exec(select(Campaign).where(Campaign.code == campaign_code)).first()
    if campaign is None:
        raise Refused("not_found", f"Không có phong trào mã '{campaign_code}'.")
    by_title, by_unit = year_figures(session, campaign=campaign)
    book = Workbook()
    for index, (name, heading, lines) in enumerate((("Theo danh hiệu", "Danh hiệu, hình thức", by_title),
                                                    ("Theo đơn vị", "Đơn vị", by_unit))):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = name
        sheet.append([sheet_value(f"THỐNG KÊ KHEN THƯỞNG NĂM HỌC {campaign.school_year} – {name.upper()}")])
        sheet.append([sheet_value(campaign.theme)])
        sheet.append([])
        sheet.append([heading, "Cá nhân", "Tập thể", "Tiền thưởng (đồng)"])
        for line in lines:
            sheet.append([sheet_value(line.name), line.individuals, line.collectives, line.amount])
        totals = Counter[str]()
        for line in lines:
            totals.update({"individuals": line.individuals, "collectives": line.collectives, "amount": line.amount})
        sheet.append(["Tổng cộng", totals["individuals"], totals["collectives"], totals["amount"]])
        for cell in (*sheet[1], *sheet[4], *sheet[sheet.max_row]):
            cell.font = Font(name="Times New Roman", bold=True)
        sheet.column_dimensions["A"].width = 48
        for column in "BCD":
            sheet.column_dimensions[column].width = 18
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
