"""Load a district and its campaign from config/samples/<name>.yaml (validated like every config).

One file per seed plan (Mường Khương 2020-2021, Sơn La 2020, Thủ Thừa 2021, Trà Vinh 2019-2020, Quảng Hòa
2022-2023): the plan's issuer, number, theme, phases, deadlines and quotas, and a district to run it in.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, select

from config.rules import rule_set
from config.settings import CONFIG_DIR
from config.vocabulary import UnitKind
from config.yaml_source import ConfigError, load_model
from models.campaign import Campaign, get_campaign_by_code
from models.unit import Unit
from tdkt.common.errors import Refused
from tdkt.common.timefmt import fmt_date
from tdkt.services import plans
from tdkt.services.staff import StaffRow, save_accounts
from tdkt.services.units import UnitRow, save_units

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


def _unit_rows(sample: Sample) -> list[UnitRow]:
    """The sample's units as the units list would give them: province, district, offices, then each block and
    its schools (its leader marked), in this order."""
    province = sample.province.code if sample.province else ""
    rows = [UnitRow(0, province, sample.province.name, UnitKind.ubnd_tinh, "", "", None, None, False)] \
        if sample.province else []
    rows.append(UnitRow(0, sample.district.code, sample.district.name, UnitKind.ubnd_huyen, "", province, None, None,
                        False))
    rows += [UnitRow(0, o.code, o.name, o.kind, "", province if o.above else sample.district.code, o.email, None,
                     False) for o in sample.offices]
    phong = next(o.code for o in sample.offices if o.kind == UnitKind.phong_gddt)
    for block in sample.blocks:
        if all(s.code != block.leader for s in block.schools):
            raise Refused("no_leader", f"{block.name}: trường trưởng khối '{block.leader}' không thuộc khối.")
        rows.append(UnitRow(0, block.code, block.name, UnitKind.block, "", phong, None, None, False))
        rows += [UnitRow(0, s.code, s.name, UnitKind.school, block.code, phong, None, s.level, s.code == block.leader)
                 for s in block.schools]
    return rows


def _people(sample: Sample) -> list[tuple[str, list[PersonSpec]]]:
    """Each unit's people with their roles: the chairmen, the offices' staff, each school's head."""
    found = [(sample.province.code, [sample.province.chairman.model_copy(update={"role": "province_chairman"})])] \
        if sample.province else []
    found.append((sample.district.code, [sample.district.chairman.model_copy(update={"role": "chairman"})]))
    found += [(office.code, office.people) for office in sample.offices]
    found += [(school.code, [PersonSpec(full_name=school.head, title="Hiệu trưởng", role="school_head",
                                        email=f"hieutruong.{school.code}@{sample.district.mail_domain}")])
              for block in sample.blocks for school in block.schools]
    return found


def load_sample(session: Session, *, name: str, today: date | None = None) -> Campaign:
    """Create the sample's units, people, campaign and phases; refuses if its campaign is already there.

    With `today`, the campaign's dates are moved so that its first phase is under way (see `dated_from`).
    """
    sample = read_sample(name)
    if today is not None:
        sample = sample.model_copy(update={"campaign": dated_from(sample.campaign, today)})
    if get_campaign_by_code(session, code=sample.campaign.code) is not None:
        raise Refused("already_loaded", f"Dữ liệu mẫu '{name}' đã được nạp (chiến dịch {sample.campaign.code}).")
    save_units(session, _unit_rows(sample))
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    for code, specs in _people(sample):
        save_accounts(session, unit=units[code], rows=[StaffRow(0, p.full_name, None, None, p.title, p.email.lower(),
                                                                p.role) for p in specs])
    district = units[sample.district.code]
    offices = {office.kind: units[office.code] for office in sample.offices}
    issuer = district if sample.campaign.issued_by == "ubnd" else offices[UnitKind(sample.campaign.issued_by)]
    campaign = plans.create_campaign(session, plan=sample.campaign, issuer=issuer)
    return campaign
