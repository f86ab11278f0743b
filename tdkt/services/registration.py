"""Registration (đăng ký thi đua): schools register, block leaders consolidate and forward to the Phòng GD&ĐT
before the campaign's registration date; late ones are refused or flagged as the rule set says. Where the rule
set requires it, a nomination must match a forwarded registration (checked by award_rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from config.route import Route, default_route
from config.rules import RuleSet, campaign_rules
from config.vocabulary import SubjectKind, UnitKind
from models.audit import AuditEvent, append
from models.campaign import Campaign, Phase
from models.db import utcnow
from models.outbox import enqueue
from models.registration import Registration, RegistrationEntry, RegistrationStatus, entries_of, registration_of
from models.unit import Person, Unit, block_members, find_office, people_of
from tdkt.common.errors import Refused
from tdkt.common.text import nfc
from tdkt.common.timefmt import fmt_datetime
from tdkt.workflow.engine import may_act


@dataclass(frozen=True)
class Wanted:
    full_name: str
    kind: SubjectKind
    title_code: str
    position: str | None = None


def _campaign(session: Session, campaign_id: int) -> tuple[Campaign, RuleSet]:
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise Refused("not_found", f"Không có phong trào số {campaign_id}.")
    return campaign, campaign_rules(campaign)


def register(session: Session, *, campaign_id: int, school_id: int, wanted: list[Wanted],
             pledge: str = "") -> Registration:
    """The school's registration list (replacing its draft); refused once it has been sent."""
    _, rules = _campaign(session, campaign_id)
    registration = registration_of(session, campaign_id=campaign_id, school_id=school_id) or Registration(
        campaign_id=campaign_id, school_id=school_id)
    if registration.status != RegistrationStatus.draft:
        raise Refused("registration_sent", "Bản đăng ký thi đua đã được gửi, không sửa được nữa.")
    for item in wanted:
        title = rules.titles.get(item.title_code)
        if title is None or title.subject != item.kind:
            raise Refused("unknown_title", f"{item.full_name}: danh hiệu '{item.title_code}' không đăng ký được "
                                           f"cho {'cá nhân' if item.kind == SubjectKind.individual else 'tập thể'}.")
    registration.pledge = nfc(pledge)
    session.add(registration)
    session.flush()
    session.execute(delete(RegistrationEntry).where(col(RegistrationEntry.registration_id) == registration.id))
    session.add_all(RegistrationEntry(registration_id=registration.id or 0, kind=w.kind, full_name=nfc(w.full_name),
                                      position=w.position, title_code=w.title_code)
                    for w in {(nfc(w.full_name), w.kind, w.title_code): w for w in wanted}.values())
    session.flush()
    return registration


def _late(campaign: Campaign, rules: RuleSet, now: datetime, what: str) -> bool:
    """Whether it is late; refuses when the rule set says a late registration is refused."""
    if campaign.registration_due is None or now <= campaign.registration_due:
        return False
    if rules.registration is None or rules.registration.late == "refuse":
        raise Refused("registration_late", f"Đã quá hạn đăng ký thi đua ({fmt_datetime(campaign.registration_due)}); "
                                           f"không thể {what}.")
    return True


def submit(session: Session, *, campaign_id: int, school_id: int, actor: Person, now: datetime | None = None,
           route: Route | None = None) -> Registration:
    """The school sends its registration to its block leader."""
    route, now = route or default_route(), now or utcnow()
    campaign, rules = _campaign(session, campaign_id)
    school = session.get(Unit, school_id)
    if school is None or not may_act(session, route=route, stage_name=route.start, actor=actor, school=school):
        raise Refused("wrong_person", f"{actor.full_name} không có quyền gửi đăng ký thi đua của trường này.")
    registration = registration_of(session, campaign_id=campaign_id, school_id=school_id)
    if registration is None or not entries_of(session, registration_id=registration.id or 0):
        raise Refused("empty_registration", "Trường chưa đăng ký tập thể, cá nhân nào.")
    if registration.status != RegistrationStatus.draft:
        raise Refused("registration_sent", "Bản đăng ký thi đua đã được gửi.")
    registration.late = _late(campaign, rules, now, "gửi đăng ký")
    registration.status, registration.submitted_at = RegistrationStatus.submitted, now
    session.add(registration)
    session.flush()
    _audit(session, phase_id=_first_phase(session, campaign), registration=registration, actor=actor,
           action="submit_registration", from_status=RegistrationStatus.draft, at=now)
    return registration


def forward(session: Session, *, campaign_id: int, block_id: int, actor: Person,
            now: datetime | None = None) -> list[Registration]:
    """The block leader sends every member school's registration on to the Phòng GD&ĐT, in one batch."""
    now = now or utcnow()
    campaign, rules = _campaign(session, campaign_id)
    block = session.get(Unit, block_id)
    if block is None or block.kind != UnitKind.block or actor.unit_id != block.leader_school_id:
        raise Refused("wrong_person", f"{actor.full_name} không phải trường trưởng của khối thi đua này.")
    members = block_members(session, block_id=block_id)
    found = {r.school_id: r for r in session.exec(select(Registration).where(
        Registration.campaign_id == campaign_id, col(Registration.school_id).in_([m.id for m in members])))}
    sent_on = (RegistrationStatus.submitted, RegistrationStatus.forwarded)
    missing = [m.name for m in members if m.id not in found or found[m.id].status not in sent_on]
    if missing:
        raise Refused("registration_incomplete", f"Khối còn {len(missing)} trường chưa gửi đăng ký thi đua: "
                                                 f"{', '.join(missing)}.")
    late = _late(campaign, rules, now, "chuyển đăng ký thi đua của khối")
    sent = [r for r in found.values() if r.status == RegistrationStatus.submitted]
    phase_id = _first_phase(session, campaign)
    for registration in sent:
        registration.status, registration.forwarded_at, registration.forwarded_by = (
            RegistrationStatus.forwarded, now, actor.id)
        registration.late = registration.late or late
        session.add(registration)
        _audit(session, phase_id=phase_id, registration=registration, actor=actor, action="forward_registration",
               from_status=RegistrationStatus.submitted, at=now, block_id=block_id)
    _tell_the_phong(session, block=block, campaign=campaign, actor=actor, count=sum(
        len(entries_of(session, registration_id=r.id or 0)) for r in sent))
    session.flush()
    return sent


def _first_phase(session: Session, campaign: Campaign) -> int:
    """Where a registration's events are filed: it opens the campaign's year before any dossier exists."""
    first = session.exec(select(Phase.id).where(Phase.campaign_id == campaign.id).order_by(col(Phase.number))).first()
    assert first is not None, f"campaign {campaign.id} has no phase"
    return first


def _audit(session: Session, *, phase_id: int, registration: Registration, actor: Person, action: str,
           from_status: RegistrationStatus, at: datetime, **detail: object) -> None:
    """The registration's step in the audit trail, hash-chained with the dossiers' at commit, under the
    campaign's first phase, with no dossier; the registration and its school in their detail."""
    append(session, AuditEvent(at=at, phase_id=phase_id, dossier_id=None, actor_id=actor.id or 0, actor_role=actor.role,
                               action=action, from_stage=str(from_status), to_stage=str(registration.status),
                               late=registration.late, detail={"registration_id": registration.id,
                                                               "school_id": registration.school_id, **detail}))


def _tell_the_phong(session: Session, *, block: Unit, campaign: Campaign, actor: Person, count: int) -> None:
    phong = find_office(session, start=block, kind=UnitKind.phong_gddt)
    if phong is None:
        return
    people = people_of(session, unit_id=phong.id or 0, roles=[])
    enqueue(session, event="registration_forwarded", recipients=[(p.email, p.full_name) for p in people],
            context={"block": block.name, "entries": count, "recipient_unit": phong.name, "nominations": [],
                     "campaign": campaign.theme,
                     "campaign_number": campaign.number, "school_year": campaign.school_year,
                     "actor": actor.full_name, "actor_role": actor.title or actor.role})


def register_district(session: Session, *, campaign_id: int, wanted: dict[int, list[Wanted]],
                      at: datetime) -> int:
    """Every school registers what `wanted` lists for it and submits; every block leader forwards — all at
    `at`. For a district loaded in the middle of its year (the demonstrations); returns the schools counted."""
    heads = {p.unit_id: p for p in session.exec(select(Person).where(Person.role == "school_head"))}
    for school_id, items in wanted.items():
        register(session, campaign_id=campaign_id, school_id=school_id, wanted=items)
        submit(session, campaign_id=campaign_id, school_id=school_id, actor=heads[school_id], now=at)
    blocks = session.exec(select(Unit).where(Unit.kind == UnitKind.block, col(Unit.id).in_(
        {u.block_id for u in session.exec(select(Unit).where(col(Unit.id).in_(list(wanted))))}))).all()
    for block in blocks:
        forward(session, campaign_id=campaign_id, block_id=block.id or 0, actor=heads[block.leader_school_id or 0],
                now=at)
    return len(wanted)
