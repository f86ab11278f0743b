"""`tdkt demo`: a school year of the sample district, from the school votes to the decisions.

Phases 1 and 2 propose the district chairman's Giấy khen: phase 1's 20-individual quota is hit and respected.
The year's titles (LĐTT, TTLĐTT, CSTĐCS) are proposed once, in the year-end phase, whose decision grants them
with the 15 % CSTĐCS cap counted on the year; there one dossier is returned and resubmitted, the Giám đốc Sở's
Giấy khen goes on to the Sở and his decision, and a CSTĐ of the province to the province's appraisal, its
council (refused below 90 % of its members) and the Chủ tịch UBND tỉnh's decision. It uses the real flows,
engine and database; only the clock is simulated (dates of the 2020-2021 campaign).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table
from sqlmodel import Session, col, func, select

from config.route import default_route
from config.settings import get_settings
from config.vocabulary import SubjectKind, UnitKind
from flows.aggregation import aggregation_flow
from flows.decision import decision_flow
from flows.review import review_flow
from flows.runtime import run
from flows.submission import submission_flow
from models.audit import AuditEvent
from models.award import AwardRecord
from models.campaign import Campaign, Phase
from models.db import dispose_engines, migrate, session_scope
from models.decision import Decision, decision_entries
from models.dossier import Dossier
from models.nomination import Nomination, Nominee, active_nominations
from models.outbox import OutboxMessage, OutboxStatus
from models.unit import Person, Unit
from notifications.mailer import mailbox_files
from tasks.transition import Review, Submission
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.common.timefmt import fmt_date
from tdkt.services import attachments as papers
from tdkt.services.registration import Wanted, register_district
from tdkt.services.sample import load_sample
from tdkt.workflow.engine import Verdict

SAMPLE = "muong-khuong"
TEACHERS = ["Nguyễn Thị Thanh Hương", "Lò Văn Quý", "Trần Thị Ngọc Ánh", "Hoàng Văn Dũng", "Phạm Thị Yến",
            "Vàng Seo Phử", "Đinh Thị Hoa", "Lê Minh Tuấn", "Giàng Thị Dua", "Bùi Thị Thu Trang"]
RETURN_REASON = "Thiếu báo cáo thành tích cá nhân có xác nhận của Hiệu trưởng"


class Clock:
    """Simulated time in the 2020 campaign, advancing a few minutes per action."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def tick(self, minutes: int = 7) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now

    def jump(self, day: date, hour: int = 8) -> datetime:
        self.now = datetime(day.year, day.month, day.day, hour, tzinfo=get_settings().tz)
        return self.now


def fresh_database(console: Console) -> None:
    url = get_settings().database_url
    if not url.startswith("sqlite:///"):
        raise Refused("not_sqlite", "--fresh chỉ xóa cơ sở dữ liệu SQLite demo; hãy dùng cơ sở dữ liệu trống.")
    dispose_engines()
    path = Path(url.removeprefix("sqlite:///"))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    for old_mail in mailbox_files():
        old_mail.unlink()
    console.print(f"Đã xóa cơ sở dữ liệu demo cũ ({path}).")


# What each school reports of its staff for its own TTLĐTT (báo cáo thành tích, Mẫu 01): 19 of 24 LĐTT.
SCHOOL_FIGURES = {"total": 24, "completed": 24, "LDTT": 19, "CSTDCS": 2, "disciplined": 0}


def _nominate(session: Session, dossier_id: int, name: str, kind: SubjectKind, title: str,
              position: str | None = None, initiative: str | None = None) -> Nomination:
    return services.add_nomination(
        session, dossier_id=dossier_id, full_name=name, kind=kind, title_code=title, position=position,
        achievements="Hoàn thành xuất sắc nhiệm vụ năm học, có sáng kiến được công nhận cấp trường.",
        initiative=initiative, figures=SCHOOL_FIGURES if kind == SubjectKind.collective else None)


def phase_plan(session: Session, teachers: int = 2) -> dict[int, list[Wanted]]:
    """A phase's Giấy khen of the district chairman: a teacher of every school, `teachers` of each block leader —
    phase 1's two make more than the phase's quota of 20 individuals — and a subject group of every school."""
    schools = session.exec(select(Unit).where(Unit.kind == UnitKind.school).order_by(col(Unit.id))).all()
    leaders = {b.leader_school_id for b in session.exec(select(Unit).where(Unit.kind == UnitKind.block)).all()}
    return {school.id or 0: [*(Wanted(TEACHERS[(index + k) % len(TEACHERS)], SubjectKind.individual, "GK_HUYEN",
                                      "Giáo viên") for k in range(teachers if school.id in leaders else 1)),
                             Wanted(f"Tổ chuyên môn – {school.name}", SubjectKind.collective, "GK_HUYEN_TT")]
            for index, school in enumerate(schools)}


def year_plan(session: Session) -> dict[int, list[Wanted]]:
    """Who each school registers at the start of the year and nominates later: a teacher for LĐTT and the
    school for TTLĐTT; block leaders and Trường Mầm non Bản Xen also a CSTĐCS candidate; the third school also a
    teacher for the Giám đốc Sở's Giấy khen, which the district chairman may not grant (Nội vụ proposes it
    higher)."""
    schools = session.exec(select(Unit).where(Unit.kind == UnitKind.school).order_by(col(Unit.id))).all()
    leaders = {b.leader_school_id for b in session.exec(select(Unit).where(Unit.kind == UnitKind.block)).all()}
    plan = {}
    for index, school in enumerate(schools):
        plan[school.id or 0] = [Wanted(TEACHERS[index % len(TEACHERS)], SubjectKind.individual, "LDTT", "Giáo viên"),
                                Wanted(school.name, SubjectKind.collective, "TTLDTT")]
        if school.id in leaders or school.name.endswith("Bản Xen"):
            plan[school.id or 0].append(Wanted(TEACHERS[(index + 5) % len(TEACHERS)], SubjectKind.individual,
                                               "CSTDCS", "Tổ trưởng"))
        if index == 2:  # reviewed before the phase quota is reached
            plan[school.id or 0].append(Wanted(TEACHERS[(index + 7) % len(TEACHERS)], SubjectKind.individual,
                                               "GK_SO", "Giáo viên"))
        if index == 5:  # three years of CSTĐCS behind her: proposed to the province
            plan[school.id or 0].append(Wanted(PROVINCE_FIGHTER, SubjectKind.individual, "CSTD_TINH",
                                               "Phó hiệu trưởng"))
    return plan


PROVINCE_FIGHTER = "Sùng Thị Mỷ"


def register_year(session: Session, campaign: Campaign) -> int:
    """The year's registrations, forwarded by the block leaders two days before the registration date."""
    assert campaign.registration_due is not None
    return register_district(session, campaign_id=campaign.id or 0, wanted=year_plan(session),
                             at=campaign.registration_due - timedelta(days=2))


def _prepare_dossiers(session: Session, phase: Phase, held_on: date,
                      plan: dict[int, list[Wanted]]) -> list[tuple[int, str, str]]:
    """Every school nominates whom the plan names (in the year-end phase, whom it registered: see year_plan),
    and its council votes.

    Returns (dossier id, school name, head's email). Trường Mầm non Bản Xen's council gives its CSTĐCS
    nominee too few votes: its submission is refused until the school withdraws that nominee.
    """
    prepared = []
    for school_id, wanted_here in plan.items():
        school = session.get(Unit, school_id)
        assert school is not None
        dossier_id = services.open_dossier(session, phase_id=phase.id or 0, school_id=school_id).id or 0
        noms = []
        for wanted in wanted_here:
            if wanted.title_code in ("CSTDCS", "CSTD_TINH"):
                noms += _emulation_fighter(session, dossier_id, wanted.full_name, wanted.title_code)
            else:
                noms.append(_nominate(session, dossier_id, wanted.full_name, wanted.kind, wanted.title_code,
                                      wanted.position))
        tallies = {n.id or 0: (12, 1) for n in noms}
        if school.name == "Trường Mầm non Bản Xen" and phase.year_end:
            tallies[noms[-1].id or 0] = (5, 8)
        services.record_vote(session, dossier_id=dossier_id, held_on=held_on, members_total=15,
                             members_present=13, tallies=tallies)
        head = session.exec(select(Person).where(Person.unit_id == school.id, Person.role == "school_head")).one()
        prepared.append((dossier_id, school.name, head.email))
    return prepared


def _stand_in_pdf(label: str) -> bytes:
    """A stand-in for the school's scanned paper (the demo has no scanner)."""
    return b"%PDF-1.4\n% " + label.encode() + b"\n%%EOF\n"


def _emulation_fighter(session: Session, dossier_id: int, name: str, title: str = "CSTDCS") -> list[Nomination]:
    """A CSTĐCS nominee as the rule set wants one: also LĐTT, with an initiative, and the papers attached; a CSTĐ
    of the province also has three years of CSTĐCS in the award history (as imported from before tdkt)."""
    titles = ("LDTT", "CSTDCS") if title == "CSTDCS" else ("LDTT", "CSTDCS", "CSTD_TINH")
    noms = [_nominate(session, dossier_id, name, SubjectKind.individual, code, "Tổ trưởng",
                      initiative="Ứng dụng bản đồ tư duy trong dạy học tiếng Việt cho học sinh dân tộc thiểu số")
            for code in titles]
    if title == "CSTD_TINH":
        session.add_all(AwardRecord(nominee_id=noms[0].nominee_id, title_code="CSTDCS", year=year)
                        for year in (2017, 2018, 2019))
    dossier = session.get(Dossier, dossier_id)
    assert dossier is not None
    head = session.exec(select(Person).where(Person.unit_id == dossier.school_id)).first()
    assert head is not None
    for kind in ("bao_cao_thanh_tich", "sang_kien"):
        papers.attach(session, dossier=dossier, person=head, kind=kind, filename=f"{kind}-{dossier_id}.pdf",
                      content=_stand_in_pdf(f"{kind} {name}"), start_stage=default_route().start)
    return noms


def _email(session: Session, role: str) -> str:
    return session.exec(select(Person).where(Person.role == role).order_by(col(Person.id))).first().email  # type: ignore[union-attr]


def _review_all(console: Console, progress: Progress, clock: Clock, dossiers: list[int], reviewer: str,
                approve_action: str) -> None:
    """Approve every dossier; when the phase quota would be exceeded, keep the collectives only; a title the
    decision's signer may not grant is proposed higher."""
    bar = progress.add_task(f"Xét duyệt ({approve_action})", total=len(dossiers))
    for dossier_id in dossiers:
        try:
            run(review_flow, [Review(dossier_id=dossier_id, actor_email=reviewer, action=approve_action)], clock.tick())
        except Refused as refusal:
            if refusal.code != "checks_failed":
                raise
            console.print(f"[yellow]Hồ sơ số {dossier_id}: {refusal.message}[/]")
            with session_scope() as session:
                active = active_nominations(session, dossier_id=dossier_id)
            higher = {v.nomination_id for v in refusal.violations if v.code == "beyond_authority"}
            named = {v.nomination_id for v in refusal.violations} - higher  # None: the phase quota, not one nominee
            rejected = {n.id for n, p in active if p.kind == SubjectKind.individual and n.id not in higher} \
                if None in named else named
            verdicts: dict[int, Verdict] = {
                n.id or 0: Verdict("forward_higher") if n.id in higher else
                Verdict("reject", "Vượt tỉ lệ, chỉ tiêu của đợt") if n.id in rejected else Verdict("approve")
                for n, _ in active
            }
            if higher:
                console.print(f"Hồ sơ số {dossier_id}: {len(higher)} đề nghị được trình cấp trên khen thưởng.")
            run(review_flow, [Review(dossier_id=dossier_id, actor_email=reviewer, verdicts=verdicts)], clock.tick())
        progress.advance(bar)


def run_demo(console: Console, *, fresh: bool, stop_after_forward: bool = False) -> None:
    """Route phase 1 (Giấy khen) and the year-end phase (the year's titles) of the sample campaign end to end,
    and print a closing summary of each decision.

    With `stop_after_forward`, stop once the blocks have forwarded phase 1: the Phòng's queue is full, which is
    the state to watch the scheduler's reminders and escalations from (see the README).
    """
    if fresh:
        fresh_database(console)
    migrate()
    with session_scope() as session:
        campaign = load_sample(session, name=SAMPLE)
        registered = register_year(session, campaign)
        phases = session.exec(select(Phase).where(Phase.campaign_id == campaign.id).order_by(col(Phase.number))).all()
        first, second, year_end = phases[0], phases[1], next(p for p in phases if p.year_end)
        blocks = session.exec(select(Unit).where(Unit.kind == UnitKind.block).order_by(col(Unit.id))).all()
        leader_emails = {b.id: session.exec(select(Person).where(Person.unit_id == b.leader_school_id)).one().email
                         for b in blocks}
        staff = Staff(_email(session, "phong_reviewer"), _email(session, "noivu_officer"), _email(session, "chairman"),
                      leader_emails, _email(session, "so_reviewer"), _email(session, "so_director"),
                      _email(session, "province_officer"), _email(session, "province_chairman"))
    console.print(f"[bold]{campaign.theme}[/] – năm học {campaign.school_year}; {len(blocks)} khối thi đua.")
    console.print(f"Đăng ký thi đua: {registered} trường đăng ký, các trưởng khối chuyển Phòng GD&ĐT trước "
                  f"{fmt_date(campaign.registration_due or first.starts_on)}.")
    clock = Clock(datetime(2020, 10, 26, 8, tzinfo=get_settings().tz))
    console.print(f"Đồng hồ mô phỏng bắt đầu {fmt_date(clock.now)}; cơ sở dữ liệu {get_settings().database_url}")
    with Progress(console=console) as progress:
        console.print(f"[bold]{first.name}[/]: Giấy khen của Chủ tịch UBND huyện, chỉ tiêu 20 cá nhân.")
        with session_scope() as session:
            prepared = _prepare_dossiers(session, first, clock.now.date(), phase_plan(session))
        _submit_all(console, progress, clock, prepared)
        _forward_all(progress, clock, blocks, leader_emails, first.id or 0)
        if stop_after_forward:
            console.print(f"Dừng sau khi các khối đã chuyển hồ sơ ({fmt_date(clock.now)}): "
                          f"{len(prepared)} hồ sơ chờ Phòng GD&ĐT xét duyệt.")
            return
        decisions = [_review_and_decide(console, progress, clock, first, prepared, staff,
                                        days=(date(2020, 11, 9), date(2020, 11, 12), date(2020, 11, 18)))]
        clock.jump(date(2021, 2, 1))
        console.print(f"[bold]{second.name}[/]: Giấy khen của Chủ tịch UBND huyện.")
        with session_scope() as session:
            prepared = _prepare_dossiers(session, second, clock.now.date(), phase_plan(session, teachers=1))
        _submit_all(console, progress, clock, prepared)
        _forward_all(progress, clock, blocks, leader_emails, second.id or 0)
        decisions.append(_review_and_decide(console, progress, clock, second, prepared, staff,
                                            days=(date(2021, 2, 11), date(2021, 2, 18), date(2021, 2, 24))))
        clock.jump(date(2021, 5, 31))
        console.print(f"[bold]{year_end.name}[/]: các danh hiệu xét tặng hằng năm.")
        with session_scope() as session:
            prepared = _prepare_dossiers(session, year_end, clock.now.date(), year_plan(session))
        _submit_all(console, progress, clock, prepared)
        _forward_all(progress, clock, blocks, leader_emails, year_end.id or 0)
        returned = prepared[3][0]
        clock.jump(date(2021, 6, 2))
        run(review_flow, [Review(dossier_id=returned, actor_email=staff.phong, verdicts=_return_one(returned))],
            clock.tick())
        console.print(f"[yellow]Phòng GD&ĐT trả lại hồ sơ số {returned}: {RETURN_REASON}[/]")
        _resubmit(clock, prepared[3], leader_emails, year_end.id or 0)
        decisions.append(_review_and_decide(console, progress, clock, year_end, prepared, staff,
                                            days=(date(2021, 6, 10), date(2021, 6, 21), date(2021, 7, 1))))
        decisions.append(_the_so_decides(console, clock, year_end, staff))
        decisions.append(_the_province_decides(console, clock, year_end, staff))
    for phase, decision_ids in zip((first, second, year_end, year_end, year_end), decisions, strict=True):
        for decision_id in decision_ids:
            _summary(console, phase, decision_id)
    _closing(console)


@dataclass(frozen=True)
class Staff:
    """Who acts at the offices, by email."""

    phong: str
    noivu: str
    chairman: str
    leaders: dict[Any, str]
    so_reviewer: str = ""
    so_director: str = ""
    province_officer: str = ""
    province_chairman: str = ""


def _the_province_decides(console: Console, clock: Clock, phase: Phase, staff: Staff) -> list[int]:
    """The CSTĐ of the province Nội vụ proposed: the Ban Thi đua appraises it; the list is public 10 working days
    before the province's council votes (a first count below 90 % of its members is refused); the Chủ tịch UBND
    tỉnh decides."""
    with session_scope() as session:
        part = session.exec(select(Dossier).where(Dossier.phase_id == phase.id,
                                                  Dossier.grantor == "province_chairman")).one()
        officer = services.person(session, email=staff.province_officer)
        nomination = session.exec(select(Nomination).where(Nomination.dossier_id == part.id)).one()
    console.print("Ban Thi đua – Khen thưởng tỉnh thẩm định đề nghị Chiến sĩ thi đua cấp tỉnh.")
    clock.jump(date(2021, 7, 5))
    run(review_flow, [Review(dossier_id=part.id or 0, actor_email=staff.province_officer, action="approve")],
        clock.tick())
    clock.jump(date(2021, 7, 20))  # the list public from 05/07: 10 working days
    for votes in ((8, 2), (10, 0)):
        with session_scope() as session:
            services.record_council_vote(session, dossier_id=part.id or 0, held_on=clock.now.date(), members_total=10,
                                         members_present=10, tallies={nomination.id or 0: votes})
        try:
            with session_scope() as session:
                services.act(session, dossier_id=part.id or 0, actor=officer, action="approve", now=clock.tick())
            break
        except Refused as refusal:
            console.print(f"[yellow]Hội đồng Thi đua – Khen thưởng tỉnh: {refusal.message}[/]")
    clock.jump(date(2021, 7, 23))
    decision = run(decision_flow, phase.id or 0, staff.province_chairman, clock.now.date(), None, clock.tick())
    return [int(d["id"]) for d in decision["decisions"]]


def _the_so_decides(console: Console, clock: Clock, phase: Phase, staff: Staff) -> list[int]:
    """The Giám đốc Sở's Giấy khen, proposed by the Phòng: the Sở reviews the schools' parts, its Giám đốc signs."""
    with session_scope() as session:
        parts = session.exec(select(Dossier.id).where(Dossier.phase_id == phase.id,
                                                      Dossier.grantor == "so_director")).all()
    console.print(f"Sở GD&ĐT xét {len(parts)} đề nghị Giấy khen của Giám đốc Sở do Phòng GD&ĐT trình.")
    clock.jump(date(2021, 7, 5))
    for dossier_id in parts:
        run(review_flow, [Review(dossier_id=dossier_id or 0, actor_email=staff.so_reviewer, action="approve")],
            clock.tick())
    clock.jump(date(2021, 7, 8))
    decision = run(decision_flow, phase.id or 0, staff.so_director, clock.now.date(), None, clock.tick())
    return [int(d["id"]) for d in decision["decisions"]]


def _review_and_decide(console: Console, progress: Progress, clock: Clock, phase: Phase,
                       prepared: list[tuple[int, str, str]], staff: Staff, days: tuple[date, date, date]) -> list[int]:
    """The Phòng reviews every dossier of the phase, Nội vụ verifies them, the chairman signs the decision."""
    dossier_ids = [d for d, _, _ in prepared]
    review_on, verify_on, decide_on = days
    clock.jump(review_on)
    _review_all(console, progress, clock, dossier_ids, staff.phong, "approve")
    clock.jump(verify_on)
    _review_all(console, progress, clock, dossier_ids, staff.noivu, "verify")
    clock.jump(decide_on)
    decision = run(decision_flow, phase.id or 0, staff.chairman, clock.now.date(), None, clock.tick())
    return [int(d["id"]) for d in decision["decisions"]]


def _submit_all(console: Console, progress: Progress, clock: Clock, prepared: list[tuple[int, str, str]]) -> None:
    bar = progress.add_task("Trường gửi hồ sơ", total=len(prepared))
    for dossier_id, school, head in prepared:
        try:
            run(submission_flow, [Submission(dossier_id=dossier_id, actor_email=head)], clock.tick())
        except Refused as refusal:
            console.print(f"[yellow]{school} chưa gửi được: {refusal.message}[/]")
            with session_scope() as session:
                below = [v.nomination_id for v in refusal.violations if v.nomination_id]
                for nomination_id in below:
                    services.withdraw_nomination(session, nomination_id=nomination_id)
            console.print(f"{school} rút {len(below)} đề nghị chưa đạt số phiếu và gửi lại.")
            run(submission_flow, [Submission(dossier_id=dossier_id, actor_email=head)], clock.tick())
        progress.advance(bar)


def _forward_all(progress: Progress, clock: Clock, blocks: Sequence[Unit], leaders: dict[Any, str],
                 phase_id: int) -> None:
    bar = progress.add_task("Trưởng khối tổng hợp, chuyển Phòng GD&ĐT", total=len(blocks))
    for block in blocks:
        run(aggregation_flow, block.id or 0, phase_id, leaders[block.id], clock.tick(30))
        progress.advance(bar)


def _return_one(dossier_id: int) -> dict[int, Verdict]:
    """The reviewer returns the dossier's first individual and approves the rest."""
    with session_scope() as session:
        active = active_nominations(session, dossier_id=dossier_id)
    first = next(n.id for n, p in active if p.kind == SubjectKind.individual)
    return {n.id or 0: Verdict("return_for_revision", RETURN_REASON) if n.id == first else Verdict("approve")
            for n, _ in active}


def _resubmit(clock: Clock, prepared: tuple[int, str, str], leaders: dict[Any, str], phase_id: int) -> None:
    """The school completes the achievement report, submits again, and its block leader forwards it."""
    dossier_id, _, head = prepared
    with session_scope() as session:
        for nomination, _ in active_nominations(session, dossier_id=dossier_id):
            nomination.achievements += " (Đã bổ sung báo cáo thành tích có xác nhận.)"
            session.add(nomination)
        school = session.get(Unit, session.get(Dossier, dossier_id).school_id)  # type: ignore[union-attr]
    run(submission_flow, [Submission(dossier_id=dossier_id, actor_email=head)], clock.tick(60))
    run(aggregation_flow, school.block_id or 0, phase_id, leaders[school.block_id], clock.tick(60))  # type: ignore[union-attr]


def _summary(console: Console, phase: Phase, decision_id: int) -> None:
    with session_scope() as session:
        decision = session.get(Decision, decision_id)
        entries = decision_entries(session, decision_id=decision_id)
        individuals = session.exec(select(func.count()).select_from(Nomination)
                                   .join(Nominee, col(Nominee.id) == Nomination.nominee_id)
                                   .where(Nominee.kind == SubjectKind.individual, col(Nomination.id).in_(
                                       [e.nomination_id for e in entries]))).one()
    assert decision is not None
    table = Table(title=f"{phase.name}: Quyết định số {decision.number} ngày {fmt_date(decision.signed_on)} – phụ lục "
                        "(10 dòng đầu)")
    for column in ("TT", "Họ và tên / Tập thể", "Đơn vị", "Danh hiệu"):
        table.add_column(column)
    for i, entry in enumerate(entries[:10], 1):
        table.add_row(str(i), entry.nominee_name, entry.unit_name, entry.title_name)
    console.print(table)
    titles = ", ".join(f"{name}: {count}" for name, count in Counter(e.title_name for e in entries).items())
    console.print(f"{phase.name}: {len(entries)} tập thể, cá nhân được khen thưởng ({individuals} cá nhân); {titles}.")


def _closing(console: Console) -> None:
    with session_scope() as session:
        events = session.exec(select(func.count()).select_from(AuditEvent)).one()
        sent = session.exec(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status == OutboxStatus.sent)).one()
        decisions = session.exec(select(func.count()).select_from(Decision)).one()
    where = "hộp thư demo var/mailbox/" if not get_settings().smtp_host else get_settings().smtp_host
    console.print(
        f"[bold green]Hoàn tất.[/] {decisions} quyết định (của Chủ tịch UBND huyện, của Giám đốc Sở GD&ĐT và của "
        f"Chủ tịch UBND tỉnh); "
        f"{events} sự kiện trong nhật ký; "
        f"{sent} thư đã gửi ({where}).\n"
        "Xem tình trạng: [bold].venv/bin/tdkt status[/]; lịch sử một hồ sơ: [bold].venv/bin/tdkt history --dossier 4[/]"
    )
