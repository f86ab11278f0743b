"""The engine: applies one action of the route to one dossier.

`apply` checks the actor's role and unit, the stage, the deadline and the route's named conditions, then
writes, in this order: the dossier's move, its nominations' statuses, the audit event (chained at once, or by
its `Batch` before the batch commits), the per-nomination verdicts, the phase tally and the outbox rows
(`_write`). It never commits: the caller's unit of work does, so a transition (or a batch of them, a loop over
`apply`) is one database transaction, and a refusal (TransitionRefused) leaves nothing behind once the caller
rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from config.route import Action, Notify, Route, Stage, default_route
from config.rules import campaign_rules
from config.vocabulary import DossierStatus
from models import tally
from models.audit import AuditEvent, append, chain, write_unchained
from models.campaign import Campaign, Phase, deadline_for
from models.db import utcnow
from models.delegation import principals_of, recipients
from models.dossier import Dossier, get_or_create_dossier, locked, move
from models.nomination import (
    Nomination,
    NominationStatus,
    Nominee,
    active_nominations,
    record_verdicts,
)
from models.outbox import OutboxMessage, enqueue
from models.unit import Person, Surroundings, Unit, holds_in
from tdkt.common.errors import TransitionRefused, Violation
from tdkt.common.timefmt import fmt_datetime, local
from tdkt.workflow.checks import CheckContext, registered
from tdkt.workflow.clocks import clock_due
from tdkt.workflow.snapshot import snapshot

VerdictName = Literal["approve", "return_for_revision", "reject", "forward_higher"]
VERDICT_STATUS: dict[str, NominationStatus] = {
    "approve": NominationStatus.approved,
    "return_for_revision": NominationStatus.returned,
    "reject": NominationStatus.rejected,
    "forward_higher": NominationStatus.forwarded,
}


@dataclass(frozen=True)
class Verdict:
    verdict: VerdictName
    reason: str | None = None


@dataclass
class Batch:
    """Transitions applied one after another in one transaction (a flow's chunk, a block's forward, a decision):
    their audit events are chained together by `seal` before it commits, so the chain's head is locked for the
    end of the batch only and batches of other processes run meanwhile. A single transition needs none."""

    events: list[AuditEvent] = field(default_factory=list)
    # what its transitions share (the phase, its campaign), held so that the session keeps them: it keeps a row
    # only while something holds it, and each transition would read them again
    shared: dict[tuple[type, int], object] = field(default_factory=dict)

    def hold(self, *rows: Phase | Campaign) -> None:
        for row in rows:
            self.shared[(type(row), row.id or 0)] = row

    def seal(self, session: Session) -> None:
        chain(session, self.events)
        self.events = []


@dataclass
class TransitionResult:
    """What a transition did."""

    dossier_id: int
    action: str
    from_stage: str
    to_stage: str
    late: bool
    audit_event_id: int
    outbox_ids: list[int]

    def as_dict(self) -> dict[str, Any]:
        return {"dossier_id": self.dossier_id, "action": self.action, "from_stage": self.from_stage,
                "to_stage": self.to_stage, "late": self.late, "audit_event_id": self.audit_event_id,
                "outbox_ids": self.outbox_ids}


def _lock(session: Session, dossier_id: int) -> Dossier:
    dossier = locked(session, dossier_id)
    if dossier is None:
        raise TransitionRefused("not_found", f"Không tìm thấy hồ sơ số {dossier_id}.")
    return dossier


def _check_actor(route: Route, stage: Stage, actor: Person, around: Surroundings, school_year: str | None) -> None:
    assert stage.actors is not None
    school = around.start
    if school_year is not None and not holds_in(actor, school_year):
        raise TransitionRefused(
            "wrong_year", f"{actor.full_name} giữ vai trò {route.role_label(actor.role)} trong năm học "
                          f"{actor.school_year}, không phải năm học {school_year} của hồ sơ này.")
    if actor.role not in stage.actors.roles:
        allowed = ", ".join(route.role_label(r) for r in stage.actors.roles)
        raise TransitionRefused(
            "wrong_role",
            f"{actor.full_name} ({route.role_label(actor.role)}) không có quyền xử lý hồ sơ ở bước "
            f"'{stage.label}'. Người có quyền: {allowed}.",
        )
    unit = around.resolve(stage.actors.unit)
    if unit is None or actor.unit_id != unit.id:
        where = unit.name if unit else "đơn vị được phân công"
        raise TransitionRefused(
            "wrong_unit", f"{actor.full_name} không thuộc {where}, nên không thể xử lý hồ sơ của {school.name}."
        )


def _authorised(session: Session, route: Route, stage: Stage, actor: Person, around: Surroundings,
                on: date, school_year: str | None = None) -> Person:
    """Whom `actor` acts as: themself, or someone who delegated to them for day `on` and may act here (in the
    dossier's `school_year`)."""
    try:
        _check_actor(route, stage, actor, around, school_year)
        return actor
    except TransitionRefused as own:
        for principal in principals_of(session, substitute_id=actor.id or 0, on=on):
            try:
                _check_actor(route, stage, principal, around, school_year)
                return principal
            except TransitionRefused:
                continue
        raise own


def apply_all(session: Session, dossiers: Sequence[Dossier], *, actor: Person, action: str, now: datetime | None,
               route: Route) -> list[TransitionResult]:
    """The same action on several dossiers in the caller's transaction, at one time (the transaction's), their
    audit events chained together at the end."""
    now, batch = now or utcnow(), Batch()
    results = [apply(session, dossier_id=d.id or 0, actor=actor, action=action, now=now, route=route, batch=batch)
               for d in dossiers]
    batch.seal(session)
    return results


def may_act(session: Session, *, route: Route, stage_name: str, actor: Person, school: Unit,
            on: date | None = None, school_year: str | None = None) -> bool:
    """Whether `actor` is one of the people who act on a dossier of `school` at `stage_name` (or stands in
    for one on day `on`, today by default)."""
    stage = route.stages[stage_name]
    if stage.actors is None or not stage.actions:
        return False
    try:
        _authorised(session, route, stage, actor, Surroundings.of(session, school), on or local(utcnow()).date(),
                    school_year)
    except TransitionRefused:
        return False
    return True


def _choose_action(
    stage: Stage, action: str | None, verdicts: dict[int, Verdict] | None, active: list[tuple[Nomination, Nominee]]
) -> tuple[str, dict[int, Verdict]]:
    """Per-nomination verdicts decide the dossier action; a whole-dossier action implies every verdict."""
    if verdicts is not None:
        if stage.verdicts is None:
            raise TransitionRefused("no_verdicts", f"Bước '{stage.label}' không xét riêng từng người.")
        ids = {n.id for n, _ in active}
        stray = set(verdicts) - ids
        if stray:
            raise TransitionRefused("unknown_nomination", f"Đề nghị số {sorted(stray)} không thuộc hồ sơ này.")
        missing = [p.full_name for n, p in active if n.id not in verdicts]
        if missing:
            raise TransitionRefused("verdict_missing", f"Chưa có ý kiến cho: {', '.join(missing)}.")
        chosen = {v.verdict for v in verdicts.values()}
        if unknown := sorted(chosen - set(VERDICT_STATUS)):
            raise TransitionRefused("unknown_verdict", f"Ý kiến '{unknown[0]}' không có; chọn một trong: "
                                                       f"{', '.join(VERDICT_STATUS)}.")
        if "forward_higher" in chosen and stage.verdicts.forward_higher is None:
            raise TransitionRefused("no_forward_verdict",
                                    f"Bước '{stage.label}' không đề nghị cấp trên khen thưởng riêng từng người.")
        if "return_for_revision" in chosen and stage.verdicts.return_for_revision is None:
            raise TransitionRefused("no_return_verdict", f"Bước '{stage.label}' không trả lại hồ sơ: hãy đồng ý hoặc "
                                                         "không đồng ý với từng người.")
        first: str = next(o for o in ("return_for_revision", "approve", "forward_higher", "reject") if o in chosen)
        return getattr(stage.verdicts, first), verdicts
    if action is None:
        raise TransitionRefused("no_action", "Chưa chọn hành động.")
    if stage.verdicts is not None:
        mapping = stage.verdicts
        outcomes: dict[str, VerdictName] = {mapping.approve: "approve", mapping.reject: "reject"}
        if mapping.return_for_revision is not None:
            outcomes[mapping.return_for_revision] = "return_for_revision"
        if mapping.forward_higher is not None:
            outcomes[mapping.forward_higher] = "forward_higher"
        if action in outcomes:
            return action, {n.id or 0: Verdict(outcomes[action]) for n, _ in active}
    return action, {}


def _check_reasons(action: Action, reason: str | None, verdicts: dict[int, Verdict], names: dict[int, str]) -> None:
    """A return or a rejection always says why: per nomination, or once for the whole dossier."""
    unexplained = [
        names[nid] for nid, v in verdicts.items()
        if v.verdict in ("return_for_revision", "reject") and not (v.reason or reason or "").strip()
    ]
    if unexplained:
        raise TransitionRefused(
            "reason_required", f"Phải ghi rõ lý do trả lại hoặc không đồng ý cho: {', '.join(unexplained)}."
        )
    explained = (reason or "").strip() or any((v.reason or "").strip() for v in verdicts.values())
    if action.reason_required and not explained:
        raise TransitionRefused("reason_required", f"Phải ghi rõ lý do khi chọn '{action.label}'.")


def _nomination_status(target: Stage, current: NominationStatus, verdict: Verdict | None,
                       resubmitted: bool) -> NominationStatus:
    """Where a nomination stands after the transition; the dossier's target status decides terminal ones."""
    if verdict is not None:
        current = VERDICT_STATUS[verdict.verdict]
    elif resubmitted:
        current = NominationStatus.proposed
    if target.status == DossierStatus.decided and current == NominationStatus.approved:
        return NominationStatus.granted
    if target.status == DossierStatus.forwarded_higher and current != NominationStatus.rejected:
        return NominationStatus.forwarded
    if target.status == DossierStatus.rejected:
        return NominationStatus.rejected
    return current


def apply(
    session: Session,
    *,
    dossier_id: int,
    actor: Person,
    action: str | None = None,
    verdicts: dict[int, Verdict] | None = None,
    reason: str | None = None,
    now: datetime | None = None,
    route: Route | None = None,
    expected_stage: str | None = None,
    batch: Batch | None = None,
) -> TransitionResult:
    """Apply `action` (or the action implied by per-nomination `verdicts`) to a dossier, as `actor`.

    With `expected_stage` (an action link's stage), it refuses when the dossier has moved on meanwhile.
    Raises TransitionRefused, having written nothing, when the route does not allow it: wrong stage,
    role or unit, missing reason, past a deadline whose policy is "refuse", or a failed named check.
    Otherwise writes stage and statuses, and adds the audit event, the outbox rows and the verdict rows, which
    the transaction writes when it commits.
    """
    route = route or default_route()
    now = now or utcnow()
    dossier = _lock(session, dossier_id)
    stage = route.stages[dossier.stage]
    if expected_stage is not None and dossier.stage != expected_stage:
        raise TransitionRefused("moved_on", f"Hồ sơ vừa được xử lý và đã chuyển sang bước '{stage.label}'.")
    if stage.terminal:
        raise TransitionRefused("closed", f"Hồ sơ đã kết thúc ({stage.label}), không thể xử lý thêm.")
    school = session.get(Unit, dossier.school_id)
    phase = session.get(Phase, dossier.phase_id)
    assert school is not None and phase is not None
    campaign = session.get(Campaign, phase.campaign_id)
    assert campaign is not None
    if batch is not None:
        batch.hold(phase, campaign)
    active = active_nominations(session, dossier_id=dossier_id)
    names = {n.id or 0: p.full_name for n, p in active}

    action, verdicts = _choose_action(stage, action, verdicts, active)
    action_def = stage.actions.get(action)
    if action_def is None:
        allowed = ", ".join(f"{a.label} ({name})" for name, a in stage.actions.items())
        raise TransitionRefused(
            "invalid_action",
            f"Không thể thực hiện '{action}' khi hồ sơ đang ở bước '{stage.label}'. Hành động hợp lệ: {allowed}.",
        )
    around = Surroundings.of(session, school)  # every unit this transition names, read once
    principal = _authorised(session, route, stage, actor, around, local(now).date(), campaign.school_year)
    _check_reasons(action_def, reason, verdicts, names)

    deadline = deadline_for(session, phase_id=phase.id or 0, key=stage.deadline.key) if stage.deadline else None
    late = deadline is not None and now > deadline
    if stage.clock is not None and stage.clock.kind == "deadline":  # the law's own time for this stage
        late = late or now > clock_due(stage.clock, dossier)
    if deadline is not None and late and stage.deadline and stage.deadline.late == "refuse":
        raise TransitionRefused(
            "past_deadline",
            f"Đã quá hạn {fmt_datetime(deadline)} của bước '{stage.label}' ({phase.name}); "
            f"không thể {action_def.label.lower()}.",
        )
    ctx = _context(session, dossier=dossier, school=school, phase=phase, campaign=campaign, now=now,
                   deadline=deadline, route=route, active=active, verdicts=verdicts, target=action_def.to)
    violations = [v for check in action_def.checks for v in registered(check)(ctx)]
    if violations:
        raise TransitionRefused("checks_failed", "\n".join(v.message for v in violations), violations)
    staying = _decided_at_school(route, campaign, active) if dossier.stage == route.start else {}
    if late_pupils := _after_the_heads_decision(session, route, dossier, active, staying):
        raise TransitionRefused(
            "decided_at_school", f"Hiệu trưởng đã ký quyết định khen thưởng học sinh của {phase.name}, nên không gửi "
                                 f"thêm được: {', '.join(late_pupils)}. Hãy rút các đề nghị này khỏi hồ sơ và đề nghị "
                                 "ở đợt sau.")

    return _write(session, route=route, dossier=dossier, around=around, phase=phase, campaign=campaign,
                  actor=actor, principal=principal, action=action, action_def=action_def, verdicts=verdicts,
                  reason=reason, now=now, late=late, active=active, batch=batch, staying=staying)


def _context(session: Session, *, dossier: Dossier, school: Unit, phase: Phase, campaign: Campaign, now: datetime,
             deadline: datetime | None, route: Route, active: list[tuple[Nomination, Nominee]],
             verdicts: dict[int, Verdict], target: str) -> CheckContext:
    return CheckContext(
        session=session, dossier=dossier, school=school, phase=phase, rules=campaign_rules(campaign),
        now=now, deadline=deadline, start_stage=route.start, nominations=active, school_year=campaign.school_year,
        approving={nid for nid, v in verdicts.items() if v.verdict == "approve"}, judged=bool(verdicts),
        deciders=route.deciders_after(target), start_deadline=route.stages[route.start].deadline,
        clock=route.stages[dossier.stage].clock,
    )


def preview(session: Session, *, dossier: Dossier, action: str, now: datetime, route: Route,
            approve_all: bool = False) -> list[Violation]:
    """What the route's checks would refuse for `action` now, without doing anything (for reminders and for a
    bulk approval, which previews with every nomination approved)."""
    school, phase = session.get(Unit, dossier.school_id), session.get(Phase, dossier.phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    assert school is not None and phase is not None and campaign is not None
    active = active_nominations(session, dossier_id=dossier.id or 0)
    verdicts = {n.id or 0: Verdict("approve") for n, _ in active} if approve_all else {}
    action_def = route.stages[dossier.stage].actions[action]
    ctx = _context(session, dossier=dossier, school=school, phase=phase, campaign=campaign, now=now, deadline=None,
                   route=route, active=active, verdicts=verdicts, target=action_def.to)
    return [v for check in action_def.checks for v in registered(check)(ctx)]


def _write(
    session: Session, *, route: Route, dossier: Dossier, around: Surroundings, phase: Phase, campaign: Campaign,
    actor: Person, principal: Person, action: str, action_def: Action, verdicts: dict[int, Verdict],
    reason: str | None, now: datetime, late: bool, active: list[tuple[Nomination, Nominee]], batch: Batch | None,
    staying: dict[int, str],
) -> TransitionResult:
    """The transition's writes, in order; `staying`: the nominations a submission keeps for the school head's own
    decision (the at_school track)."""
    from_stage, target = dossier.stage, route.stages[action_def.to]
    returned = action_def.to == route.start
    resubmitted = from_stage == route.start
    values: dict[str, Any] = {
        "stage": action_def.to, "status": action_def.status or target.status, "version": dossier.version + 1,
        "updated_at": now, "late": dossier.late or late,
        "round": dossier.round + (1 if returned else 0),
        "return_reason": (reason or _joined_reasons(verdicts)) if returned else dossier.return_reason,
    }
    statuses = [(n, NominationStatus.approved if n.id in staying else
                 _nomination_status(target, n.status, verdicts.get(n.id or 0), resubmitted)) for n, _ in active]
    change = tally.contribution(action_def.to, route.start, [(n.title_code, s) for n, s in statuses])
    change.subtract(tally.contribution(from_stage, route.start, [(n.title_code, n.status) for n, _ in active]))
    detail: dict[str, Any] = {
        "round": dossier.round,
        "verdicts": {str(k): {"verdict": v.verdict, "reason": v.reason} for k, v in verdicts.items()},
        **({"snapshot": snapshot(session, dossier_id=dossier.id or 0, rejecting=frozenset(
            nid for nid, v in verdicts.items() if v.verdict == "reject"))} if returned else {}),
        **({"on_behalf_of": principal.id} if principal.id != actor.id else {}),
    }
    try:
        move(session, dossier, values=values)
    except StaleDataError:
        raise TransitionRefused("concurrent",
                                "Hồ sơ vừa được người khác xử lý; hãy tải lại để xem trạng thái mới.") from None
    _set_statuses(session, statuses)
    event = AuditEvent(
        at=now, phase_id=phase.id or 0, dossier_id=dossier.id, actor_id=actor.id or 0, actor_role=actor.role,
        action=action, from_stage=from_stage, to_stage=action_def.to, reason=reason or _joined_reasons(verdicts),
        late=late, detail=detail)
    if batch is None:
        append(session, event)
    else:
        batch.events.append(write_unchained(session, event))
    record_verdicts(session, [
        {"nomination_id": n.id, "stage": from_stage, "round": detail["round"], "verdict": VERDICT_STATUS[v.verdict],
         "reason": v.reason or reason, "actor_id": actor.id, "audit_event_id": event.id}
        for n, _ in active if (v := verdicts.get(n.id or 0)) is not None])
    tally.record(session, phase_id=phase.id or 0, change=change)
    outbox = _notify(session, targets=action_def.notify, label=action_def.label, dossier=dossier, around=around,
                     phase=phase, campaign=campaign, actor=actor, route=route, reason=reason, verdicts=verdicts,
                     active=active, on=local(now).date())
    forwarded = [(n, p) for (n, p), (_, status) in zip(active, statuses, strict=True)
                 if status == NominationStatus.forwarded or n.id in staying]
    if forwarded and route.grantors:
        outbox += _hand_over(session, route=route, dossier=dossier, from_stage=from_stage, around=around, phase=phase,
                             campaign=campaign, actor=actor, forwarded=forwarded, now=now, batch=batch,
                             at_school=staying)
    return TransitionResult(dossier_id=dossier.id or 0, action=action, from_stage=from_stage, to_stage=action_def.to,
                            late=late, audit_event_id=event.id or 0, outbox_ids=[m.id or 0 for m in outbox])


def _decided_at_school(route: Route, campaign: Campaign, active: list[tuple[Nomination, Nominee]]) -> dict[int, str]:
    """The nominations a school submits for titles its own head grants (the route's at_school track), each with
    that track's grantor: they stay at the school, approved by the council's vote, for the head's decision."""
    if not any(track.at_school for track in route.grantors.values()):
        return {}
    titles = campaign_rules(campaign).titles
    return {n.id or 0: found[0] for n, _ in active
            if n.title_code in titles and (found := route.school_track(titles[n.title_code].granted_by)) is not None}


def _after_the_heads_decision(session: Session, route: Route, dossier: Dossier,
                              active: list[tuple[Nomination, Nominee]], staying: dict[int, str]) -> list[str]:
    """The names of those `staying` whose head has already decided the phase's part (it has left its track's first
    stage): a resubmission can neither hand them over any more nor send them up with the teachers."""
    decided = {code for code in set(staying.values())
               if (stage := session.exec(select(Dossier.stage).where(
                   Dossier.phase_id == dossier.phase_id, Dossier.school_id == dossier.school_id,
                   Dossier.grantor == code)).first()) is not None and stage != route.grantors[code].stage}
    return [nominee.full_name for nomination, nominee in active if staying.get(nomination.id or 0) in decided]


def _set_statuses(session: Session, statuses: list[tuple[Nomination, NominationStatus]]) -> None:
    """One UPDATE per new status, not one per nomination (a dossier carries twenty or so)."""
    moving: dict[NominationStatus, list[Nomination]] = {}
    for nomination, status in statuses:
        if nomination.status != status:
            moving.setdefault(status, []).append(nomination)
    for status, nominations in moving.items():
        session.execute(update(Nomination).where(col(Nomination.id).in_([n.id for n in nominations]))
                        .values(status=status).execution_options(synchronize_session=False))
        for nomination in nominations:  # what the UPDATE wrote, without reading the rows back
            set_committed_value(nomination, "status", status)


def _joined_reasons(verdicts: dict[int, Verdict]) -> str | None:
    reasons = [v.reason for v in verdicts.values() if v.verdict != "approve" and v.reason]
    return "; ".join(reasons) or None


def _hand_over(
    session: Session, *, route: Route, dossier: Dossier, from_stage: str, around: Surroundings, phase: Phase,
    campaign: Campaign, actor: Person, forwarded: list[tuple[Nomination, Nominee]], now: datetime,
    batch: Batch | None, at_school: dict[int, str],
) -> list[OutboxMessage]:
    """Nominations proposed to a higher grantor whose track the route has (Route.grantors) go on there: into the
    school's part of the dossier for that grantor, created at the track's first stage, with an audit event of
    that part and the track's notices. Their status stays "forwarded" (so the phase's tally does not change)
    until the grantor's reviewer decides. A part whose review has moved on takes no more: those stay proposed.
    Those `at_school` (approved) go the same way to the school's own grantor's track."""
    titles = campaign_rules(campaign).titles
    by_grantor: dict[str, list[tuple[Nomination, Nominee]]] = {}
    for nomination, nominee in forwarded:
        grantors = titles[nomination.title_code].granted_by if nomination.title_code in titles else []
        found = route.school_track(grantors) if nomination.id in at_school else route.track(grantors)
        if found is not None:
            by_grantor.setdefault(found[0], []).append((nomination, nominee))
    rows: list[OutboxMessage] = []
    for code, moving in by_grantor.items():
        track = route.grantors[code]
        part = get_or_create_dossier(session, phase_id=phase.id or 0, school_id=around.start.id or 0, stage=track.stage,
                                     grantor=code, parent_id=dossier.id, status=route.stages[track.stage].status)
        if part.stage != track.stage:
            continue
        ids = [n.id for n, _ in moving]
        session.execute(update(Nomination).where(col(Nomination.id).in_(ids)).values(dossier_id=part.id)
                        .execution_options(synchronize_session=False))
        for nomination, _ in moving:
            set_committed_value(nomination, "dossier_id", part.id)
        event = AuditEvent(at=now, phase_id=phase.id or 0, dossier_id=part.id, actor_id=actor.id or 0,
                           actor_role=actor.role, action="forward_higher", from_stage=from_stage, to_stage=track.stage,
                           detail={"from_dossier": dossier.id, "nominations": ids})
        if batch is None:
            append(session, event)
        else:
            batch.events.append(write_unchained(session, event))
        rows += _notify(session, targets=track.notify, label=route.stages[track.stage].label, dossier=part,
                        around=around, phase=phase, campaign=campaign, actor=actor, route=route, reason=None,
                        verdicts={}, active=moving, on=local(now).date())
    return rows


def _notify(
    session: Session, *, targets: list[Notify], label: str, dossier: Dossier, around: Surroundings, phase: Phase,
    campaign: Campaign, actor: Person, route: Route, reason: str | None, verdicts: dict[int, Verdict],
    active: list[tuple[Nomination, Nominee]], on: date,
) -> list[OutboxMessage]:
    """One outbox row per recipient (a substitute for whoever is away on day `on`), written with the transition."""
    titles = campaign_rules(campaign).titles  # the emails name titles as the rule set does, never by code
    nominations = [
        {
            "name": nominee.full_name, "title_code": nomination.title_code,
            "title": titles[nomination.title_code].name if nomination.title_code in titles else nomination.title_code,
            "verdict": verdicts[nomination.id or 0].verdict if nomination.id in verdicts else None,
            "reason": verdicts[nomination.id or 0].reason if nomination.id in verdicts else None,
        }
        for nomination, nominee in active
    ]
    context = {
        "dossier_id": dossier.id, "school": around.start.name, "phase": phase.name, "campaign": campaign.theme,
        "campaign_number": campaign.number, "school_year": campaign.school_year,
        "stage": route.stages[dossier.stage].label, "stage_code": dossier.stage, "actor": actor.full_name,
        "actor_role": route.role_label(actor.role), "action": label, "reason": reason,
        "nominations": nominations,
    }
    rows = []
    acting = route.stages[dossier.stage].actors  # who must act next: their emails carry an action link
    for target in targets:
        unit = around.resolve(target.unit)
        if unit is None:
            continue
        asks = acting is not None and acting.unit == target.unit and bool(set(acting.roles) & set(target.roles))
        people = recipients(session, unit_id=unit.id or 0, roles=target.roles, on=on, school_year=campaign.school_year)
        to = [(p.email, p.full_name) for p in people
              if not (target.digest and p.digest)]  # digest readers see it in their daily email
        rows += enqueue(session, event=target.event, recipients=to, dossier_id=dossier.id,
                        context={**context, "recipient_unit": unit.name, "ask_to_act": asks})
    return rows
