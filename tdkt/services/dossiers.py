"""The service layer: everything a user can do, shared by the CLI, the web pages and the Prefect tasks.

Functions are keyword-only and session-first; they never commit (the caller's unit of work does), so a
batch such as a block's forward or a phase's decision is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete
from sqlmodel import Session, col, func, select

from config.route import Route, default_route
from config.rules import RuleSet, campaign_rules
from config.vocabulary import SubjectKind, UnitKind
from models import tally
from models.audit import history_with_actors
from models.campaign import Campaign, Phase, StageDeadline, deadline_for, phase_rules, quotas_for
from models.db import utcnow
from models.decision import Decision
from models.delegation import Delegation
from models.dossier import Consolidation, Dossier, get_or_create_dossier
from models.nomination import Nomination, NominationStatus, Nominee, active_nominations, active_nominee_names
from models.paper import papers_of
from models.registration import forwarded_entries
from models.unit import Person, Surroundings, Unit, block_members, district_schools, get_person_by_email
from models.vote import (
    MINUTES_LABELS,
    CouncilBallot,
    CouncilVote,
    Minutes,
    council_vote_for,
    save_tallies,
    tallies_for,
)
from tdkt.common.errors import Refused
from tdkt.common.text import entered, fold
from tdkt.common.timefmt import days_left, end_of_day, fmt_date, fmt_datetime, local
from tdkt.services import people
from tdkt.services.decisions import decide
from tdkt.workflow import members
from tdkt.workflow.award_rules import registration_asked
from tdkt.workflow.checks import filled, misplaced
from tdkt.workflow.clocks import describe
from tdkt.workflow.eligibility import for_dossier
from tdkt.workflow.engine import Batch, TransitionResult, Verdict, apply, apply_all
from tdkt.workflow.snapshot import changes_since_return

MAX_COUNCIL = 500  # members of a council: above any school's, below what a typo could put in a column
NEAR_PHASE = timedelta(days=5 * 366)  # a meeting or a deadline falls within a few years of its phase


def _within_phase(session: Session, *, phase_id: int, day: date, what: str) -> None:
    """Refuse a date that cannot belong to the phase (a year typed 2099 or 2000)."""
    phase = session.get(Phase, phase_id)
    if phase is None:
        raise Refused("not_found", f"Không tìm thấy đợt thi đua số {phase_id}.")
    earliest, latest = phase.starts_on - NEAR_PHASE, phase.ends_on + NEAR_PHASE
    if not earliest <= day <= latest:
        raise Refused("bad_date", f"{what} {fmt_date(day)} không thuộc {phase.name}: phải từ {fmt_date(earliest)} "
                                  f"đến {fmt_date(latest)}.")


def person(session: Session, *, email: str) -> Person:
    found = get_person_by_email(session, email=email)
    if found is None or not found.active:
        raise Refused("unknown_person", f"Không có người dùng nào với email {email}.")
    return found


def _editable_dossier(session: Session, *, dossier_id: int, route: Route) -> Dossier:
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    if dossier.stage != route.start:
        raise Refused(
            "not_editable",
            f"Hồ sơ đang ở bước '{route.stages[dossier.stage].label}': chỉ sửa được khi hồ sơ còn ở trường.",
        )
    return dossier


def open_dossier(session: Session, *, phase_id: int, school_id: int, route: Route | None = None) -> Dossier:
    """The school's dossier for a phase, created at the route's start stage when missing."""
    route = route or default_route()
    school = session.get(Unit, school_id)
    if school is None or school.kind != UnitKind.school:
        raise Refused("not_school", "Chỉ trường học mới lập hồ sơ đề nghị khen thưởng.")
    return get_or_create_dossier(session, phase_id=phase_id, school_id=school_id, stage=route.start)


def add_nomination(
    session: Session, *, dossier_id: int, full_name: str, kind: SubjectKind, title_code: str,
    position: str | None = None, achievements: str = "", initiative: str | None = None,
    figures: Mapping[str, int] | None = None, route: Route | None = None, birth_date: date | None = None,
    identity_code: str | None = None, recruited_on: date | None = None, disciplined: bool = False,
    profile: people.Profile | None = None,
) -> Nomination:
    """Propose an individual or collective of the school for a title (the title must exist in the rule set and
    be proposed in this phase: a yearly title in the year-end phase); a collective may carry the figures of its
    members that the rule set asks for (tdkt/members.py). The nominee is found by identity (services.people)."""
    route = route or default_route()
    dossier = _editable_dossier(session, dossier_id=dossier_id, route=route)
    rules = phase_rules(session, phase_id=dossier.phase_id)
    title = rules.titles.get(title_code)
    if title is None:
        known = ", ".join(f"{code} ({t.name})" for code, t in rules.titles.items() if t.proposed)
        raise Refused("unknown_title", f"Danh hiệu '{title_code}' không có trong bộ quy tắc. Có thể chọn: {known}.")
    phase = session.get(Phase, dossier.phase_id)
    if phase is not None and (why := misplaced(rules, title_code, kind, phase)):
        raise Refused("misplaced_title", why)
    name = entered("Họ và tên (hoặc tên tập thể)", full_name, max_length=200, required=True)
    position = entered("Chức vụ", position, max_length=120) or None
    achievements = entered("Thành tích", achievements, max_length=4000, multiline=True)
    initiative = entered("Sáng kiến", initiative, max_length=500) or None
    figures = members.checked(rules, figures, collective=kind == SubjectKind.collective, name=name)
    who = people.Identity(name, kind, birth_date, people.identity_code(identity_code))
    earlier = people.find(session, school_id=dossier.school_id, who=who)
    nomination = _proposed_again(session, dossier_id=dossier_id, nominee=earlier, title_code=title_code,
                                 title_name=title.name) if earlier is not None else None
    nominee = people.person_for(session, school_id=dossier.school_id, who=who, position=position,
                                recruited_on=recruited_on, profile=profile or people.Profile())
    if nomination is None:
        nomination = Nomination(dossier_id=dossier_id, nominee_id=nominee.id or 0, title_code=title_code)
    nomination.achievements, nomination.initiative = achievements, initiative
    nomination.member_figures, nomination.disciplined = figures, disciplined
    session.add(nomination)
    session.flush()
    return nomination


def edit_nomination(session: Session, *, nomination_id: int, position: str | None, achievements: str,
                    initiative: str | None, disciplined: bool, route: Route | None = None) -> Nomination:
    """Correct a nomination while its dossier is at the school: the nominee's position, the achievements, the
    initiative, the discipline mark. Its name and title stay (another person or title: withdraw, add anew)."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.withdrawn:
        raise Refused("not_found", f"Không tìm thấy đề nghị số {nomination_id}.")
    _editable_dossier(session, dossier_id=nomination.dossier_id, route=route or default_route())
    nominee = session.get(Nominee, nomination.nominee_id)
    assert nominee is not None
    nominee.position = entered("Chức vụ", position, max_length=120) or None
    nomination.achievements = entered("Thành tích", achievements, max_length=4000, multiline=True)
    nomination.initiative = entered("Sáng kiến", initiative, max_length=500) or None
    nomination.disciplined = disciplined
    session.add_all([nominee, nomination])
    session.flush()
    return nomination


def _proposed_again(session: Session, *, dossier_id: int, nominee: Nominee, title_code: str,
                    title_name: str) -> Nomination | None:
    """The dossier's earlier nomination of this nominee for this title, when the school withdrew it (it comes
    back, with its vote tally); Refused when it is still there, or was rejected by a reviewer."""
    earlier = session.exec(select(Nomination).where(
        Nomination.dossier_id == dossier_id, Nomination.nominee_id == nominee.id, Nomination.title_code == title_code
    )).first()
    if earlier is None:
        return None
    if earlier.status == NominationStatus.rejected:
        raise Refused("rejected_before", f"{nominee.full_name}: đề nghị {title_name} trong hồ sơ này đã không được "
                                         "cấp trên đồng ý; không đề nghị lại trong cùng hồ sơ.")
    if not earlier.withdrawn:
        raise Refused("duplicate", f"{nominee.full_name} đã có trong hồ sơ với danh hiệu {title_name}.")
    earlier.withdrawn = False
    return earlier


def set_member_figures(session: Session, *, nomination_id: int, figures: Mapping[str, int] | None,
                       route: Route | None = None) -> Nomination:
    """Replace a collective's figures of its members (None: clear them), while its dossier is at the school."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None or nomination.withdrawn:
        raise Refused("not_found", f"Không tìm thấy đề nghị số {nomination_id}.")
    dossier = _editable_dossier(session, dossier_id=nomination.dossier_id, route=route or default_route())
    nominee = session.get(Nominee, nomination.nominee_id)
    assert nominee is not None
    nomination.member_figures = members.checked(phase_rules(session, phase_id=dossier.phase_id), figures,
                                                collective=nominee.kind == SubjectKind.collective,
                                                name=nominee.full_name)
    session.add(nomination)
    session.flush()
    return nomination


def record_vote(
    session: Session, *, dossier_id: int, held_on: date, members_total: int, members_present: int,
    tallies: dict[int, tuple[int, int]], secret_ballot: bool = True, route: Route | None = None,
    minutes: Minutes | None = None,
) -> CouncilVote:
    """Record the council meeting (with what its biên bản says of it: time, place, chair, secretary, absent
    members, counting committee) and the for/against count per nomination (replacing an earlier record)."""
    route = route or default_route()
    dossier = _editable_dossier(session, dossier_id=dossier_id, route=route)
    vote = _meeting(session, dossier=dossier, held_on=held_on, members_total=members_total,
                    members_present=members_present, tallies=tallies, secret_ballot=secret_ballot)
    for name, label in MINUTES_LABELS.items():
        setattr(vote, name, entered(label, getattr(minutes or Minutes(), name), max_length=500))
    vote.starts_at = minutes.starts_at if minutes else None
    save_tallies(session, tallies)
    session.flush()
    return vote


def record_council_vote(
    session: Session, *, dossier_id: int, held_on: date, members_total: int, members_present: int,
    tallies: dict[int, tuple[int, int]], secret_ballot: bool = True, route: Route | None = None,
) -> CouncilVote:
    """Record the grantor's council's meeting on a dossier's part waiting at a council stage (the province's Hội
    đồng Thi đua – Khen thưởng) and its count per nomination, beside the school's (replacing an earlier record)."""
    route = route or default_route()
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    stage = route.stages.get(dossier.stage)
    if stage is None or not stage.council:
        where = stage.label if stage else dossier.stage
        raise Refused("not_council_stage", f"Hồ sơ đang ở bước '{where}': kết quả bỏ phiếu của Hội đồng cấp trên chỉ "
                                           "ghi khi hồ sơ chờ Hội đồng xét.")
    vote = _meeting(session, dossier=dossier, held_on=held_on, members_total=members_total,
                    members_present=members_present, tallies=tallies, secret_ballot=secret_ballot)
    session.execute(delete(CouncilBallot).where(col(CouncilBallot.council_vote_id) == vote.id))
    session.add_all(CouncilBallot(council_vote_id=vote.id or 0, nomination_id=n, votes_for=f, votes_against=a)
                    for n, (f, a) in sorted(tallies.items()))
    session.flush()
    return vote


def _meeting(session: Session, *, dossier: Dossier, held_on: date, members_total: int, members_present: int,
             tallies: dict[int, tuple[int, int]], secret_ballot: bool) -> CouncilVote:
    """The dossier's council meeting, checked and written (its counts per nomination are the caller's)."""
    if not 0 < members_total <= MAX_COUNCIL:
        raise Refused("bad_count", f"Số thành viên Hội đồng ({members_total}) phải từ 1 đến {MAX_COUNCIL}.")
    _within_phase(session, phase_id=dossier.phase_id, day=held_on, what="Ngày họp")
    if not 0 < members_present <= members_total:
        raise Refused("bad_count", f"Số thành viên có mặt ({members_present}) phải từ 1 đến {members_total}.")
    names = active_nominee_names(session, dossier_id=dossier.id or 0)
    for nomination_id, (votes_for, against) in tallies.items():
        if nomination_id not in names:
            raise Refused("unknown_nomination", f"Đề nghị số {nomination_id} không thuộc hồ sơ này.")
        if votes_for < 0 or against < 0 or votes_for + against > members_present:
            raise Refused(
                "bad_tally",
                f"{names[nomination_id]}: {votes_for} đồng ý + {against} không đồng ý vượt quá "
                f"{members_present} thành viên có mặt.",
            )
    vote = council_vote_for(session, dossier_id=dossier.id or 0) or CouncilVote(
        dossier_id=dossier.id or 0, held_on=held_on, members_total=members_total, members_present=members_present
    )
    vote.held_on, vote.members_total, vote.members_present = held_on, members_total, members_present
    vote.secret_ballot = secret_ballot
    session.add(vote)
    session.flush()
    return vote


def withdraw_nomination(session: Session, *, nomination_id: int, route: Route | None = None) -> None:
    """The school takes a nominee off its dossier (e.g. one who missed the vote threshold)."""
    nomination = session.get(Nomination, nomination_id)
    if nomination is None:
        raise Refused("not_found", f"Không tìm thấy đề nghị số {nomination_id}.")
    _editable_dossier(session, dossier_id=nomination.dossier_id, route=route or default_route())
    nomination.withdrawn = True
    session.add(nomination)
    session.flush()


def submit(session: Session, *, dossier_id: int, actor: Person, now: datetime | None = None,
           route: Route | None = None, batch: Batch | None = None) -> TransitionResult:
    """The school sends its dossier along the route."""
    route = route or default_route()
    _, action = route.submission()
    return apply(session, dossier_id=dossier_id, actor=actor, action=action, now=now, route=route, batch=batch)


def act(session: Session, *, dossier_id: int, actor: Person, action: str | None = None,
        verdicts: dict[int, Verdict] | None = None, reason: str | None = None, now: datetime | None = None,
        route: Route | None = None, expected_stage: str | None = None) -> TransitionResult:
    """A reviewer acts on a whole dossier, or gives a verdict per nomination."""
    return apply(session, dossier_id=dossier_id, actor=actor, action=action, verdicts=verdicts, reason=reason,
                 now=now, route=route, expected_stage=expected_stage)


@dataclass
class Performed:
    """What one use of an action did: its transitions, and the decision when it was the phase's."""

    results: list[TransitionResult]
    decisions: list[Decision] = field(default_factory=list)


def perform(session: Session, *, dossier_id: int, actor: Person, action: str | None = None,
            verdicts: dict[int, Verdict] | None = None, reason: str | None = None, now: datetime | None = None,
            route: Route | None = None, expected_stage: str | None = None, signed_on: date | None = None,
            number: str | None = None, batch: Batch | None = None) -> Performed:
    """Any action of the route, whoever asks and from wherever (a page, the command line, a flow's task): on the
    dossier, or at the scope the route gives the action — every dossier of its block waiting at the block's
    step, or the phase's decision (signed today unless `signed_on`). In a `batch`, a dossier's own action leaves
    its audit event for the batch to chain; a block's or a phase's action chains its own."""
    route = route or default_route()
    if action is None or verdicts is not None:  # the dossier's own step, which `apply` reads with its lock
        return Performed([apply(session, dossier_id=dossier_id, actor=actor, action=action, verdicts=verdicts,
                                reason=reason, now=now, route=route, expected_stage=expected_stage, batch=batch)])
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    scope = route.scope(dossier.stage, action)
    if scope != "dossier" and expected_stage is not None and dossier.stage != expected_stage:  # apply checks its own
        label = route.stages[dossier.stage].label if dossier.stage in route.stages else dossier.stage
        raise Refused("moved_on", f"Hồ sơ vừa được xử lý và đã chuyển sang bước '{label}'.")
    if scope == "block":
        school = session.get(Unit, dossier.school_id)
        return Performed(forward_block(session, block_id=school.block_id or 0 if school else 0,
                                       phase_id=dossier.phase_id, actor=actor, now=now, route=route))
    if scope == "phase":
        signed_on = signed_on or local(now or utcnow()).date()
        return Performed([], decisions=decide(session, phase_id=dossier.phase_id, actor=actor, signed_on=signed_on,
                                              number=number, now=now, route=route))
    return Performed([apply(session, dossier_id=dossier_id, actor=actor, action=action, verdicts=verdicts,
                            reason=reason, now=now, route=route, expected_stage=expected_stage, batch=batch)])


def forward_block(session: Session, *, block_id: int, phase_id: int, actor: Person, now: datetime | None = None,
                  route: Route | None = None) -> list[TransitionResult]:
    """The block leader forwards every member dossier waiting at the block as one consolidated list."""
    route = route or default_route()
    step = route.block_step()
    if step is None:
        raise Refused("no_block_step", "Tuyến xét duyệt này không có bước tổng hợp tại khối.")
    stage, action = step
    members = [m.id for m in block_members(session, block_id=block_id)]
    dossiers = session.exec(select(Dossier).where(
        Dossier.phase_id == phase_id, Dossier.stage == stage, col(Dossier.school_id).in_(members)
    ).order_by(col(Dossier.id))).all()
    if not dossiers:
        raise Refused("nothing_to_forward", "Khối chưa có hồ sơ nào chờ tổng hợp.")
    consolidation = session.exec(select(Consolidation).where(
        Consolidation.phase_id == phase_id, Consolidation.block_id == block_id
    )).first() or Consolidation(phase_id=phase_id, block_id=block_id)
    consolidation.forwarded_by, consolidation.forwarded_at = actor.id, now or utcnow()
    session.add(consolidation)
    session.flush()  # its id, for the dossiers it consolidates
    results = apply_all(session, dossiers, actor=actor, action=action, now=now, route=route)
    for dossier in dossiers:
        dossier.consolidation_id = consolidation.id
    session.flush()
    return results


@dataclass
class StatusRow:
    dossier_id: int
    school: str
    block: str
    stage: str
    status: str
    round: int
    nominations: int
    approved: int
    forwarded: int  # proposed to a higher level (not for this decision)
    late: bool
    overdue: bool
    due: datetime | None = None  # the deadline of the stage the dossier is at (the school's, before it has one)


def status_rows(session: Session, *, phase_id: int, route: Route | None = None,
                now: datetime | None = None) -> list[StatusRow]:
    """Where every school's dossier of a phase stands (schools with no dossier yet included); the counts include
    the parts proposed to higher grantors."""
    route = route or default_route()
    phase = session.get(Phase, phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    if campaign is None:
        raise Refused("not_found", f"Không tìm thấy đợt thi đua số {phase_id}.")
    schools = district_schools(session, issuer_unit_id=campaign.issuer_unit_id)
    blocks = {u.id: u.name for u in session.exec(select(Unit).where(Unit.kind == UnitKind.block)).all()}
    dossiers = {d.school_id: d for d in session.exec(select(Dossier).where(Dossier.phase_id == phase_id,
                                                                          Dossier.grantor == "")).all()}
    now = now or utcnow()
    deadlines = {d.key: d.due_at for d in session.exec(select(StageDeadline).where(StageDeadline.phase_id == phase_id))}

    def due(stage_name: str) -> datetime | None:
        stage = route.stages[stage_name]
        return deadlines.get(stage.deadline.key) if stage.deadline is not None else None

    def overdue(stage_name: str) -> bool:
        return (deadline := due(stage_name)) is not None and now > deadline

    approved = col(Nomination.status).in_([NominationStatus.approved, NominationStatus.granted])
    forwarded = col(Nomination.status) == NominationStatus.forwarded
    counts = {school_id: (total, granted or 0, higher or 0) for school_id, total, granted, higher in session.exec(
        select(Dossier.school_id, func.count(), func.sum(case((approved, 1), else_=0)),
               func.sum(case((forwarded, 1), else_=0)))
        .join(Dossier, col(Dossier.id) == Nomination.dossier_id)
        .where(Dossier.phase_id == phase_id, Nomination.withdrawn == False)  # noqa: E712
        .group_by(col(Dossier.school_id))
    ).all()}
    rows = []
    for school in schools:
        dossier = dossiers.get(school.id or 0)
        total, granted, higher = counts.get(school.id or 0, (0, 0, 0)) if dossier else (0, 0, 0)
        rows.append(StatusRow(
            dossier_id=dossier.id or 0 if dossier else 0, school=school.name,
            block=blocks.get(school.block_id, "") if school.block_id else "",
            stage=route.stages[dossier.stage].label if dossier else "Chưa lập hồ sơ",
            status=dossier.status if dossier else "", round=dossier.round if dossier else 0,
            nominations=total, approved=int(granted), forwarded=int(higher),
            late=dossier.late if dossier else False,
            overdue=overdue(dossier.stage if dossier else route.start),
            due=due(dossier.stage if dossier else route.start),
        ))
    return rows


SORTS: dict[str, Callable[[StatusRow], Any]] = {
    "school": lambda r: fold(r.school), "block": lambda r: (fold(r.block), fold(r.school)),
    "stage": lambda r: (r.stage, fold(r.school)),
    "due": lambda r: (r.due is None, r.due or datetime.min.replace(tzinfo=UTC), fold(r.school)),
    "nominations": lambda r: (-r.nominations, fold(r.school)),
}


def filter_rows(rows: Sequence[StatusRow], *, stage: str = "", block: str = "", overdue: bool = False,
                search: str = "", sort: str = "school") -> list[StatusRow]:
    """The dashboard's rows at a stage, of a block, overdue only, whose school's name contains `search` (with or
    without diacritics), sorted by school, block, stage, deadline (soonest first) or most nominations."""
    wanted = fold(search.strip())
    found = [r for r in rows if (not stage or r.stage == stage) and (not block or r.block == block)
             and (not overdue or r.overdue) and (not wanted or wanted in fold(r.school))]
    return sorted(found, key=SORTS.get(sort, SORTS["school"]))


def title_overview(session: Session, *, phase_id: int) -> list[tuple[str, int, int]]:
    """(title, nominations proposed in the phase, of them approved or granted), by title name."""
    phase = session.get(Phase, phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    titles = campaign_rules(campaign).titles if campaign else {}
    approved = col(Nomination.status).in_([NominationStatus.approved, NominationStatus.granted])
    rows = session.exec(select(Nomination.title_code, func.count(), func.sum(case((approved, 1), else_=0)))
                        .join(Dossier, col(Dossier.id) == Nomination.dossier_id)
                        .where(Dossier.phase_id == phase_id, Nomination.withdrawn == False)  # noqa: E712
                        .group_by(col(Nomination.title_code))).all()
    return sorted((titles[code].name if code in titles else code, total, int(done or 0)) for code, total, done in rows)


def overview(rows: Sequence[StatusRow]) -> list[tuple[str, int, int]]:
    """(stage, schools there, of them overdue), in the order the stages first appear down the rows."""
    counts: dict[str, list[int]] = {}
    for row in rows:
        tally = counts.setdefault(row.stage, [0, 0])
        tally[0] += 1
        tally[1] += int(row.overdue)
    return [(stage, n, late) for stage, (n, late) in counts.items()]


def quota_usage(session: Session, *, phase_id: int) -> list[tuple[str, int, int]]:
    """(what, approved so far, at most) for each quota of the phase, counted as the quota check counts them."""
    quotas = quotas_for(session, phase_id=phase_id)
    if not quotas:
        return []
    rules, phase_counts = phase_rules(session, phase_id=phase_id), tally.counts(session, phase_id=phase_id)
    return [(("Cá nhân" if quota.subject == SubjectKind.individual else "Tập thể")
             + (f" ({rules.titles[quota.title_code].name if quota.title_code in rules.titles else quota.title_code})"
                if quota.title_code else ""), filled(quota, phase_counts, rules),
             quota.max_count) for quota in quotas]


def set_deadline(session: Session, *, phase_id: int, key: str, due_on: date, route: Route | None = None) -> None:
    """Move a stage deadline of a phase (end of that day, local time); reminders follow at the next sweep."""
    route = route or default_route()
    keys = {s.deadline.key for s in route.stages.values() if s.deadline}
    if key not in keys:
        raise Refused("unknown_deadline", f"Không có hạn '{key}'. Các hạn: {', '.join(sorted(keys))}.")
    _within_phase(session, phase_id=phase_id, day=due_on, what="Hạn mới")
    row = session.exec(select(StageDeadline).where(StageDeadline.phase_id == phase_id, StageDeadline.key == key)
                       ).first() or StageDeadline(phase_id=phase_id, key=key, due_at=end_of_day(due_on))
    row.due_at = end_of_day(due_on)
    session.add(row)
    session.flush()


def delegate(session: Session, *, person: Person, substitute: Person, starts_on: date, ends_on: date) -> Delegation:
    """`person` is away from `starts_on` to `ends_on`: `substitute` receives their links and acts for them."""
    if substitute.id == person.id:
        raise Refused("self_delegation", "Không thể ủy quyền cho chính mình.")
    if ends_on < starts_on:
        raise Refused("bad_dates", "Ngày kết thúc ủy quyền phải sau ngày bắt đầu.")
    if substitute.unit_id != person.unit_id:
        raise Refused("other_unit", f"{substitute.full_name} không cùng đơn vị với {person.full_name}.")
    delegation = Delegation(person_id=person.id or 0, substitute_id=substitute.id or 0, starts_on=starts_on,
                            ends_on=ends_on)
    session.add(delegation)
    session.flush()
    return delegation


def set_digest(session: Session, *, person: Person, enabled: bool) -> None:
    """Choose one daily email of waiting dossiers instead of one email per dossier."""
    person.digest = enabled
    session.add(person)
    session.flush()


def history(session: Session, *, dossier_id: int, route: Route | None = None) -> list[dict[str, Any]]:
    """The dossier's audit trail as people read it: when, who (and for whom, under a delegation), what, why."""
    route = route or default_route()
    if session.get(Dossier, dossier_id) is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    events = history_with_actors(session, dossier_id=dossier_id)
    principals = {e.detail["on_behalf_of"] for e, _ in events if e.detail.get("on_behalf_of")}
    names = {p.id: p.full_name for p in session.exec(select(Person).where(col(Person.id).in_(principals)))
             } if principals else {}
    return [{"at": e.at, "actor": actor + (f" (thay {names[e.detail['on_behalf_of']]})"
                                           if e.detail.get("on_behalf_of") in names else ""),
             "action": _action_label(route, e.from_stage, e.action), "action_code": e.action,
             "from": route.stages[e.from_stage].label, "to": route.stages[e.to_stage].label, "reason": e.reason}
            for e, actor in events]


def _action_label(route: Route, stage: str, action: str) -> str:
    """An action as the route words it ("Gửi hồ sơ lên khối thi đua"), not its code."""
    found = route.stages[stage].actions.get(action) if stage in route.stages else None
    return found.label if found is not None else action


def dossier_view(session: Session, *, dossier_id: int, route: Route | None = None) -> dict[str, Any]:
    """Everything a reviewer sees of a dossier: nominees, requested titles, votes, history."""
    route = route or default_route()
    dossier = session.get(Dossier, dossier_id)
    if dossier is None:
        raise Refused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    school, phase = session.get(Unit, dossier.school_id), session.get(Phase, dossier.phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    assert school is not None and phase is not None and campaign is not None
    rules = campaign_rules(campaign)
    titles = rules.titles
    active = active_nominations(session, dossier_id=dossier_id)
    tallies = tallies_for(session, nomination_ids=[n.id or 0 for n, _ in active])
    return {
        "dossier": dossier, "school": school.name, "phase": phase.name, "campaign": campaign.theme,
        "campaign_number": campaign.number, "stage": route.stages[dossier.stage],
        "title_choices": [(code, t.name, t.subject.value) for code, t in titles.items()
                          if not misplaced(rules, code, t.subject, phase)],  # what this phase proposes
        "figure_fields": [(key, members.label(rules, key)) for key in members.asked(rules)],
        "decides": any(a.scope == "phase" for a in route.stages[dossier.stage].actions.values()),
        "vote": council_vote_for(session, dossier_id=dossier_id),
        "clock": describe(clock, dossier) if (clock := route.stages[dossier.stage].clock) else "",
        "papers": papers_of(session, dossier_id=dossier_id),
        "nominations": [
            {"id": n.id, "name": p.full_name, "kind": "Cá nhân" if p.kind == SubjectKind.individual else "Tập thể",
             "position": p.position or "",
             "title": titles[n.title_code].name if n.title_code in titles else n.title_code,
             "achievements": n.achievements, "initiative": n.initiative, "status": n.status,
             "disciplined": n.disciplined,
             "collective": p.kind == SubjectKind.collective, "figures": n.member_figures or {},
             "figures_text": members.describe(rules, n.member_figures),
             "votes": (tallies[n.id].votes_for, tallies[n.id].votes_against) if n.id in tallies else None}
            for n, p in active
        ],
        "standing": for_dossier(session, dossier_id=dossier_id, active=active,
                                deciders=route.deciders_after(dossier.stage)),
        "changes": changes_since_return(session, dossier_id=dossier_id, start_stage=route.start)
        if dossier.round > 1 and dossier.stage != route.start else [],
        "history": history(session, dossier_id=dossier_id, route=route),
        "registered": registered(session, rules=rules, campaign=campaign, school_id=school.id or 0)
        if dossier.stage == route.start else None,  # the school's to see while it prepares
        "path": route_steps(route, dossier),
        "due": stage_due(session, route, dossier),
    }


def registered(session: Session, *, rules: RuleSet, campaign: Campaign, school_id: int) -> list[str] | None:
    """What the school registered for the year, as its block leader forwarded it ("name – title"), beside its
    nominees; None where the rule set asks no registration."""
    if not registration_asked(rules, campaign):
        return None
    return [f"{e.full_name} – {rules.titles[e.title_code].name if e.title_code in rules.titles else e.title_code}"
            for e in forwarded_entries(session, campaign_id=campaign.id or 0, school_id=school_id)]


def may_see(session: Session, *, person: Person, dossier: Dossier) -> bool:
    """Whether a signed-in person may read a dossier and download its papers: the school's own people, its block
    leader school's, and the offices above it (each ancestor of the school and the offices beside them)."""
    school = session.get(Unit, dossier.school_id)
    if school is None:
        return False
    around = Surroundings.of(session, school)
    leader = around.resolve("block_leader")
    seeing = {school.id, leader.id if leader else None} | {u.id for u in around.units.values() if u.kind.is_office}
    return person.unit_id in seeing


def route_steps(route: Route, dossier: Dossier) -> list[tuple[str, str]]:
    """The dossier's way to its decision as (label, "done" | "current" | "next"), for a step indicator; a dossier
    off the way (returned, rejected, proposed higher) shows where it stands as current."""
    path = route.path(dossier.grantor)
    here = path.index(dossier.stage) if dossier.stage in path else -1
    steps = [(route.stages[name].label, "done" if i < here else "current" if i == here else "next")
             for i, name in enumerate(path)]
    return steps if here >= 0 else [*steps, (route.stages[dossier.stage].label, "current")]


def stage_due(session: Session, route: Route, dossier: Dossier, today: date | None = None) -> str:
    """The current stage's deadline in words, with the days left or past ("" when the stage has none)."""
    stage = route.stages[dossier.stage]
    due = deadline_for(session, phase_id=dossier.phase_id, key=stage.deadline.key) if stage.deadline else None
    if due is None:
        return ""
    return f"Hạn của bước '{stage.label}': {fmt_datetime(due)} ({days_left(due, today)})."
