"""A generated province for the season benchmark: offices, blocks of schools, people and nomination lists.

Every school proposes `per_school` nominations: the school itself for TTLĐTT, one teacher for CSTĐCS (also
LĐTT, with an initiative and the two papers the rule set asks for) and LĐTT teachers for the rest. The lists
are written in bulk (as a spreadsheet import would); the votes and everything after go through tdkt. The phase
has a quota of individuals, as the seeds' districts set one (seed 004: 20 a phase), here one that every
individual fits in: the reviews check it at each approval without refusing anyone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from config.route import default_route
from config.settings import get_settings
from config.vocabulary import SubjectKind, UnitKind
from models.campaign import Campaign, Phase, PhaseQuota, StageDeadline
from models.db import utcnow
from models.dossier import Dossier
from models.nomination import Nomination, Nominee
from models.unit import Person, Unit
from tdkt.common.timefmt import end_of_day
from tdkt.services import attachments as papers

INITIATIVE = "Đổi mới phương pháp dạy học tích cực theo Chương trình giáo dục phổ thông 2018"
ACHIEVEMENTS = "Hoàn thành xuất sắc nhiệm vụ năm học; học sinh lớp chủ nhiệm đạt kết quả tốt."
SCHOOL_FIGURES = {"total": 32, "completed": 32, "LDTT": 25, "CSTDCS": 3, "disciplined": 0}  # for its TTLĐTT
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Lò", "Hà", "Nông", "Vàng", "Giàng"]
GIVEN = ["Thị Hương", "Văn Quý", "Thị Ngọc Ánh", "Văn Dũng", "Thị Yến", "Seo Phử", "Thị Hoa", "Minh Tuấn",
         "Thị Dua", "Thị Thu Trang", "Văn Hải", "Thị Lan", "Đức Thắng", "Thị Mai", "Quang Huy", "Thị Hằng"]
OFFICES = {"phong_reviewer": "phong", "phong_head": "phong", "noivu_officer": "noivu", "noivu_head": "noivu",
           "chairman": "ubnd"}


@dataclass
class Province:
    phase_id: int
    dossiers: list[int]  # in school order
    heads: dict[int, str]  # dossier id -> the school head's email
    blocks: dict[int, tuple[str, list[int]]]  # block id -> (leader's email, its dossiers)
    nominations: dict[int, list[int]]  # dossier id -> its nominations, collective first, CSTĐCS last
    office: dict[str, str] = field(default_factory=dict)  # role -> email

    @property
    def size(self) -> int:
        return sum(len(n) for n in self.nominations.values())


def _teacher(index: int) -> str:
    return f"{FAMILY[index % len(FAMILY)]} {GIVEN[(index // len(FAMILY)) % len(GIVEN)]} {index:05d}"


def generate(session: Session, *, schools: int, blocks: int, per_school: int, now: datetime | None = None) -> Province:
    """Write the province and its dossiers at the school (committed); phase deadlines fall in the coming days."""
    now = now or utcnow()
    ubnd = _unit(session, "ubnd", "UBND tỉnh Mẫu (huyện Mẫu)", UnitKind.ubnd_huyen, None)
    phong = _unit(session, "pgd", "Phòng GD&ĐT huyện Mẫu", UnitKind.phong_gddt, ubnd.id)
    noivu = _unit(session, "pnv", "Phòng Nội vụ huyện Mẫu", UnitKind.phong_noi_vu, ubnd.id)
    units = {"ubnd": ubnd, "phong": phong, "noivu": noivu}
    office = {role: f"{role}@bench.test" for role in OFFICES}
    session.add_all([Person(full_name=f"{role.replace('_', ' ').title()}", email=email, role=role,
                            unit_id=units[OFFICES[role]].id or 0) for role, email in office.items()])
    block_units = [_unit(session, f"khoi-{b + 1:03d}", f"Khối thi đua số {b + 1}", UnitKind.block, phong.id)
                   for b in range(blocks)]
    school_units = [Unit(code=f"truong-{s + 1:05d}", name=f"Trường Tiểu học Mẫu số {s + 1}", kind=UnitKind.school,
                         level="TH", parent_id=phong.id, block_id=block_units[s % blocks].id) for s in range(schools)]
    session.add_all(school_units)
    session.flush()
    for b, block in enumerate(block_units):
        block.leader_school_id = school_units[b].id
    heads = [Person(full_name=f"Hiệu trưởng {s.name}", email=f"ht-{i + 1:05d}@bench.test", role="school_head",
                    unit_id=s.id or 0) for i, s in enumerate(school_units)]
    session.add_all(heads)
    phase_id = _phase(session, ubnd.id or 0, now, individuals=schools * (per_school - 1))
    dossiers = [Dossier(phase_id=phase_id, school_id=s.id or 0, stage=default_route().start) for s in school_units]
    session.add_all(dossiers)
    session.flush()
    nominations = _nominations(session, school_units, dossiers, per_school)
    for dossier, head in zip(dossiers, heads, strict=True):
        for kind in ("bao_cao_thanh_tich", "sang_kien"):
            papers.attach(session, dossier=dossier, person=head, kind=kind, filename=f"{kind}-{dossier.id}.pdf",
                          content=b"%PDF-1.4\n% " + kind.encode() + b"\n%%EOF\n", start_stage=dossier.stage)
    session.commit()
    by_block: dict[int, tuple[str, list[int]]] = {
        b.id or 0: (heads[i].email, []) for i, b in enumerate(block_units)}
    for school, dossier in zip(school_units, dossiers, strict=True):
        by_block[school.block_id or 0][1].append(dossier.id or 0)
    return Province(phase_id=phase_id, dossiers=[d.id or 0 for d in dossiers],
                    heads={d.id or 0: h.email for d, h in zip(dossiers, heads, strict=True)},
                    blocks=by_block, nominations=nominations, office=office)


def _unit(session: Session, code: str, name: str, kind: UnitKind, parent_id: int | None) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent_id=parent_id)
    session.add(unit)
    session.flush()
    return unit


def _phase(session: Session, issuer_id: int, now: datetime, *, individuals: int) -> int:
    today = now.astimezone(get_settings().tz).date()
    year = today.year if today.month >= 8 else today.year - 1
    campaign = Campaign(code="bench", number="01/KH-UBND", theme="Thi đua dạy tốt, học tốt",
                        school_year=f"{year}-{year + 1}", issuer_unit_id=issuer_id, rule_set="luat-2022")
    session.add(campaign)
    session.flush()
    phase = Phase(campaign_id=campaign.id or 0, number=1, name="Tổng kết năm học", year_end=True,
                  starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=30))
    session.add(phase)
    session.flush()
    for key, days in (("school_submission", 2), ("block_forward", 4), ("phong_review", 7), ("noivu_verification", 10)):
        session.add(StageDeadline(phase_id=phase.id or 0, key=key, due_at=end_of_day(today + timedelta(days=days))))
    session.add(PhaseQuota(phase_id=phase.id or 0, subject=SubjectKind.individual, max_count=individuals))
    return phase.id or 0


def _nominations(session: Session, schools: list[Unit], dossiers: list[Dossier],
                 per_school: int) -> dict[int, list[int]]:
    """The school (TTLĐTT), LĐTT teachers, and the last teacher also for CSTĐCS: `per_school` in all."""
    nominees: list[tuple[Dossier, Nominee, list[str]]] = []
    for s, (school, dossier) in enumerate(zip(schools, dossiers, strict=True)):
        nominees.append((dossier, Nominee(kind=SubjectKind.collective, full_name=school.name,
                                          unit_id=school.id or 0), ["TTLDTT"]))
        teachers = per_school - 2
        for t in range(teachers):
            titles = ["LDTT", "CSTDCS"] if t == teachers - 1 else ["LDTT"]
            nominees.append((dossier, Nominee(kind=SubjectKind.individual, full_name=_teacher(s * per_school + t),
                                              position="Giáo viên", unit_id=school.id or 0), titles))
    session.add_all([n for _, n, _ in nominees])
    session.flush()
    rows = [Nomination(dossier_id=d.id or 0, nominee_id=n.id or 0, title_code=title, achievements=ACHIEVEMENTS,
                       initiative=INITIATIVE if title == "CSTDCS" else None,
                       member_figures=SCHOOL_FIGURES if n.kind == SubjectKind.collective else None)
            for d, n, titles in nominees for title in titles]
    session.add_all(rows)
    session.flush()
    listed: dict[int, list[int]] = {}
    for row in rows:
        listed.setdefault(row.dossier_id, []).append(row.id or 0)
    return listed
