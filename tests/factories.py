"""Factories: a small district (blocks of schools, offices, reviewers) and a campaign phase, on any database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from sqlmodel import Session

from config.settings import get_settings
from config.vocabulary import SubjectKind, UnitKind
from models.campaign import Campaign, Phase, PhaseQuota, StageDeadline
from models.decision import Decision
from models.nomination import Nomination
from models.unit import Person, Unit
from tdkt import services
from tdkt.common.timefmt import end_of_day

T = TypeVar("T")

SCHOOL_FIGURES = {"total": 20, "completed": 20, "LDTT": 15, "CSTDCS": 2, "disciplined": 0}  # meet TTLĐTT's
DEADLINES = {"school_submission": date(2022, 11, 3), "block_forward": date(2022, 11, 6),
             "phong_review": date(2022, 11, 10), "noivu_verification": date(2022, 11, 17)}


@dataclass
class District:
    phase_id: int
    schools: list[Unit]
    blocks: list[Unit]
    heads: dict[int, Person]  # school id -> head
    people: dict[str, Person] = field(default_factory=dict)  # role -> office person

    def leader_of(self, block: Unit) -> Person:
        return self.heads[block.leader_school_id or 0]

    def block_of(self, school: Unit) -> Unit:
        return next(b for b in self.blocks if b.id == school.block_id)


def added(session: Session, obj: T) -> T:
    """The object, added and flushed (its id given)."""
    session.add(obj)
    session.flush()
    return obj


def make_district(session: Session, *, blocks: int = 2, schools_per_block: int = 3, quota: int | None = 20,
                  year_end: bool = True,
                  deadlines: dict[str, date] | None = None) -> District:
    ubnd = added(session, Unit(code="ubnd", name="UBND huyện Quảng Hòa", kind=UnitKind.ubnd_huyen))
    phong = added(session, Unit(code="pgd", name="Phòng GD&ĐT Quảng Hòa", kind=UnitKind.phong_gddt, parent_id=ubnd.id))
    noivu = added(session, Unit(code="pnv", name="Phòng Nội vụ Quảng Hòa", kind=UnitKind.phong_noi_vu,
                               parent_id=ubnd.id))
    people = {
        role: added(session, Person(full_name=name, email=f"{role}@qh.test", role=role, unit_id=unit.id))
        for role, name, unit in [
            ("phong_reviewer", "Nông Thị Hằng", phong), ("phong_head", "Lục Văn Bình", phong),
            ("noivu_officer", "Hoàng Thị Thắm", noivu), ("chairman", "Nguyễn Thành Hải", ubnd),
        ]
    }
    district = District(phase_id=0, schools=[], blocks=[], heads={}, people=people)
    for b in range(blocks):
        block = added(session, Unit(code=f"khoi-{b}", name=f"Khối thi đua số {b + 1}", kind=UnitKind.block,
                                   parent_id=phong.id))
        district.blocks.append(block)
        for s in range(schools_per_block):
            school = added(session, Unit(code=f"th-{b}-{s}", name=f"Trường Tiểu học Số {b + 1}.{s + 1}",
                                        kind=UnitKind.school, level="TH", parent_id=phong.id, block_id=block.id))
            district.schools.append(school)
            district.heads[school.id] = added(session, Person(
                full_name=f"Hiệu trưởng {b + 1}.{s + 1}", email=f"ht-{b}-{s}@qh.test", role="school_head",
                unit_id=school.id))
            if s == 0:
                block.leader_school_id = school.id
                session.add(block)
    campaign = added(session, Campaign(code="qh-2022", number="91/KH-UBND", theme="Đoàn kết, sáng tạo",
                                      school_year="2022-2023", issuer_unit_id=ubnd.id, rule_set="nd91-2017"))
    starts, ends = (date(2022, 9, 5), date(2022, 11, 30)) if deadlines is None else (
        min(deadlines.values()) - timedelta(days=60), max(deadlines.values()) + timedelta(days=14))
    phase = added(session, Phase(campaign_id=campaign.id, number=1, name="Đợt 1", starts_on=starts, ends_on=ends,
                                year_end=year_end))
    for key, day in (deadlines or DEADLINES).items():
        session.add(StageDeadline(phase_id=phase.id, key=key, due_at=end_of_day(day)))
    if quota is not None:
        session.add(PhaseQuota(phase_id=phase.id, subject="individual", max_count=quota))
    session.commit()
    district.phase_id = phase.id
    return district


def at(day: int, month: int = 11, hour: int = 9) -> datetime:
    """A moment of the 2022 test campaign, local time."""
    return datetime(2022, month, day, hour, tzinfo=get_settings().tz)


def prepare_dossier(session: Session, district: District, school: Unit, *, individuals: int = 2,
                    votes_for: int = 10, present: int = 12, members: int = 15) -> tuple[int, list[Nomination]]:
    """A school's dossier with `individuals` LĐTT nominees and the school itself for TTLĐTT (with SCHOOL_FIGURES),
    voted."""
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    noms = [services.add_nomination(session, dossier_id=dossier.id or 0, full_name=f"Giáo viên {i} {school.code}",
                                    kind=SubjectKind.individual, title_code="LDTT") for i in range(individuals)]
    noms.append(services.add_nomination(session, dossier_id=dossier.id or 0, full_name=school.name,
                                        kind=SubjectKind.collective, title_code="TTLDTT", figures=SCHOOL_FIGURES))
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=date(2022, 10, 28), members_total=members,
                         members_present=present, tallies={n.id or 0: (votes_for, 1) for n in noms})
    session.commit()
    return dossier.id or 0, noms


def submit_school(session: Session, district: District, school: Unit, *, now: datetime | None = None,
                  **vote: int) -> tuple[int, list[Nomination]]:
    """prepare_dossier, then the school's head submits it (`now`: the real time when not given)."""
    dossier_id, noms = prepare_dossier(session, district, school, **vote)
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id or 0], now=now)
    return dossier_id, noms


def verify_and_decide(session: Session, district: District, dossier_ids: list[int], *, number: str,
                      signed_on: date, now: datetime | None = None) -> list[Decision]:
    """Nội vụ verifies the dossiers the Phòng approved; the chairman signs the phase's decisions, one per form
    (committed)."""
    for dossier_id in dossier_ids:
        services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify", now=now)
    decisions = services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                                signed_on=signed_on, number=number, now=now)
    session.commit()
    return decisions


def at_noivu_with_a_title_beyond_the_district(session: Session) -> tuple[District, int, dict[str, Nomination]]:
    """A school's dossier, approved by the Phòng, at Nội vụ: a teacher for LĐTT (the district chairman grants
    it) and another for the Giám đốc Sở's Giấy khen (he does not)."""
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    noms = {title: services.add_nomination(session, dossier_id=dossier.id or 0, full_name=name,
                                           kind=SubjectKind.individual, title_code=title)
            for name, title in [("Nông Văn Tài", "LDTT"), ("Hoàng Thị Lan", "GK_SO")]}
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=date(2022, 10, 28), members_total=15,
                         members_present=13, tallies={n.id or 0: (12, 1) for n in noms.values()})
    block = district.blocks[0]
    services.submit(session, dossier_id=dossier.id or 0, actor=district.heads[school.id or 0], now=at(1))
    services.forward_block(session, block_id=block.id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(block), now=at(2))
    services.act(session, dossier_id=dossier.id or 0, actor=district.people["phong_reviewer"], action="approve",
                 now=at(3))
    session.commit()
    return district, dossier.id or 0, noms
