"""The dossier's papers, generated: the school's tờ trình, the biên bản họp xét with its tallies, the danh sách
đề nghị (XLSX), the block's and the Phòng's consolidated tờ trình, and the quyết định khen thưởng with its annex
(DOCX, and the annex as XLSX). Layout: tdkt/official.py (Nghị định 30/2020/NĐ-CP)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from sqlmodel import Session, col, func, select

from config.route import OfficeRef, Route, default_route
from config.rules import RuleSet, campaign_rules
from config.vocabulary import Occasion, SubjectKind, UnitKind
from models.audit import AuditEvent
from models.campaign import Campaign, Phase
from models.decision import Decision, DecisionEntry, decision_entries
from models.dossier import Dossier
from models.nomination import Nomination, NominationDecision, NominationStatus, Nominee, active_nominations
from models.paper import proposal_number
from models.unit import Person, Surroundings, Unit, block_members, find_office
from models.vote import council_vote_for, minutes_tallies
from tdkt.common.errors import Refused
from tdkt.common.numbers import decimal, percent
from tdkt.common.text import fold, sheet_value
from tdkt.common.timefmt import fmt_date, local, local_today
from tdkt.documents.layout import Heading, Official, written_out
from tdkt.documents.templates import render
from tdkt.workflow import members, money

LIST_HEADER = ["TT", "Họ và tên / Tập thể", "Chức vụ", "Đơn vị", "Danh hiệu, hình thức đề nghị"]
FIGURES_HEADER = "Số liệu cá nhân trong tập thể"
ANNEX_HEADER = ["TT", "Họ và tên / Tập thể", "Chức vụ", "Đơn vị", "Danh hiệu, hình thức khen thưởng"]
MONEY_HEADER = "Số tiền (đồng)"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Setting:
    """What every paper of one dossier or phase shares: campaign, phase, rules, place."""

    campaign: Campaign
    phase: Phase
    rules: RuleSet
    place: str
    plan: str = ""  # the plan as a căn cứ cites it (`cite_plan`)

    @property
    def phase_words(self) -> str:
        """The phase as a sentence names it: "đợt 1 (09/2020 – 11/2020), năm học 2020-2021", or "tổng kết năm học
        2020-2021" for a phase whose name already says its year (only the first letter lowered: names keep theirs)."""
        name = self.phase.name[:1].lower() + self.phase.name[1:]
        return name if self.campaign.school_year in name else f"{name}, năm học {self.campaign.school_year}"


def place_of(unit_name: str) -> str:
    """'UBND huyện Mường Khương' → 'Mường Khương' (the place written before the date)."""
    for marker in (" huyện ", " xã ", " tỉnh ", " thị xã ", " thành phố "):
        if marker in f" {unit_name}":
            return f" {unit_name}".rsplit(marker, 1)[1]
    return unit_name


UBND_KINDS = (UnitKind.ubnd_xa, UnitKind.ubnd_huyen, UnitKind.ubnd_tinh)


def place_for(session: Session, unit: Unit) -> str:
    """Where a unit's papers are dated: the place of its nearest UBND (itself, or the one it belongs to), so the
    Sở writes "Cao Bằng, ngày …" where the district's Phòng writes "Quảng Hòa, ngày …"."""
    ubnd = next((u for u in Surroundings.of(session, unit).ancestors() if u.kind in UBND_KINDS), unit)
    return place_of(ubnd.name)


def setting(session: Session, phase_id: int) -> Setting:
    phase = session.get(Phase, phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    issuer = session.get(Unit, campaign.issuer_unit_id) if campaign else None
    if phase is None or campaign is None or issuer is None:
        raise Refused("not_found", f"Không tìm thấy đợt thi đua số {phase_id}.")
    return Setting(campaign=campaign, phase=phase, rules=campaign_rules(campaign), place=place_of(issuer.name),
                   plan=cite_plan(campaign, issuer))


def cite_plan(campaign: Campaign, issuer: Unit) -> str:
    """"Kế hoạch số 66/KH-UBND ngày 28/02/2020 của Ủy ban nhân dân huyện Mường Khương về …": its number, the day
    it was signed and who issued it, as far as the plan gave them."""
    number = campaign.number.strip()
    signed = f" ngày {fmt_date(campaign.issued_on)}" if campaign.issued_on else ""
    return (f"Kế hoạch {'số ' if number[:1].isdigit() else ''}{number}{signed} của {written_out(issuer.name)} về "
            f"{campaign.theme}")


# the title its head signs a unit's papers with (Nghị định 30/2020), by the unit's kind
SIGNERS = {UnitKind.ubnd_huyen: "CHỦ TỊCH", UnitKind.ubnd_xa: "CHỦ TỊCH", UnitKind.ubnd_tinh: "CHỦ TỊCH",
           UnitKind.so_gddt: "GIÁM ĐỐC", UnitKind.so_noi_vu: "GIÁM ĐỐC", UnitKind.school: "HIỆU TRƯỞNG",
           UnitKind.phong_gddt: "TRƯỞNG PHÒNG", UnitKind.phong_noi_vu: "TRƯỞNG PHÒNG",
           UnitKind.phong_vhxh: "TRƯỞNG PHÒNG"}


def holder(unit: Unit) -> str:
    """'CHỦ TỊCH', 'GIÁM ĐỐC', 'TRƯỞNG PHÒNG': the title the unit's head signs with."""
    return SIGNERS.get(UnitKind(unit.kind), "THỦ TRƯỞNG")

# who signs a unit's papers, by the unit's kind: its head's role in the route (never whoever was entered first)
HEAD_ROLES = {UnitKind.school: "school_head", UnitKind.phong_gddt: "phong_head", UnitKind.phong_noi_vu: "noivu_head",
              UnitKind.phong_vhxh: "vhxh_head", UnitKind.ubnd_huyen: "chairman", UnitKind.ubnd_xa: "commune_chairman",
              UnitKind.so_gddt: "so_director", UnitKind.ubnd_tinh: "province_chairman"}


def parent_name(session: Session, unit: Unit) -> str:
    """The name of the unit's parent body ("" for none)."""
    parent = session.get(Unit, unit.parent_id) if unit.parent_id else None
    return parent.name if parent else ""


def signs_as(office_holder: str, person: Person | None, *, collective: str = "") -> str:
    """The signature's title lines (Nghị định 30/2020 Điều 13): the head signs as `office_holder`; a deputy "KT. TITLE"
    over their own title; an acting head "Q. TITLE"; for a collective body, "TM. BODY" above them."""
    title = (person.title or "").strip() if person else ""
    lines = [f"TM. {collective}"] if collective else []
    if fold(title).startswith("pho "):
        lines += [f"KT. {office_holder}", title.upper()]
    elif fold(title).startswith("quyen "):
        lines.append(f"Q. {office_holder}")
    else:
        lines.append(office_holder)
    return "\n".join(lines)


def head_of(session: Session, unit: Unit) -> Person | None:
    """The unit's head, who signs; None (the name left for the signer to write) when the unit has none."""
    role = HEAD_ROLES.get(UnitKind(unit.kind))
    return session.exec(select(Person).where(Person.unit_id == unit.id, Person.role == role)
                        .order_by(col(Person.id))).first() if role else None


def _rows(pairs: list[tuple[Nomination, Nominee]], units: dict[int, str], rules: RuleSet, *,
          figures: bool = False) -> list[list[str]]:
    """The list's rows; with `figures`, a last column of each collective's figures of its members."""
    return [[str(i), p.full_name, p.position or "", units.get(p.unit_id, ""), _title(rules, n.title_code),
             *([members.describe(rules, n.member_figures)] if figures else [])]
            for i, (n, p) in enumerate(pairs, 1)]


def _title(rules: RuleSet, code: str) -> str:
    return rules.titles[code].name if code in rules.titles else code


def _counts(rules: RuleSet, pairs: list[tuple[Nomination, Nominee]]) -> str:
    counts = Counter(n.title_code for n, _ in pairs)
    return "; ".join(f"{_title(rules, code)}: {count}" for code, count in counts.items()) or "không có"


def _school_parts(session: Session, dossier_id: int) -> tuple[Dossier, Unit, Unit | None, Setting]:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    school = session.get(Unit, dossier.school_id)
    assert school is not None
    parent = session.get(Unit, school.parent_id) if school.parent_id else None
    return dossier, school, parent, setting(session, dossier.phase_id)


def _acted_on(session: Session, *, dossier_ids: list[int], stages: set[str], action: str = "") -> date:
    """The day a paper's act happened — the last move of these dossiers out of one of `stages` (the school's
    submission, the block's forward; only by `action`, when given: a proposal higher) — so that a paper drawn
    later keeps its date; today before the act."""
    query = select(func.max(AuditEvent.at)).where(col(AuditEvent.dossier_id).in_(dossier_ids),
                                                  col(AuditEvent.from_stage).in_(sorted(stages)))
    moved = session.exec(query.where(AuditEvent.action == action) if action else query).one()
    return local(moved).date() if moved is not None else local_today()


def school_proposal(session: Session, *, dossier_id: int) -> bytes:
    """Tờ trình of the school: proposes its nominees, with the list, dated by its submission."""
    dossier, school, parent, s = _school_parts(session, dossier_id)
    pairs = active_nominations(session, dossier_id=dossier_id)
    head = head_of(session, school)
    to = parent.name if parent else "cấp trên"
    return render(Official(
        paper="to-trinh-truong",
        parent=parent.name if parent else "", issuer=school.name,
        number=_number(session, phase_id=s.phase.id or 0, unit=school, blank="Số:      /TTr-" + _code(school.name)),
        place=s.place, day=_acted_on(session, dossier_ids=[dossier_id], stages={default_route().start}),
        kind="TỜ TRÌNH",
        summary=f"Về việc đề nghị công nhận danh hiệu thi đua và hình thức khen thưởng {s.phase_words}",
        body=[f"Kính gửi: {to}.",
              f"Căn cứ {s.plan}; căn cứ kết quả "
              f"họp xét của Hội đồng Thi đua – Khen thưởng nhà trường, {school.name} kính trình {to} xem xét, đề "
              f"nghị công nhận danh hiệu thi đua và khen thưởng cho {len(pairs)} tập thể, cá nhân "
              f"({_counts(s.rules, pairs)}), có danh sách kèm theo:"],
        table=(LIST_HEADER, _rows(pairs, {school.id or 0: school.name}, s.rules)),
        closing=[f"{school.name} kính trình {to} xem xét, quyết định."],
        recipients=[to, "Lưu: VT"], signer_title=signs_as("HIỆU TRƯỞNG", head),
        signer_name=head.full_name if head else ""))


def council_minutes(session: Session, *, dossier_id: int) -> bytes:
    """Biên bản họp xét: when and where, who chaired and who wrote it, who was there and who was not, the counting
    committee, each nominee's count — kept whatever happened to the nomination since — and both signatures."""
    dossier, school, parent, s = _school_parts(session, dossier_id)
    vote = council_vote_for(session, dossier_id=dossier_id)
    if vote is None:
        raise Refused("no_vote", "Chưa ghi nhận biên bản họp xét nên chưa lập được biên bản.")
    rows = [[str(i), name, _title(s.rules, code), str(tally.votes_for), str(tally.votes_against),
             percent(tally.votes_for, vote.members_present)]
            for i, (name, code, tally) in enumerate(minutes_tallies(session, dossier_id=dossier_id), 1)]
    head = head_of(session, school)
    chair = vote.chair or (head.full_name if head else "")  # unrecorded: the head, who chairs the council
    when = f"Vào hồi {vote.starts_at.strftime('%H giờ %M')}, ngày" if vote.starts_at else "Ngày"
    where = f", tại {vote.place}" if vote.place else ""
    ballot = "bỏ phiếu kín" if vote.secret_ballot else "biểu quyết công khai"
    return render(Official(
        paper="bien-ban",
        parent=parent.name if parent else "", issuer=school.name, number="Số:      /BB-" + _code(school.name),
        place=s.place, day=vote.held_on, kind="BIÊN BẢN",
        summary=f"Họp xét thi đua, khen thưởng {s.phase_words}",
        body=[f"{when} {fmt_date(vote.held_on)}{where}, Hội đồng Thi đua – Khen thưởng {school.name} họp xét thi đua, "
              "khen thưởng.",
              f"Chủ trì: {chair or '……………'}. Thư ký: {vote.secretary or '……………'}.",
              f"Thành viên Hội đồng: {vote.members_total}; có mặt: {vote.members_present}; vắng mặt: "
              f"{vote.members_total - vote.members_present}{f' ({vote.absent})' if vote.absent else ''}.",
              f"Hình thức: {ballot}{f'. Ban kiểm phiếu: {vote.counters}' if vote.counters else ''}.",
              "Kết quả bỏ phiếu (tỉ lệ tính trên số thành viên có mặt):"],
        table=(["TT", "Họ và tên / Tập thể", "Danh hiệu đề nghị", "Đồng ý", "Không đồng ý", "Tỉ lệ đồng ý"], rows),
        closing=["Cuộc họp kết thúc cùng ngày. Biên bản đã được đọc lại và thông qua trước Hội đồng."],
        co_signer=("THƯ KÝ", vote.secretary), signer_title="CHỦ TỊCH HỘI ĐỒNG",
        signer_name=chair))


def nominee_list(session: Session, *, dossier_id: int) -> bytes:
    """Danh sách đề nghị khen thưởng as XLSX, with its title and a total per title."""
    _, school, _, s = _school_parts(session, dossier_id)
    pairs = active_nominations(session, dossier_id=dossier_id)
    return _workbook(f"DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG – {school.name.upper()}", f"{s.phase.name}, năm học "
                     f"{s.campaign.school_year}", _rows(pairs, {school.id or 0: school.name}, s.rules, figures=True),
                     Counter(_title(s.rules, n.title_code) for n, _ in pairs), [*LIST_HEADER, FIGURES_HEADER])


def _workbook(title: str, subtitle: str, rows: list[list[str]], totals: Counter[str],
              header: list[str] = LIST_HEADER, amounts: list[int] | None = None) -> bytes:
    """The list as a sheet: its title, the header, one row per line (with its money when `amounts`), then the
    totals per title (and of the money)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Danh sách"
    sheet.append([sheet_value(title)])
    sheet.append([sheet_value(subtitle)])
    sheet.append([])
    sheet.append([*header, *([MONEY_HEADER] if amounts is not None else [])])
    for i, row in enumerate(rows):
        sheet.append([int(row[0]), *(sheet_value(value) for value in row[1:]),
                      *([amounts[i]] if amounts is not None else [])])
    sheet.append([])
    sheet.append(["", "Tổng cộng", "", "", f"{sum(totals.values())} tập thể, cá nhân",
                  *([sum(amounts)] if amounts is not None else [])])
    for name, count in totals.items():
        sheet.append(["", "", "", sheet_value(name), count])
    for cell in (sheet["A1"], sheet["A2"], *sheet[4]):
        cell.font = Font(name="Times New Roman", bold=True)
    sheet["A1"].alignment = Alignment(horizontal="left")
    for column, width in zip("ABCDEF"[:len(header)], (5, 32, 18, 34, 34, 60), strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _phase_pairs(session: Session, phase_id: int, statuses: tuple[NominationStatus, ...], *,
                 school_ids: list[int] | None = None, stages: set[str] | None = None,
                 proposed_higher: bool = False) -> list[tuple[Nomination, Nominee]]:
    """The phase's nominations in these statuses (of these schools, in dossiers at these stages, when given; with
    `proposed_higher`, only those a forward_higher verdict proposed), school by school."""
    query = (select(Nomination, Nominee).join(Nominee, col(Nominee.id) == Nomination.nominee_id)
             .join(Dossier, col(Dossier.id) == Nomination.dossier_id)
             .where(Dossier.phase_id == phase_id, Nomination.withdrawn == False,  # noqa: E712
                    col(Nomination.status).in_(statuses)))
    if school_ids is not None:
        query = query.where(col(Dossier.school_id).in_(school_ids))
    if stages is not None:
        query = query.where(col(Dossier.stage).in_(sorted(stages)))
    if proposed_higher:
        query = query.where(col(Nomination.id).in_(select(NominationDecision.nomination_id).where(
            NominationDecision.verdict == NominationStatus.forwarded)))
    return [(n, p) for n, p in session.exec(query.order_by(col(Dossier.school_id), col(Nomination.id))).all()]


def _units_of(session: Session, pairs: list[tuple[Nomination, Nominee]]) -> dict[int, str]:
    """The names of the nominees' units (their schools), by id."""
    ids = sorted({p.unit_id for _, p in pairs})
    return {u.id or 0: u.name for u in session.exec(select(Unit).where(col(Unit.id).in_(ids))).all()} if ids else {}


def block_proposal(session: Session, *, block_id: int, phase_id: int) -> bytes:
    """The block leader's consolidated tờ trình: every member school's proposals that reached the block."""
    s = setting(session, phase_id)
    block = session.get(Unit, block_id)
    leader = session.get(Unit, block.leader_school_id) if block and block.leader_school_id else None
    if block is None or leader is None:
        raise Refused("not_found", "Không tìm thấy khối thi đua hoặc trường trưởng khối.")
    members = block_members(session, block_id=block_id)
    route = default_route()
    # what the block forwarded, whatever happened to it since (approved, granted, proposed higher or refused)
    pairs = _phase_pairs(session, phase_id, tuple(st for st in NominationStatus if st != NominationStatus.returned),
                         school_ids=[m.id or 0 for m in members], stages=set(route.stages) - {route.start})
    forwarded = _acted_on(session, dossier_ids=sorted({n.dossier_id for n, _ in pairs}), stages={
        name for name, stage in route.stages.items() if stage.actors and stage.actors.unit == "block_leader"})
    phong = session.get(Unit, leader.parent_id) if leader.parent_id else None
    head = head_of(session, leader)
    to = phong.name if phong else "cấp trên"
    return render(Official(
        paper="to-trinh-khoi",
        parent=phong.name if phong else "", issuer=leader.name,
        number=_number(session, phase_id=phase_id, unit=block, blank="Số:      /TTr-KTĐ"), place=s.place,
        day=forwarded,
        kind="TỜ TRÌNH", summary=f"Về việc đề nghị khen thưởng của {block.name}, {s.phase_words}",
        body=[f"Kính gửi: {to}.",
              f"Trường trưởng khối đã tổng hợp, kiểm tra hồ sơ của {len(members)} trường thành viên và kính trình "
              f"{len(pairs)} tập thể, cá nhân ({_counts(s.rules, pairs)}), có danh sách kèm theo:"],
        table=(LIST_HEADER, _rows(pairs, {m.id or 0: m.name for m in members}, s.rules)),
        recipients=[to, "Các trường trong khối", "Lưu: VT"], signer_title=f"TM. {block.name.upper()}\nTRƯỞNG KHỐI",
        signer_name=head.full_name if head else ""))


PROPOSAL_SIGN = {UnitKind.phong_gddt: "GDĐT", UnitKind.phong_noi_vu: "NV", UnitKind.phong_vhxh: "VHXH",
                 UnitKind.so_gddt: "SGDĐT", UnitKind.so_noi_vu: "SNV"}


def office_proposal(session: Session, *, phase_id: int, office: Unit) -> bytes:
    """An office's consolidated tờ trình to the authority that decides next (the chairman of its UBND, or of the
    province's for the Sở Nội vụ): the nominations its own step approved in the phase (the Phòng GD&ĐT's review,
    Nội vụ's verification), wherever their dossiers have gone since."""
    s = setting(session, phase_id)
    route = default_route()
    acts = route.review_steps(UnitKind(office.kind))
    if not acts:
        raise Refused("no_step", f"{office.name} không xét duyệt hay thẩm định hồ sơ trên tuyến này nên không lập "
                                 "tờ trình tổng hợp.")
    onward = route.onward(office.kind)
    pairs = _phase_pairs(session, phase_id, (NominationStatus.approved, NominationStatus.granted), stages=onward)
    # Only dossiers this office's step moved on (a decided district dossier never passed the Sở's), and of a
    # campaign spanning several offices of this kind (districts) only its own schools' nominations.
    acted = _passed_on(session, dossier_ids=sorted({n.dossier_id for n, _ in pairs}), steps=acts, onward=onward)
    units = _units_of(session, pairs)
    mine = {unit_id for unit_id in units if _office_of(session, unit_id, office) == office.id}
    pairs = [(n, p) for n, p in pairs if p.unit_id in mine and n.dossier_id in acted]
    if not pairs:
        raise Refused("nothing_approved", f"{office.name} chưa duyệt đề nghị nào của {s.phase.name} để trình.")
    decider = _decider(session, route, acts, office)
    to = f"{holder(decider).capitalize()} {decider.name}" if decider else "Cấp có thẩm quyền"
    head = head_of(session, office)
    blank = f"Số:      /TTr-{PROPOSAL_SIGN.get(office.kind, '')}".rstrip("-")
    return render(Official(
        paper="to-trinh-phong",
        parent=parent_name(session, office), issuer=office.name,
        number=_number(session, phase_id=phase_id, unit=office, blank=blank),
        place=place_for(session, office),
        day=_acted_on(session, dossier_ids=sorted({n.dossier_id for n, _ in pairs}), stages=acts),
        kind="TỜ TRÌNH",
        summary=f"Về việc đề nghị khen thưởng {s.phase_words}",
        body=[f"Kính gửi: {to}.",
              f"Căn cứ {s.plan}; trên cơ sở đề nghị của các trường và kết quả xét duyệt, {office.name} "
              f"kính trình khen thưởng {len(pairs)} tập thể, cá nhân ({_counts(s.rules, pairs)}):"],
        table=(LIST_HEADER, _rows(pairs, units, s.rules)),
        recipients=[to, "Lưu: VT"], signer_title=signs_as(holder(office), head),
        signer_name=head.full_name if head else ""))


def _passed_on(session: Session, *, dossier_ids: list[int], steps: set[str], onward: set[str]) -> set[int]:
    """Those of the dossiers that a transition moved from one of an office's `steps` to where its approval leads
    (`onward`): not a part proposed from there to another grantor, which that grantor's office proposes."""
    if not dossier_ids:
        return set()
    moved = session.exec(select(AuditEvent.dossier_id).where(col(AuditEvent.dossier_id).in_(dossier_ids),
                                                             col(AuditEvent.from_stage).in_(sorted(steps)),
                                                             col(AuditEvent.to_stage).in_(sorted(onward))))
    return {dossier_id for dossier_id in moved if dossier_id is not None}


def _decider(session: Session, route: Route, acts: set[str], office: Unit) -> Unit | None:
    """The unit whose head decides what the office's step passes on: the nearest decision step's."""
    for stage in sorted(acts):
        found = route.decision_after(stage)
        actors = route.stages[found].actors if found else None
        if actors is not None and isinstance(actors.unit, OfficeRef):
            return find_office(session, start=office, kind=actors.unit.kind)
    return None


def _office_of(session: Session, school_id: int, office: Unit) -> int | None:
    """The id of the school's office of `office`'s kind (the one whose step reviews its dossiers)."""
    school = session.get(Unit, school_id)
    found = find_office(session, start=school, kind=office.kind) if school else None
    return found.id if found else None


def higher_proposal(session: Session, *, phase_id: int) -> bytes:
    """The tờ trình by which the campaign's issuer (UBND huyện) proposes to the levels above the nominations
    proposed higher in the phase (forwarded): those its own decision may not grant, or whole dossiers — whatever the
    levels above have decided since, so that the paper drawn later lists what was proposed."""
    s = setting(session, phase_id)
    pairs = _phase_pairs(session, phase_id, tuple(NominationStatus), proposed_higher=True)
    if not pairs:
        raise Refused("nothing_forwarded", f"{s.phase.name} chưa có đề nghị nào trình cấp trên khen thưởng.")
    deciders = default_route().deciders()
    grantors = sorted({who for n, _ in pairs if n.title_code in s.rules.titles
                       and (who := s.rules.beyond(n.title_code, deciders))})
    to = "; ".join(grantors) or "cơ quan có thẩm quyền khen thưởng"
    issuer = session.get(Unit, s.campaign.issuer_unit_id)
    assert issuer is not None
    head = head_of(session, issuer)
    return render(Official(
        paper="to-trinh-cap-tren",
        parent="", issuer=issuer.name,
        number=_number(session, phase_id=phase_id, unit=issuer, blank="Số:      /TTr-UBND"), place=s.place,
        day=_acted_on(session, dossier_ids=sorted({n.dossier_id for n, _ in pairs}), stages=set(default_route().stages),
                      action="forward_higher"),
        kind="TỜ TRÌNH",
        summary=f"Về việc đề nghị cấp trên khen thưởng {s.phase_words}",
        body=[f"Kính gửi: {to}.",
              f"Căn cứ {s.plan}; trên cơ sở đề nghị của các trường, kết quả xét duyệt, thẩm định của "
              f"{PROPOSERS.get(UnitKind(issuer.kind), 'các cơ quan chuyên môn')}, {issuer.name} kính trình xem xét, "
              "khen thưởng "
              f"{len(pairs)} tập thể, cá nhân ({_counts(s.rules, pairs)}), thuộc thẩm quyền của cấp trên "
              f"({s.rules.authority_article}):"],
        table=(LIST_HEADER, _rows(pairs, _units_of(session, pairs), s.rules)),
        recipients=[*grantors, "Phòng Nội vụ", "Lưu: VT"],
        signer_title=signs_as("CHỦ TỊCH", head, collective="ỦY BAN NHÂN DÂN"),
        signer_name=head.full_name if head else ""))


def _decision_parts(session: Session, decision_id: int) -> tuple[Decision, Setting, Unit, Person,
                                                                 list[DecisionEntry]]:
    decision = session.get(Decision, decision_id)
    if decision is None:
        raise Refused("not_found", f"Không tìm thấy quyết định số {decision_id}.")
    s = setting(session, decision.phase_id)
    issuer, signer = session.get(Unit, decision.issuer_unit_id), session.get(Person, decision.signer_id)
    assert issuer is not None and signer is not None
    return decision, s, issuer, signer, decision_entries(session, decision_id=decision_id)


# who carries a decision out (its Điều 3), by the issuer's kind: the offices of that level, never an abolished one
EXECUTORS = {UnitKind.ubnd_huyen: "Chánh Văn phòng HĐND và UBND huyện, Trưởng phòng Nội vụ, Trưởng phòng Giáo dục và "
                                  "Đào tạo, Hiệu trưởng các trường",
             UnitKind.ubnd_xa: "Chánh Văn phòng HĐND và UBND xã, Trưởng phòng Văn hóa – Xã hội, Hiệu trưởng các trường",
             UnitKind.ubnd_tinh: "Chánh Văn phòng UBND tỉnh, Giám đốc Sở Nội vụ, Giám đốc Sở Giáo dục và Đào tạo, Thủ "
                                 "trưởng các cơ quan, đơn vị liên quan",
             UnitKind.so_gddt: "Chánh Văn phòng Sở, Trưởng các phòng thuộc Sở, Thủ trưởng các đơn vị liên quan",
             UnitKind.school: "Các bộ phận liên quan của nhà trường"}
# on whose proposal a decision is taken, by the issuer's kind
PROPOSERS = {UnitKind.ubnd_huyen: "Phòng Giáo dục và Đào tạo và Phòng Nội vụ",
             UnitKind.ubnd_xa: "Phòng Văn hóa – Xã hội", UnitKind.so_gddt: "Phòng Giáo dục và Đào tạo",
             UnitKind.ubnd_tinh: "Sở Nội vụ (Ban Thi đua – Khen thưởng)",
             UnitKind.school: "Hội đồng Thi đua – Khen thưởng nhà trường"}


def _collective(rules: RuleSet, code: str) -> bool:
    return code in rules.titles and rules.titles[code].subject == SubjectKind.collective


def _counted(rules: RuleSet, entries: list[DecisionEntry]) -> str:
    """'3 tập thể và 12 cá nhân' of the annex's lines."""
    collectives = sum(1 for e in entries if _collective(rules, e.title_code))
    parts = [f"{count} {what}" for count, what in ((collectives, "tập thể"), (len(entries) - collectives, "cá nhân"))
             if count]
    return " và ".join(parts) or "0 cá nhân"


def _wording(s: Setting, decision: Decision, counted: str) -> tuple[str, str]:
    """The decision's summary and its Điều 1, worded by its form: a title is công nhận, a commendation tặng."""
    title = s.rules.titles.get(decision.form)
    name = title.name if title is not None else decision.form
    year = f"năm học {s.campaign.school_year}"
    if title is None or title.kind == "danh_hieu":
        return (f"Về việc công nhận danh hiệu “{name}” {year}",
                f"Điều 1. Công nhận danh hiệu “{name}” {year} cho {counted} có tên trong danh sách kèm theo.")
    feat = "thành tích đột xuất" if s.phase.occasion == Occasion.ad_hoc else \
        f"thành tích xuất sắc trong {s.phase_words}"
    return (f"Về việc tặng {name}",
            f"Điều 1. Tặng {name} cho {counted} (có danh sách kèm theo), đã có {feat}.")


def _article_two(s: Setting, decision: Decision, entries: list[DecisionEntry]) -> str:
    """Điều 2: the money of each title the decision grants, its basis, and the total."""
    codes = list(dict.fromkeys(e.title_code for e in entries))
    awards = {code: award for code in codes if (award := money.award_of(s.rules, code, decision.signed_on))}
    if not awards or s.rules.money is None:
        return "Điều 2. Kinh phí khen thưởng thực hiện theo quy định hiện hành."
    each = "; ".join(f"mỗi {'tập thể' if _collective(s.rules, code) else 'cá nhân'}"
                     f"{'' if len(awards) == 1 else f' ({s.rules.titles[code].name})'} được thưởng "
                     f"{money.dong(a.each)} đồng ({decimal(a.coefficient, 2)} lần mức lương cơ sở "
                     f"{money.dong(a.base.amount)} đồng, {a.base.article})" for code, a in awards.items())
    spent = money.total(s.rules, (e.title_code for e in entries), decision.signed_on)
    return (f"Điều 2. Kèm theo danh hiệu, hình thức khen thưởng tại Điều 1, {each}. Tổng số tiền thưởng: "
            f"{money.dong(spent)} đồng, chi từ quỹ thi đua, khen thưởng theo quy định ({s.rules.money.article}).")


def _annex_rows(s: Setting, decision: Decision, entries: list[DecisionEntry]) -> tuple[list[str], list[list[str]]]:
    """The annex in two parts, I. Tập thể and II. Cá nhân, each numbered from 1, with each line's money and the
    total when the rule set gives it."""
    paid = {e.id: award.each for e in entries if (award := money.award_of(s.rules, e.title_code, decision.signed_on))}
    header = [*ANNEX_HEADER, *([MONEY_HEADER] if paid else [])]
    rows: list[list[str]] = []
    parts = (("I", "TẬP THỂ", True), ("II", "CÁ NHÂN", False))
    for number, label, collective in parts:
        lines = [e for e in entries if _collective(s.rules, e.title_code) == collective]
        if not lines:
            continue
        rows.append([number, label, "", "", "", *([""] if paid else [])])
        rows += [[str(i), e.nominee_name, e.position or "", e.unit_name, e.title_name,
                  *([money.dong(paid.get(e.id, 0))] if paid else [])] for i, e in enumerate(lines, 1)]
    if paid:
        rows.append(["", "Tổng cộng", "", "", _counted(s.rules, entries), money.dong(sum(paid.values()))])
    return header, rows


def _grantor(issuer: Unit) -> str:
    """'Chủ tịch Ủy ban nhân dân huyện Quảng Hòa': who decides, written out."""
    return f"{holder(issuer).capitalize()} {written_out(issuer.name)}"


def _proposal(session: Session, decision: Decision) -> str:
    """The tờ trình the decision was taken on, as its căn cứ cites it: the proposing unit's (who made the last move
    into the stage the decision was signed at), "Tờ trình số 15/TTr-NV ngày 12/11/2022" — without the number
    while its văn thư has not given one."""
    signed = session.get(AuditEvent, decision.audit_event_id) if decision.audit_event_id else None
    moved = session.exec(select(AuditEvent).where(AuditEvent.phase_id == decision.phase_id,
                                                  AuditEvent.to_stage == signed.from_stage)
                         .order_by(col(AuditEvent.at).desc())).first() if signed else None
    if moved is None:
        return f"Tờ trình ngày {fmt_date(decision.signed_on)}"
    proposer = session.get(Person, moved.actor_id)
    number = proposal_number(session, phase_id=decision.phase_id, unit_id=proposer.unit_id) if proposer else None
    return f"Tờ trình{f' số {number}' if number else ''} ngày {fmt_date(local(moved.at).date())}"


def _number(session: Session, *, phase_id: int, unit: Unit, blank: str) -> str:
    """'Số: 15/TTr-PGDĐT' once the unit's văn thư has given its tờ trình of the phase a number; `blank` before."""
    given = proposal_number(session, phase_id=phase_id, unit_id=unit.id or 0)
    return f"Số: {given}" if given else blank


def decision_document(session: Session, *, decision_id: int) -> bytes:
    """Quyết định khen thưởng of one form, with Điều 1–3 and its annex (I. tập thể, II. cá nhân) on a new page."""
    decision, s, issuer, signer, entries = _decision_parts(session, decision_id)
    summary, article_one = _wording(s, decision, _counted(s.rules, entries))
    title = holder(issuer)
    executors = EXECUTORS.get(UnitKind(issuer.kind), "Thủ trưởng các cơ quan, đơn vị liên quan")
    annex = (f"DANH SÁCH KHEN THƯỞNG\n(Kèm theo Quyết định số {decision.number} ngày {fmt_date(decision.signed_on)} "
             f"của {_grantor(issuer)})")
    return render(Official(
        paper="quyet-dinh",
        parent="", issuer=issuer.name, number=f"Số: {decision.number}", place=place_for(session, issuer),
        day=decision.signed_on,
        kind="QUYẾT ĐỊNH", summary=summary,
        body=[Heading(f"{title} {written_out(issuer.name).upper()}"),
              *[f"Căn cứ {text};" for text in s.rules.cited(decision.signed_on, issuer.kind)],
              f"Căn cứ {s.plan};",
              f"Theo đề nghị của {PROPOSERS.get(UnitKind(issuer.kind), 'đơn vị trình')} tại "
              f"{_proposal(session, decision)}.",
              Heading("QUYẾT ĐỊNH:"),
              article_one,
              _article_two(s, decision, entries),
              f"Điều 3. {executors} và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết "
              "định này."],
        recipients=["Như Điều 3", "Lưu: VT"], signer_title=signs_as(title, signer), signer_name=signer.full_name,
        annex=(annex, *_annex_rows(s, decision, entries))))


def decision_annex(session: Session, *, decision_id: int) -> bytes:
    decision, s, _, _, entries = _decision_parts(session, decision_id)
    rows = [[str(i), e.nominee_name, e.position or "", e.unit_name, e.title_name]
            for i, e in enumerate(entries, 1)]
    paid = [a.each if (a := money.award_of(s.rules, e.title_code, decision.signed_on)) else 0 for e in entries]
    return _workbook(f"DANH SÁCH KHEN THƯỞNG KÈM THEO QUYẾT ĐỊNH SỐ {decision.number}",
                     f"ngày {fmt_date(decision.signed_on)} – {s.phase.name}", rows, Counter(r[4] for r in rows),
                     ANNEX_HEADER, amounts=paid if any(paid) else None)


def _code(name: str) -> str:
    """A short code for the document number from a school's name: 'Trường Tiểu học Bản Lầu' → 'TH'."""
    for level, code in (("Mầm non", "MN"), ("Tiểu học", "TH"), ("THCS", "THCS"), ("THPT", "THPT")):
        if level in name:
            return code
    return "TR"


DOSSIER_PAPERS: dict[str, tuple[str, Callable[..., bytes], str]] = {
    "to-trinh.docx": ("Tờ trình", school_proposal, DOCX),
    "bien-ban.docx": ("Biên bản họp xét", council_minutes, DOCX),
    "danh-sach.xlsx": ("Danh sách đề nghị (Excel)", nominee_list, XLSX),
}


def dossier_paper(session: Session, *, dossier_id: int, name: str) -> tuple[bytes, str]:
    """One generated paper of a dossier by its file name, with its media type."""
    if name not in DOSSIER_PAPERS:
        raise Refused("unknown_paper", f"Không có giấy tờ '{name}'. Có: {', '.join(DOSSIER_PAPERS)}.")
    _, build, media_type = DOSSIER_PAPERS[name]
    return build(session, dossier_id=dossier_id), media_type
