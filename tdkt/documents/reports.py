"""The year's figures an office reports (tổng kết): what every decision of the campaign granted, by title and by
unit, with the award money each unit received, as a workbook."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlmodel import Session, col, select

from config.route import default_route
from config.rules import campaign_rules
from config.vocabulary import SubjectKind
from models.campaign import Campaign, Phase
from models.decision import Decision, DecisionEntry
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus
from models.unit import Unit
from tdkt.common.errors import Refused
from tdkt.common.text import sheet_value
from tdkt.common.timefmt import local_today
from tdkt.documents.layout import Heading, Official
from tdkt.documents.papers import PROPOSAL_SIGN, head_of, parent_name, setting, signs_as
from tdkt.documents.templates import render
from tdkt.workflow import money


@dataclass
class Line:
    """One heading of the report: how many individuals and collectives, and the money."""

    name: str
    individuals: int = 0
    collectives: int = 0
    amount: int = 0


def year_figures(session: Session, *, campaign: Campaign,
                 phase_id: int | None = None) -> tuple[list[Line], list[Line]]:
    """The campaign's grants (one phase's, when `phase_id`) by title (in the rule set's order) and by unit."""
    rules = campaign_rules(campaign)
    query = (select(DecisionEntry, Decision).join(Decision, col(Decision.id) == DecisionEntry.decision_id)
             .join(Phase, col(Phase.id) == Decision.phase_id).where(Phase.campaign_id == campaign.id))
    rows = session.exec(query.where(Decision.phase_id == phase_id) if phase_id is not None else query).all()
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


def office_report(session: Session, *, office: Unit, phase_id: int, year: bool = False) -> bytes:
    """Báo cáo sơ kết of a phase (or, with `year`, tổng kết of the school year the phase belongs to) by an office:
    what the schools proposed and what was granted, by title with its money and by unit; the assessment and the
    way ahead left for the office to write, as the plans ask (seeds 003, 004)."""
    s = setting(session, phase_id)
    scope = None if year else s.phase
    by_title, by_unit = year_figures(session, campaign=s.campaign, phase_id=scope.id if scope else None)
    proposed = _proposals(session, campaign=s.campaign, phase_id=scope.id if scope else None)
    what = f"năm học {s.campaign.school_year}" if year else \
        f"{s.phase.name[:1].lower() + s.phase.name[1:]}, năm học {s.campaign.school_year}"
    granted = sum(line.individuals + line.collectives for line in by_title)
    paid = sum(line.amount for line in by_title)
    rows = [[str(i), line.name, str(line.individuals), str(line.collectives), money.dong(line.amount)]
            for i, line in enumerate(by_title, 1)]
    head = head_of(session, office)
    return render(Official(
        paper="bao-cao", parent=parent_name(session, office), issuer=office.name,
        number=f"Số:      /BC-{PROPOSAL_SIGN.get(office.kind, '')}".rstrip("-"), place=s.place, day=local_today(),
        kind="BÁO CÁO", summary=f"{'Tổng kết' if year else 'Sơ kết'} công tác thi đua, khen thưởng {what}",
        body=[Heading("I. KẾT QUẢ"),
              f"Thực hiện Kế hoạch {s.campaign.number} về {s.campaign.theme}, {proposed['schools']} trường đã gửi hồ "
              f"sơ đề nghị khen thưởng {proposed['nominations']} tập thể, cá nhân; {granted} tập thể, cá nhân đã được "
              f"khen thưởng, {proposed['refused']} không được đề nghị, {proposed['higher']} được đề nghị cấp trên khen "
              f"thưởng. Tổng số tiền thưởng: {money.dong(paid)} đồng.",
              "Kết quả khen thưởng theo danh hiệu, hình thức:"],
        table=(["TT", "Danh hiệu, hình thức", "Cá nhân", "Tập thể", "Tiền thưởng (đồng)"], rows),
        closing=[Heading("II. ĐÁNH GIÁ CHUNG"), "……………", Heading("III. PHƯƠNG HƯỚNG, NHIỆM VỤ"), "……………"],
        recipients=[parent_name(session, office) or "Cấp trên", "Lưu: VT"], signer_title=signs_as("TRƯỞNG PHÒNG", head),
        signer_name=head.full_name if head else "",
        annex=("KẾT QUẢ KHEN THƯỞNG THEO ĐƠN VỊ", ["TT", "Đơn vị", "Cá nhân", "Tập thể", "Tiền thưởng (đồng)"],
               [[str(i), line.name, str(line.individuals), str(line.collectives), money.dong(line.amount)]
                for i, line in enumerate(by_unit, 1)])))


def _proposals(session: Session, *, campaign: Campaign, phase_id: int | None) -> dict[str, int]:
    """How many schools sent a dossier, how many nominations they carried, refused and proposed higher."""
    query = select(Dossier, Nomination).join(Nomination, col(Nomination.dossier_id) == Dossier.id) \
        .join(Phase, col(Phase.id) == Dossier.phase_id).where(Phase.campaign_id == campaign.id,
                                                               col(Dossier.stage) != default_route().start,
                                                               col(Nomination.withdrawn) == False)  # noqa: E712
    if phase_id is not None:
        query = query.where(Dossier.phase_id == phase_id)
    rows = session.exec(query).all()
    return {"schools": len({d.school_id for d, _ in rows}), "nominations": len(rows),
            "refused": sum(1 for _, n in rows if n.status == NominationStatus.rejected),
            "higher": sum(1 for _, n in rows if n.status == NominationStatus.forwarded)}
