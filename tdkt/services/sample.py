"""Load a district and its campaign from config/samples/<name>.yaml (validated like every config).

One file per seed plan (Mường Khương 2020-2021, Sơn La 2020, Thủ Thừa 2021, Trà Vinh 2019-2020, Quảng Hòa
2022-2023): the plan's issuer, number, theme, phases, deadlines and quotas, and a district to run it in.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session

from config.rules import rule_set
from config.settings import CONFIG_DIR
from config.vocabulary import UnitKind
from config.yaml_source import ConfigError, load_model
from models.campaign import Campaign, get_campaign_by_code
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.timefmt import fmt_date
from tdkt.services import plans

SAMPLES_DIR = CONFIG_DIR / "samples"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PersonSpec(Strict):
    full_name: str
    email: str
    role: str = ""
    title: str


class District(Strict):
    code: str
    name: str
    place: str
    mail_domain: str
    chairman: PersonSpec


class Province(Strict):
    """The UBND tỉnh above the district, for the offices of the province (`above`) a higher grantor's track needs."""

    code: str
    name: str
    chairman: PersonSpec


class Office(Strict):
    code: str
    name: str
    kind: UnitKind
    email: str | None = None
    above: bool = Field(False, description="a province's office (Sở GD&ĐT), not one of the district's")
    people: list[PersonSpec]


class School(Strict):
    code: str
    name: str
    level: str
    head: str


class Block(Strict):
    code: str
    name: str
    leader: str
    schools: list[School] = Field(min_length=1)


class Sample(Strict):
    province: Province | None = None
    district: District
    offices: list[Office]
    blocks: list[Block]
    campaign: plans.CampaignSpec


def sample_names() -> list[str]:
    return sorted(p.stem for p in SAMPLES_DIR.glob("*.yaml"))


def read_sample(name: str) -> Sample:
    path = SAMPLES_DIR / f"{name}.yaml"
    if not path.exists():
        raise Refused("unknown_sample", f"Không có dữ liệu mẫu '{name}'. Có: {', '.join(sample_names())}.")
    sample = load_model(path, Sample)
    rules = rule_set(sample.campaign.rule_set, json.dumps(sample.campaign.rule_overrides)
                     if sample.campaign.rule_overrides else "")  # exists and stays valid (ConfigError otherwise)
    if problems := plans.plan_problems(sample.campaign, rules):
        raise ConfigError(path, problems)
    return sample


LEAD_DAYS = 14


def dated_from(spec: plans.CampaignSpec, today: date) -> plans.CampaignSpec:
    """The campaign moved in time so its first phase is under way: its first deadline falls LEAD_DAYS after
    `today`, every other date keeps its distance. For a live demonstration of a past year's plan."""
    delta = today + timedelta(days=LEAD_DAYS) - min(spec.phases[0].deadlines.values())
    first = spec.phases[0].starts_on + delta
    year = first.year if first.month >= 8 else first.year - 1
    school_year = f"{year}-{year + 1}"
    phases = []
    for phase in spec.phases:
        starts, ends = phase.starts_on + delta, phase.ends_on + delta
        name = f"Tổng kết năm học {school_year}" if phase.year_end else \
            f"Đợt {phase.number} ({fmt_date(starts)} – {fmt_date(ends)})"
        phases.append(phase.model_copy(update={
            "starts_on": starts, "ends_on": ends, "name": name,
            "deadlines": {key: day + delta for key, day in phase.deadlines.items()}}))
    reports = [r.model_copy(update={"due": r.due + delta}) for r in spec.reports]
    return spec.model_copy(update={"phases": phases, "school_year": school_year, "reports": reports,
                                   "registration_due": spec.registration_due + delta if spec.registration_due else None,
                                   "number": spec.number.replace(spec.school_year, school_year)})


def _unit(session: Session, **fields: object) -> Unit:
    unit = Unit(**fields)  # type: ignore[arg-type]
    session.add(unit)
    session.flush()
    return unit


def _person(session: Session, spec: PersonSpec, unit: Unit, role: str | None = None) -> None:
    session.add(Person(full_name=spec.full_name, email=spec.email.lower(), role=role or spec.role,
                       title=spec.title, unit_id=unit.id or 0))


def load_sample(session: Session, *, name: str, today: date | None = None) -> Campaign:
    """Create the sample's units, people, campaign and phases; refuses if its campaign is already there.

    With `today`, the campaign's dates are moved so that its first phase is under way (see `dated_from`).
    """
    sample = read_sample(name)
    if today is not None:
        sample = sample.model_copy(update={"campaign": dated_from(sample.campaign, today)})
    if get_campaign_by_code(session, code=sample.campaign.code) is not None:
        raise Refused("already_loaded", f"Dữ liệu mẫu '{name}' đã được nạp (chiến dịch {sample.campaign.code}).")
    province = None
    if sample.province is not None:
        province = _unit(session, code=sample.province.code, name=sample.province.name, kind=UnitKind.ubnd_tinh)
        _person(session, sample.province.chairman, province, role="province_chairman")
    district = _unit(session, code=sample.district.code, name=sample.district.name, kind=UnitKind.ubnd_huyen,
                     parent_id=province.id if province else None)
    _person(session, sample.district.chairman, district, role="chairman")
    offices = {}
    for office in sample.offices:
        unit = _unit(session, code=office.code, name=office.name, kind=office.kind, email=office.email,
                     parent_id=(province.id if province else None) if office.above else district.id)
        offices[office.kind] = unit
        for spec in office.people:
            _person(session, spec, unit)
    phong = offices[UnitKind.phong_gddt]
    for block_spec in sample.blocks:
        block = _unit(session, code=block_spec.code, name=block_spec.name, kind=UnitKind.block, parent_id=phong.id)
        for school_spec in block_spec.schools:
            school = _unit(session, code=school_spec.code, name=school_spec.name, kind=UnitKind.school,
                           level=school_spec.level, parent_id=phong.id, block_id=block.id)
            head = PersonSpec(full_name=school_spec.head, title="Hiệu trưởng",
                              email=f"hieutruong.{school_spec.code}@{sample.district.mail_domain}")
            _person(session, head, school, role="school_head")
            if school_spec.code == block_spec.leader:
                block.leader_school_id = school.id
        if block.leader_school_id is None:
            raise Refused("no_leader", f"{block.name}: trường trưởng khối '{block_spec.leader}' không thuộc khối.")
        session.add(block)
    issuer = district if sample.campaign.issued_by == "ubnd" else offices[UnitKind(sample.campaign.issued_by)]
    campaign = plans.create_campaign(session, plan=sample.campaign, issuer=issuer)
    return campaign
