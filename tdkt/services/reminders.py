"""Reminders before each stage deadline, escalations after it, and the daily digest — planned from the database.

One sweep reads the current deadlines (so changed dates need no job rebuild), finds who has not acted yet,
and writes outbox rows. Each send is claimed first by inserting a NotificationLog row with a unique key in
the same transaction, so a restart, a second scheduler or a repeated sweep can never send it twice. A sweep
that runs late (the scheduler was down) sends, per unit, only the latest reminder still useful: the one of
the smallest offset already due, and only while the deadline has not passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from config.route import Route, Stage
from config.rules import campaign_rules
from config.vocabulary import UnitKind
from models.campaign import Campaign, Phase, ReportDue, StageDeadline, deadline_for
from models.delegation import recipients
from models.dossier import Dossier
from models.outbox import NotificationLog, enqueue
from models.registration import Registration, RegistrationStatus
from models.unit import Person, Unit, district_schools, find_office, resolve_unit
from notifications.ladder import reminder_moments
from tdkt.common.timefmt import fmt_date, fmt_datetime, local
from tdkt.workflow.clocks import clock_due, describe
from tdkt.workflow.engine import preview


@dataclass
class Pending:
    """A unit that has not yet acted at a stage, and what it still owes."""

    unit: Unit
    items: list[str] = field(default_factory=list)
    schools: list[Unit] = field(default_factory=list)


@dataclass
class SweepReport:
    reminders: int = 0
    escalations: int = 0
    digests: int = 0


def _claim(session: Session, key: str) -> bool:
    """Insert the log row for `key` inside a savepoint; False when some sweep already sent it."""
    try:
        with session.begin_nested():
            session.add(NotificationLog(key=key))
            session.flush()
        return True
    except IntegrityError:
        return False


def laggards(session: Session, *, route: Route, phase: Phase, campaign: Campaign, stage_name: str,
             now: datetime) -> list[Pending]:
    """Units that must act at `stage_name` and have not: their dossiers still wait there (schools with no
    dossier at all count at the start stage). Each item says what is missing, in Vietnamese."""
    stage = route.stages[stage_name]
    assert stage.actors is not None
    pending: dict[int, Pending] = {}
    dossiers = session.exec(select(Dossier).where(Dossier.phase_id == phase.id, Dossier.stage == stage_name)
                            .order_by(col(Dossier.id))).all()
    for dossier in dossiers:
        school = session.get(Unit, dossier.school_id)
        assert school is not None
        unit = resolve_unit(session, stage.actors.unit, school)
        if unit is None:
            continue
        entry = pending.setdefault(unit.id or 0, Pending(unit))
        entry.schools.append(school)
        entry.items.append(_what_is_missing(session, route, stage_name, stage, dossier, school, now))
    if stage_name == route.start:
        with_dossier = {d.school_id for d in session.exec(select(Dossier).where(Dossier.phase_id == phase.id)).all()}
        for school in district_schools(session, issuer_unit_id=campaign.issuer_unit_id):
            if school.id not in with_dossier:
                entry = pending.setdefault(school.id or 0, Pending(school))
                entry.schools.append(school)
                entry.items.append(f"{school.name}: chưa lập hồ sơ đề nghị khen thưởng.")
    return list(pending.values())


def _what_is_missing(session: Session, route: Route, stage_name: str, stage: Stage, dossier: Dossier, school: Unit,
                     now: datetime) -> str:
    if stage_name != route.start:
        return f"Hồ sơ số {dossier.id} của {school.name} đang chờ: {stage.label}."
    _, action = route.submission()
    problems = [v.message for v in preview(session, dossier=dossier, action=action, now=now, route=route)]
    missing = " ".join(problems) if problems else "hồ sơ đã đủ điều kiện, chỉ còn bấm gửi."
    return f"{school.name}: chưa gửi hồ sơ — {missing}"


def _context(campaign: Campaign, phase: Phase, unit: Unit, **extra: Any) -> dict[str, Any]:
    return {"campaign": campaign.theme, "campaign_number": campaign.number, "school_year": campaign.school_year,
            "phase": phase.name, "unit": unit.name, "recipient_unit": unit.name, **extra}


def _queue(session: Session, *, event: str, people: list[Person], context: dict[str, Any]) -> int:
    enqueue(session, event=event, recipients=[(p.email, p.full_name) for p in people], context=context)
    return len(people)


def _deadlines(session: Session, now: datetime) -> list[tuple[StageDeadline, Phase, Campaign]]:
    """Deadlines close enough to now to need a reminder or an escalation."""
    window = timedelta(days=40)
    rows = session.exec(
        select(StageDeadline, Phase, Campaign)
        .join(Phase, col(Phase.id) == StageDeadline.phase_id)
        .join(Campaign, col(Campaign.id) == Phase.campaign_id)
        .where(col(StageDeadline.due_at) > now - window, col(StageDeadline.due_at) < now + window)
    ).all()
    return [(d, p, c) for d, p, c in rows]


def plan(session: Session, *, route: Route, now: datetime) -> SweepReport:
    """Write the outbox rows for every reminder, escalation and digest due at `now` (none twice)."""
    report = SweepReport()
    stages_by_key = {s.deadline.key: (name, s) for name, s in route.stages.items() if s.deadline}
    policy = route.reminders
    for deadline, phase, campaign in _deadlines(session, now):
        if deadline.key not in stages_by_key:
            continue
        stage_name, stage = stages_by_key[deadline.key]
        if now < deadline.due_at:
            report.reminders += _remind(session, route, stage_name, stage, deadline, phase, campaign, now)
        elif stage.escalate and now >= deadline.due_at + timedelta(days=policy.escalate_after_days):
            report.escalations += _escalate(session, route, stage_name, stage, deadline, phase, campaign, now)
    report.reminders += _remind_clocks(session, route, now)
    report.reminders += _remind_reports(session, route, now)
    for campaign in session.exec(select(Campaign).where(col(Campaign.registration_due) > now,
                                                        col(Campaign.registration_due) < now + timedelta(days=40))):
        report.reminders += _remind_registration(session, route, campaign, now)
    report.digests = _digests(session, route=route, now=now)
    session.flush()
    return report


def _remind(session: Session, route: Route, stage_name: str, stage: Stage, deadline: StageDeadline, phase: Phase,
            campaign: Campaign, now: datetime) -> int:
    working = campaign_rules(campaign).working_days
    moments = reminder_moments(deadline.due_at, offsets=route.reminders.offsets_days, working=working,
                               hour=route.reminders.hour)
    due = [offset for offset, moment in moments.items() if moment <= now]
    if not due:
        return 0
    offset = min(due)
    assert stage.actors is not None
    sent = 0
    for entry in laggards(session, route=route, phase=phase, campaign=campaign, stage_name=stage_name, now=now):
        if not _claim(session, f"reminder:{phase.id}:{stage_name}:{entry.unit.id}:{offset}"):
            continue
        context = _context(campaign, phase, entry.unit, stage=stage.label, deadline=fmt_datetime(deadline.due_at),
                           days_left=offset, day_unit="ngày làm việc" if working else "ngày", missing=entry.items)
        sent += _queue(session, event="reminder", context=context,
                       people=recipients(session, unit_id=entry.unit.id or 0, roles=stage.actors.roles,
                                         on=local(now).date()))
    return sent


def _remind_clocks(session: Session, route: Route, now: datetime) -> int:
    """Reminders before each dossier's statutory deadline at a stage (its clock: the 10-day appraisal), at the
    route's offsets in working days, to the stage's actors of that dossier; one claim per dossier, arrival and
    offset."""
    sent = 0
    for stage_name, stage in route.stages.items():
        clock = stage.clock
        if clock is None or clock.kind != "deadline" or stage.actors is None:
            continue
        waiting = session.exec(select(Dossier, Unit, Phase, Campaign)
                               .join(Unit, col(Unit.id) == Dossier.school_id)
                               .join(Phase, col(Phase.id) == Dossier.phase_id)
                               .join(Campaign, col(Campaign.id) == Phase.campaign_id)
                               .where(Dossier.stage == stage_name,
                                      col(Dossier.updated_at) > now - timedelta(days=90))).all()
        for dossier, school, phase, campaign in waiting:
            due = clock_due(clock, dossier)
            phase_due = deadline_for(session, phase_id=phase.id or 0, key=stage.deadline.key) \
                if stage.deadline else None
            if phase_due is not None and phase_due <= due:
                continue  # the phase's deadline comes first: its own reminders say so
            moments = reminder_moments(due, offsets=route.reminders.offsets_days, working=True,
                                       hour=route.reminders.hour)
            reached = [offset for offset, moment in moments.items() if moment <= now]
            unit = resolve_unit(session, stage.actors.unit, school)
            if now >= due or not reached or unit is None:
                continue
            offset = min(reached)
            if not _claim(session, f"clock:{dossier.id}:{stage_name}:{dossier.version}:{offset}"):
                continue
            context = _context(campaign, phase, unit, stage=stage.label, deadline=fmt_datetime(due), days_left=offset,
                               day_unit="ngày làm việc", missing=[f"{school.name} (hồ sơ số {dossier.id}): "
                                                                  f"{describe(clock, dossier)}"])
            sent += _queue(session, event="reminder", context=context,
                           people=recipients(session, unit_id=unit.id or 0, roles=stage.actors.roles,
                                             on=local(now).date()))
    return sent


def _remind_reports(session: Session, route: Route, now: datetime) -> int:
    """Reminders before each report a plan asks by a date (báo cáo sơ kết, tổng kết), at the route's offsets, to
    the people of each office of that kind whose schools the campaign covers."""
    sent = 0
    upcoming = (select(ReportDue, Campaign).join(Campaign, col(Campaign.id) == ReportDue.campaign_id)
                .where(col(ReportDue.due_at) > now, col(ReportDue.due_at) < now + timedelta(days=40)))
    for due, campaign in session.exec(upcoming).all():
        working = campaign_rules(campaign).working_days
        moments = reminder_moments(due.due_at, offsets=route.reminders.offsets_days, working=working,
                                   hour=route.reminders.hour)
        reached = [offset for offset, moment in moments.items() if moment <= now]
        if not reached:
            continue
        issuer = session.get(Unit, campaign.issuer_unit_id)
        schools = district_schools(session, issuer_unit_id=campaign.issuer_unit_id)
        offices = {office.id: office for school in schools
                   if (office := find_office(session, start=school, kind=UnitKind(due.unit_kind))) is not None}
        for office in offices.values():
            if not _claim(session, f"report:{due.id}:{office.id}:{min(reached)}"):
                continue
            to = f" gửi {issuer.name}" if issuer is not None else ""
            context = {"campaign": campaign.theme, "campaign_number": campaign.number,
                       "school_year": campaign.school_year, "phase": due.name, "unit": office.name,
                       "recipient_unit": office.name, "stage": due.name, "deadline": fmt_datetime(due.due_at),
                       "days_left": min(reached), "day_unit": "ngày làm việc" if working else "ngày",
                       "missing": [f"{due.name} theo kế hoạch {campaign.number}{to} trước {fmt_datetime(due.due_at)}."]}
            sent += _queue(session, event="reminder", context=context,
                           people=recipients(session, unit_id=office.id or 0, roles=[], on=local(now).date()))
    return sent


def _registration_laggards(session: Session, campaign: Campaign) -> list[Pending]:
    """Schools that have not sent their registration, and block leaders that have not forwarded their block's."""
    schools = district_schools(session, issuer_unit_id=campaign.issuer_unit_id)
    status = {r.school_id: r.status for r in session.exec(select(Registration).where(
        Registration.campaign_id == campaign.id))}
    pending: dict[int, Pending] = {}
    for school in schools:
        if status.get(school.id or 0, RegistrationStatus.draft) == RegistrationStatus.draft:
            pending.setdefault(school.id or 0, Pending(unit=school, schools=[school])).items.append(
                f"{school.name}: chưa gửi bản đăng ký thi đua lên trường trưởng khối.")
    for block in session.exec(select(Unit).where(col(Unit.id).in_({s.block_id for s in schools}))).all():
        members = [s for s in schools if s.block_id == block.id]
        leader = session.get(Unit, block.leader_school_id) if block.leader_school_id else None
        waiting = [s for s in members if status.get(s.id or 0) != RegistrationStatus.forwarded]
        if leader is not None and waiting:
            pending.setdefault(leader.id or 0, Pending(unit=leader, schools=[leader])).items.append(
                f"{block.name}: chưa chuyển đăng ký thi đua lên Phòng GD&ĐT ({len(waiting)}/{len(members)} trường).")
    return list(pending.values())


def _remind_registration(session: Session, route: Route, campaign: Campaign, now: datetime) -> int:
    """Reminders before the registration date, at the route's offsets, like those before a stage deadline."""
    assert campaign.registration_due is not None
    working = campaign_rules(campaign).working_days
    moments = reminder_moments(campaign.registration_due, offsets=route.reminders.offsets_days, working=working,
                               hour=route.reminders.hour)
    due = [offset for offset, moment in moments.items() if moment <= now]
    start = route.stages[route.start]
    if not due or start.actors is None:
        return 0
    sent = 0
    for entry in _registration_laggards(session, campaign):
        if not _claim(session, f"reminder:registration:{campaign.id}:{entry.unit.id}:{min(due)}"):
            continue
        context = {"campaign": campaign.theme, "campaign_number": campaign.number, "school_year": campaign.school_year,
                   "phase": "Đăng ký thi đua", "unit": entry.unit.name, "recipient_unit": entry.unit.name,
                   "stage": "Đăng ký thi đua", "deadline": fmt_datetime(campaign.registration_due),
                   "days_left": min(due), "day_unit": "ngày làm việc" if working else "ngày", "missing": entry.items}
        sent += _queue(session, event="reminder", context=context,
                       people=recipients(session, unit_id=entry.unit.id or 0, roles=start.actors.roles,
                                         on=local(now).date()))
    return sent


def _escalate(session: Session, route: Route, stage_name: str, stage: Stage, deadline: StageDeadline, phase: Phase,
              campaign: Campaign, now: datetime) -> int:
    assert stage.escalate is not None
    sent = 0
    for entry in laggards(session, route=route, phase=phase, campaign=campaign, stage_name=stage_name, now=now):
        superior = resolve_unit(session, stage.escalate.unit, entry.schools[0])
        if superior is None or not _claim(session, f"escalation:{phase.id}:{stage_name}:{entry.unit.id}"):
            continue
        context = _context(campaign, phase, entry.unit, stage=stage.label, deadline=fmt_datetime(deadline.due_at),
                           overdue_unit=entry.unit.name, missing=entry.items, recipient_unit=superior.name)
        sent += _queue(session, event="escalation", context=context,
                       people=recipients(session, unit_id=superior.id or 0, roles=stage.escalate.roles,
                                         on=local(now).date()))
    return sent


def waiting_for(session: Session, *, route: Route, person: Person) -> list[tuple[Dossier, str, str]]:
    """Dossiers waiting for `person` to act: (dossier, school name, stage label)."""
    stages = [name for name, s in route.stages.items() if s.actors and person.role in s.actors.roles]
    found = []
    for dossier in session.exec(select(Dossier).where(col(Dossier.stage).in_(stages)).order_by(col(Dossier.id))):
        stage = route.stages[dossier.stage]
        school = session.get(Unit, dossier.school_id)
        assert stage.actors is not None and school is not None
        unit = resolve_unit(session, stage.actors.unit, school)
        if unit is not None and unit.id == person.unit_id:
            found.append((dossier, school.name, stage.label))
    return found


def _digests(session: Session, *, route: Route, now: datetime) -> int:
    """Once a day after the digest hour, one email per digest reader listing what waits for them."""
    today = local(now)
    if today.hour < route.reminders.digest_hour:
        return 0
    sent = 0
    for person in session.exec(select(Person).where(Person.digest == True, Person.active == True)):  # noqa: E712
        waiting = waiting_for(session, route=route, person=person)
        if not waiting or not _claim(session, f"digest:{person.id}:{today.date().isoformat()}"):
            continue
        unit = session.get(Unit, person.unit_id)
        context = {"recipient_unit": unit.name if unit else "", "unit": unit.name if unit else "",
                   "day": fmt_date(today.date()),
                   "waiting": [{"dossier_id": d.id, "school": school, "stage": label} for d, school, label in waiting]}
        sent += _queue(session, event="daily_digest", people=[person], context=context)
    return sent
