"""The year's figures an office reports (tổng kết): what every decision of the campaign granted, by title and by
unit, with the award money each unit received, as a workbook."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, fields

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlmodel import Session, col, func, select

from config.route import OfficeRef, default_route
from config.rules import campaign_rules
from config.vocabulary import Sex, SubjectKind
from models.campaign import Campaign, Phase
from models.decision import Decision, DecisionEntry
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus, Nominee
from models.unit import Unit
from tdkt.common.errors import Refused
from tdkt.common.numbers import percent
from tdkt.common.text import sheet_value
from tdkt.common.timefmt import local_today
from tdkt.documents.layout import Heading, Official
from tdkt.documents.papers import PROPOSAL_SIGN, head_of, holder, parent_name, place_for, setting, signs_as
from tdkt.documents.templates import render
from tdkt.workflow import money


@dataclass
class Line:
    """One heading of the report: how many individuals (of them women, teachers in direct teaching, and those of
    whom the school recorded neither) and collectives, and the money."""

    name: str
    individuals: int = 0
    female: int = 0
    teaching: int = 0
    unrecorded: int = 0
    collectives: int = 0
    amount: int = 0

    def count(self, nominee: Nominee, *, collective: bool, amount: int) -> None:
        self.collectives += collective
        self.individuals += not collective
        if not collective:
            self.female += nominee.sex == Sex.female
            self.teaching += bool(nominee.direct_teaching)
            self.unrecorded += nominee.sex is None or nominee.direct_teaching is None
        self.amount += amount

    def add(self, other: Line) -> None:
        """Add another line's counts and money to this one's (a total)."""
        for part in fields(self):
            if part.name != "name":
                setattr(self, part.name, getattr(self, part.name) + getattr(other, part.name))


@dataclass
class Figures:
    """A campaign's (or a phase's) grants by title, in the rule set's order, and by unit, with each school's
    staff (its individual nominees on record) for the shares of the statistical table."""

    by_title: list[Line]
    by_unit: list[Line]
    staff: dict[str, int]
    by_unit_and_title: dict[tuple[str, str], int]
    by_row_and_title: dict[tuple[str, str], int]  # (a row of FORM_ROWS, title code): how many


def year_figures(session: Session, *, campaign: Campaign, phase_id: int | None = None) -> Figures:
    """The campaign's grants (one phase's, when `phase_id`)."""
    rules = campaign_rules(campaign)
    occasions = dict(session.exec(select(Phase.id, Phase.occasion).where(Phase.campaign_id == campaign.id)).all())
    query = (select(DecisionEntry, Decision, Nominee, Dossier.school_id)
             .join(Decision, col(Decision.id) == DecisionEntry.decision_id)
             .join(Phase, col(Phase.id) == Decision.phase_id)
             .join(Nomination, col(Nomination.id) == DecisionEntry.nomination_id)
             .join(Nominee, col(Nominee.id) == Nomination.nominee_id)
             .join(Dossier, col(Dossier.id) == Nomination.dossier_id).where(Phase.campaign_id == campaign.id))
    rows = session.exec(query.where(Decision.phase_id == phase_id) if phase_id is not None else query).all()
    titles: dict[str, Line] = {code: Line(title.name) for code, title in rules.titles.items()}
    units: dict[str, Line] = {}
    schools: dict[str, int] = {}
    cells, kinds = Counter[tuple[str, str]](), Counter[tuple[str, str]]()
    for entry, decision, nominee, school_id in rows:
        award = money.award_of(rules, entry.title_code, decision.signed_on)
        collective = entry.title_code in rules.titles and \
            rules.titles[entry.title_code].subject == SubjectKind.collective
        for line in (titles.setdefault(entry.title_code, Line(entry.title_name)),
                     units.setdefault(entry.unit_name, Line(entry.unit_name))):
            line.count(nominee, collective=collective, amount=award.each if award else 0)
        schools.setdefault(entry.unit_name, school_id)
        cells[entry.unit_name, entry.title_code] += 1
        for row in ("total", "collective" if collective else "individual", occasions.get(decision.phase_id, ""),
                    *(["teaching"] if not collective and nominee.direct_teaching else [])):
            kinds[row, entry.title_code] += 1
    return Figures(by_title=[line for line in titles.values() if line.individuals or line.collectives],
                   by_unit=[units[name] for name in sorted(units)], staff=_staff(session, schools),
                   by_unit_and_title=dict(cells), by_row_and_title=dict(kinds))


def _staff(session: Session, schools: dict[str, int]) -> dict[str, int]:
    """Each school's staff on record (its individual nominees), by the name its decisions print."""
    counted = dict(session.exec(select(Nominee.unit_id, func.count()).where(
        col(Nominee.unit_id).in_(set(schools.values())), Nominee.kind == SubjectKind.individual)
        .group_by(col(Nominee.unit_id))).all())
    return {name: counted.get(school_id, 0) for name, school_id in schools.items()}


FIGURE_COLUMNS = ["Cá nhân", "Trong đó: nữ", "Trong đó: trực tiếp giảng dạy", "Tập thể", "Tiền thưởng (đồng)"]


def year_statistics(session: Session, *, campaign_code: str) -> bytes:
    """Thống kê thi đua, khen thưởng of the school year (XLSX): a sheet by title, a sheet by unit, each with its
    total and of how many individuals the sex or the teaching was not recorded; and the statistical table (biểu
    thống kê) of each school's individual titles against its staff."""
    campaign = session.exec(select(Campaign).where(Campaign.code == campaign_code)).first()
    if campaign is None:
        raise Refused("not_found", f"Không có phong trào mã '{campaign_code}'.")
    figures = year_figures(session, campaign=campaign)
    book = Workbook()
    for index, (name, heading, lines) in enumerate((("Theo danh hiệu", "Danh hiệu, hình thức", figures.by_title),
                                                    ("Theo đơn vị", "Đơn vị", figures.by_unit))):
        sheet = book.active if index == 0 else book.create_sheet()
        assert sheet is not None
        sheet.title = name
        _title_block(sheet, f"THỐNG KÊ KHEN THƯỞNG NĂM HỌC {campaign.school_year} – {name.upper()}", campaign)
        sheet.append([heading, *FIGURE_COLUMNS])
        for line in lines:
            sheet.append([sheet_value(line.name), *_numbers(line)])
        total = Line("Tổng cộng")
        for line in lines:
            total.add(line)
        sheet.append([total.name, *_numbers(total)])
        _bold(sheet, 1, 4, sheet.max_row)
        if total.unrecorded:
            sheet.append([f"Có {total.unrecorded} cá nhân chưa được ghi giới tính hoặc trực tiếp giảng dạy "
                          "(danh sách cán bộ của trường)."])
        _widths(sheet, 48, 16)
    _statistical_table(book, campaign, figures)
    _counts_form(book, campaign, figures)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _numbers(line: Line) -> list[int]:
    return [line.individuals, line.female, line.teaching, line.collectives, line.amount]


def _title_block(sheet: Worksheet, title: str, campaign: Campaign) -> None:
    sheet.append([sheet_value(title)])
    sheet.append([sheet_value(campaign.theme)])
    sheet.append([])


def _bold(sheet: Worksheet, *rows: int) -> None:
    for row in rows:
        for cell in sheet[row]:
            cell.font = Font(name="Times New Roman", bold=True)


def _widths(sheet: Worksheet, first: int, others: int) -> None:
    sheet.column_dimensions["A"].width = first
    for index in range(2, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = others


# the rows of the sector's count of commendations (Thông tư 02/2023/TT-BNV, Biểu số 0603.N/BNV-TĐKT) that a year of
# the education sector fills, with the form's own codes: (key, label, code, unit of count, bold)
FORM_ROWS = (("total", "Tổng số", "01", "", True), ("", "1. Chia theo đối tượng khen thưởng", "", "", True),
             ("collective", "- Tập thể", "02", "Tập thể", False), ("individual", "- Cá nhân", "05", "Người", False),
             ("teaching", "+ Người trực tiếp công tác (giáo viên trực tiếp giảng dạy)", "10", "Người", False),
             ("", "2. Chia theo phương thức khen thưởng", "", "", True),
             ("regular", "- Thường xuyên", "11", "", False), ("thematic", "- Chuyên đề", "12", "", False),
             ("ad_hoc", "- Đột xuất", "13", "", False))


def _counts_form(book: Workbook, campaign: Campaign, figures: Figures) -> None:
    """Số lượng khen thưởng in the shape of the sector's statistical form: rows by subject and by way of
    commendation, a column for each title or form the year granted."""
    rules = campaign_rules(campaign)
    codes = [code for code in rules.titles if figures.by_row_and_title.get(("total", code))]
    sheet = book.create_sheet("Biểu số lượng khen thưởng")
    _title_block(sheet, f"SỐ LƯỢNG KHEN THƯỞNG NĂM HỌC {campaign.school_year}", campaign)
    sheet.cell(row=3, column=1, value="Theo cấu trúc Biểu số 0603.N/BNV-TĐKT (Thông tư số 02/2023/TT-BNV); mỗi cột "
                                      "một danh hiệu, hình thức của năm học.")
    sheet.append(["", "Mã số", "Đơn vị tính", "Tổng số", *[rules.titles[code].name for code in codes]])
    sheet.append(["A", "B", "C", 1, *range(2, len(codes) + 2)])
    for key, label, code, unit, bold in FORM_ROWS:
        counts = [figures.by_row_and_title.get((key, c), 0) for c in codes] if key else []
        sheet.append([label, code, unit, *([sum(counts), *counts] if key else [])])
        if bold:
            _bold(sheet, sheet.max_row)
    _bold(sheet, 1, 4)
    _widths(sheet, 44, 14)


def _statistical_table(book: Workbook, campaign: Campaign, figures: Figures) -> None:
    """Biểu thống kê: per school, its staff, and for each individual title granted the number and its share of
    the staff; then the women and the teachers in direct teaching among the individuals granted."""
    rules = campaign_rules(campaign)
    codes = [code for code, title in rules.titles.items() if title.subject == SubjectKind.individual
             and any(figures.by_unit_and_title.get((line.name, code)) for line in figures.by_unit)]
    sheet = book.create_sheet("Biểu thống kê")
    _title_block(sheet, f"BIỂU THỐNG KÊ KẾT QUẢ THI ĐUA, KHEN THƯỞNG NĂM HỌC {campaign.school_year}", campaign)
    sheet.append(["TT", "Đơn vị", "Tổng số cán bộ, giáo viên, nhân viên",
                  *[f"{rules.titles[code].name}: {what}" for code in codes for what in ("số lượng", "tỉ lệ")],
                  "Cá nhân được khen thưởng: nữ", "Cá nhân được khen thưởng: trực tiếp giảng dạy"])
    for number, line in enumerate(figures.by_unit, 1):
        staff = figures.staff.get(line.name, 0)
        row: list[object] = [number, sheet_value(line.name), staff]
        for code in codes:
            granted = figures.by_unit_and_title.get((line.name, code), 0)
            row += [granted, granted / staff if staff else None]
        sheet.append([*row, line.female, line.teaching])
        for index in range(5, 4 + 2 * len(codes), 2):
            sheet.cell(row=sheet.max_row, column=index).number_format = "0.0%"
    _bold(sheet, 1, 4)
    _widths(sheet, 6, 16)
    sheet.column_dimensions["B"].width = 40


def reporting_office(session: Session) -> Unit | None:
    """The office that reports when none is named: the one whose step first reviews the schools' dossiers on the
    route (the Phòng GD&ĐT of a district, the Phòng Văn hóa – Xã hội of a commune, the Sở of a province)."""
    route = default_route()
    for name in route.path():
        actors = route.stages[name].actors
        if actors is not None and isinstance(actors.unit, OfficeRef):
            return session.exec(select(Unit).where(Unit.kind == actors.unit.kind).order_by(col(Unit.id))).first()
    return None


def office_report(session: Session, *, office: Unit, phase_id: int, year: bool = False) -> bytes:
    """Báo cáo sơ kết of a phase (or, with `year`, tổng kết of the school year the phase belongs to) by an office:
    what the schools proposed and what was granted, by title with its money and by unit; the assessment and the
    way ahead left for the office to write, as the plans ask (seeds 003, 004)."""
    s = setting(session, phase_id)
    scope = None if year else s.phase
    figures = year_figures(session, campaign=s.campaign, phase_id=scope.id if scope else None)
    by_title, by_unit = figures.by_title, figures.by_unit
    proposed = _proposals(session, campaign=s.campaign, phase_id=scope.id if scope else None)
    what = f"năm học {s.campaign.school_year}" if year else s.phase_words
    granted = sum(line.individuals + line.collectives for line in by_title)
    paid = sum(line.amount for line in by_title)
    rows = [[str(i), line.name, str(line.individuals), str(line.collectives), money.dong(line.amount)]
            for i, line in enumerate(by_title, 1)]
    head = head_of(session, office)
    return render(Official(
        paper="bao-cao", parent=parent_name(session, office), issuer=office.name,
        number=f"Số:      /BC-{PROPOSAL_SIGN.get(office.kind, '')}".rstrip("-"), place=place_for(session, office),
        day=local_today(),
        kind="BÁO CÁO", summary=f"{'Tổng kết' if year else 'Sơ kết'} công tác thi đua, khen thưởng {what}",
        body=[Heading("I. KẾT QUẢ"),
              f"Thực hiện {s.plan}, {proposed['schools']} trường đã gửi hồ "
              f"sơ đề nghị khen thưởng {proposed['nominations']} tập thể, cá nhân; {granted} tập thể, cá nhân đã được "
              f"khen thưởng, {proposed['refused']} không được đề nghị, {proposed['higher']} được đề nghị cấp trên khen "
              f"thưởng. Tổng số tiền thưởng: {money.dong(paid)} đồng.",
              *_shares(by_title),
              "Kết quả khen thưởng theo danh hiệu, hình thức:"],
        table=(["TT", "Danh hiệu, hình thức", "Cá nhân", "Tập thể", "Tiền thưởng (đồng)"], rows),
        closing=[Heading("II. ĐÁNH GIÁ CHUNG"), "……………", Heading("III. PHƯƠNG HƯỚNG, NHIỆM VỤ"), "……………"],
        recipients=[parent_name(session, office) or "Cấp trên", "Lưu: VT"], signer_title=signs_as(holder(office), head),
        signer_name=head.full_name if head else "",
        annex=("KẾT QUẢ KHEN THƯỞNG THEO ĐƠN VỊ", ["TT", "Đơn vị", "Cá nhân", "Tập thể", "Tiền thưởng (đồng)"],
               [[str(i), line.name, str(line.individuals), str(line.collectives), money.dong(line.amount)]
                for i, line in enumerate(by_unit, 1)])))


def _shares(lines: list[Line]) -> list[str]:
    """The women and the teachers in direct teaching among the individuals granted (the plans ask for care of
    those who teach, seed 001), with how many the schools' lists leave unrecorded."""
    individuals = sum(line.individuals for line in lines)
    if not individuals:
        return []
    female, teaching = sum(line.female for line in lines), sum(line.teaching for line in lines)
    unrecorded = sum(line.unrecorded for line in lines)
    if unrecorded == individuals:  # nothing recorded: no "0 nữ (0 %)" that would read as a count
        return [f"Chưa có số liệu giới tính, trực tiếp giảng dạy của {individuals} cá nhân được khen thưởng (danh "
                "sách cán bộ của các trường chưa ghi)."]
    return [f"Trong {individuals} cá nhân được khen thưởng có {female} nữ ({percent(female, individuals)}) và "
            f"{teaching} người trực tiếp giảng dạy ({percent(teaching, individuals)})"
            + (f"; {unrecorded} cá nhân chưa được ghi giới tính hoặc trực tiếp giảng dạy." if unrecorded else ".")]


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
