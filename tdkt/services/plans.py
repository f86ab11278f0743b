"""A campaign (kế hoạch) and its phases (đợt): the plan's schema as an office writes it (YAML, or the seed
samples), created, written back and copied to the next school year; and the phases an office opens during the
year — a theme's (khen thưởng chuyên đề) or an ad hoc one for a feat that cannot wait (khen thưởng đột xuất)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, func, select

from config.route import Route, default_route
from config.rules import RuleSet, campaign_rules, rule_set
from config.vocabulary import Occasion, SubjectKind, UnitKind
from config.yaml_source import ConfigError
from models.audit import record_change
from models.campaign import Campaign, Phase, PhaseQuota, ReportDue, StageDeadline, get_campaign_by_code
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.text import entered
from tdkt.common.timefmt import end_of_day, fmt_date, local


def add_phase(session: Session, *, campaign: Campaign, name: str, starts_on: date, ends_on: date,
              deadlines: Mapping[str, date], number: int | None = None, year_end: bool = False,
              occasion: Occasion = Occasion.regular, forms: Sequence[str] = (), quotas: Sequence[QuotaSpec] = (),
              route: Route | None = None) -> Phase:
    """A phase of the campaign with its stage deadlines (the route's keys) and quotas, numbered after the last
    unless `number`. Refused, with nothing written, when a form, a deadline's key or a date does not fit."""
    route = route or default_route()
    rules = campaign_rules(campaign)
    name = entered("Tên đợt", name, max_length=200, required=True)
    problems = phase_problems(rules, starts_on=starts_on, ends_on=ends_on, year_end=year_end, occasion=occasion,
                              forms=forms, quotas=quotas) + _unknown_keys(route, deadlines)
    if problems:
        raise Refused("bad_phase", f"{name}: " + "; ".join(problems) + ".")
    if number is None:
        last = session.exec(select(func.max(Phase.number)).where(Phase.campaign_id == campaign.id)).one()
        number = (last or 0) + 1
    elif session.exec(select(Phase.id).where(Phase.campaign_id == campaign.id, Phase.number == number)).first():
        raise Refused("phase_taken", f"Phong trào {campaign.code} đã có đợt {number}.")
    phase = Phase(campaign_id=campaign.id or 0, number=number, name=name, starts_on=starts_on, ends_on=ends_on,
                  year_end=year_end, occasion=occasion, forms=list(forms))
    session.add(phase)
    session.flush()
    session.add_all(StageDeadline(phase_id=phase.id or 0, key=key, due_at=end_of_day(day))
                    for key, day in deadlines.items())
    session.add_all(PhaseQuota(phase_id=phase.id or 0, subject=q.subject, title_code=q.title_code,
                               max_count=q.max_count) for q in quotas)
    session.flush()
    return phase


def phase_problems(rules: RuleSet, *, starts_on: date, ends_on: date, year_end: bool, occasion: Occasion,
                   forms: Sequence[str], quotas: Sequence[QuotaSpec]) -> list[str]:
    """What a phase says that its dates or its rule set contradict: a form or a quota on an unknown title, or on a
    yearly title outside the year-end phase."""
    titles = rules.titles
    problems = [] if starts_on <= ends_on else [f"ngày bắt đầu {fmt_date(starts_on)} sau ngày kết thúc "
                                                f"{fmt_date(ends_on)}"]
    if year_end and occasion != Occasion.regular:
        problems.append(f"đợt tổng kết năm học không phải đợt {occasion.label.lower()}")
    problems += [f"danh hiệu '{code}' không có trong bộ quy tắc" for code in forms if code not in titles]
    problems += [f"{titles[code].name} xét tặng hằng năm, chỉ đề nghị ở đợt tổng kết năm học"
                 for code in forms if code in titles and titles[code].yearly and not year_end]
    for quota in quotas:
        title = titles.get(quota.title_code or "")
        if quota.title_code and title is None:
            problems.append(f"chỉ tiêu cho danh hiệu '{quota.title_code}' không có trong bộ quy tắc")
        elif title is not None and title.yearly and not year_end:
            problems.append(f"{title.name} xét tặng hằng năm, chỉ tiêu đặt ở đợt tổng kết năm học")
    return problems


def _unknown_keys(route: Route, deadlines: Mapping[str, date]) -> list[str]:
    keys = {stage.deadline.key for stage in route.stages.values() if stage.deadline}
    return [f"hạn '{key}' không phải hạn của bước nào trong tuyến (có: {', '.join(sorted(keys))})"
            for key in deadlines if key not in keys]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QuotaSpec(Strict):
    """At most `max_count` approved nominations of a subject (and a form, when `title_code`) in the phase."""

    subject: SubjectKind
    max_count: int = Field(gt=0)
    title_code: str | None = None


class PhaseSpec(Strict):
    number: int
    name: str
    starts_on: date
    ends_on: date
    deadlines: dict[str, date]
    quotas: list[QuotaSpec] = []
    year_end: bool = Field(False, description="đợt tổng kết năm học: the year's titles are proposed in it")
    occasion: Occasion = Occasion.regular
    forms: list[str] = Field([], description="the titles the phase proposes, by code (any when empty)")


class ReportSpec(Strict):
    name: str
    due: date = Field(description="by the end of this day")
    by: UnitKind = UnitKind.phong_gddt


class CampaignSpec(Strict):
    code: str
    number: str
    issued_on: date | None = Field(None, description="the day the plan was signed (its 'ngày … tháng …')")
    theme: str
    school_year: str
    rule_set: str
    issued_by: Literal["ubnd", "phong_gddt", "so_gddt"] = Field("ubnd", description="who issued the plan")
    signer: str = Field("", description="the plan's signature block as printed (KT. TRƯỞNG PHÒNG / …)")
    rule_overrides: dict[str, Any] = Field({}, description="the campaign's quy chế over its rule set")
    registration_due: date | None = Field(None, description="block leaders forward registrations by this day")
    phases: list[PhaseSpec] = Field(min_length=1)
    reports: list[ReportSpec] = Field([], description="reports the plan asks by a date (sơ kết, tổng kết)")


def plan_problems(plan: CampaignSpec, rules: RuleSet) -> list[str]:
    """What the plan says that its rule set contradicts: a quota on an unknown title or on a yearly title outside
    the year-end phase, more than one year-end phase."""
    problems = ["kế hoạch chỉ có một đợt tổng kết năm học (year_end)"] \
        if sum(p.year_end for p in plan.phases) > 1 else []
    for phase in plan.phases:
        problems += [f"{phase.name}: {problem}" for problem in phase_problems(
            rules, starts_on=phase.starts_on, ends_on=phase.ends_on, year_end=phase.year_end, occasion=phase.occasion,
            forms=phase.forms, quotas=phase.quotas)]
    return problems


def create_campaign(session: Session, *, plan: CampaignSpec, issuer: Unit, actor: Person | None = None) -> Campaign:
    """The campaign of a plan (kế hoạch), with its phases, deadlines, quotas and reports; Refused, with nothing
    written, when its code is taken or the plan contradicts its rule set. With `actor`, an audit event."""
    if get_campaign_by_code(session, code=plan.code) is not None:
        raise Refused("campaign_taken", f"Đã có phong trào mã '{plan.code}'.")
    if not issuer.kind.is_office:
        raise Refused("bad_issuer", f"{issuer.name} không phải cơ quan ban hành kế hoạch (UBND, Phòng, Sở).")
    overrides = json.dumps(plan.rule_overrides, ensure_ascii=False) if plan.rule_overrides else ""
    try:
        rules = rule_set(plan.rule_set, overrides)
    except ConfigError as exc:
        raise Refused("bad_rules", f"Bộ quy tắc của kế hoạch: {exc}") from exc
    if problems := plan_problems(plan, rules):
        raise Refused("bad_plan", "Kế hoạch có lỗi:\n" + "\n".join(problems))
    campaign = Campaign(code=plan.code, number=plan.number, issued_on=plan.issued_on, theme=plan.theme,
                        signer=plan.signer,
                        school_year=plan.school_year, issuer_unit_id=issuer.id or 0, rule_set=plan.rule_set,
                        rule_overrides=overrides,
                        registration_due=end_of_day(plan.registration_due) if plan.registration_due else None)
    session.add(campaign)
    session.flush()
    session.add_all(ReportDue(campaign_id=campaign.id or 0, name=r.name, due_at=end_of_day(r.due), unit_kind=r.by)
                    for r in plan.reports)
    for phase in plan.phases:
        add_phase(session, campaign=campaign, number=phase.number, name=phase.name, starts_on=phase.starts_on,
                  ends_on=phase.ends_on, deadlines=phase.deadlines, year_end=phase.year_end, occasion=phase.occasion,
                  forms=phase.forms, quotas=phase.quotas)
    if actor is not None:
        record_change(session, actor=actor, action="create_campaign", detail={
            "campaign": plan.code, "issuer": issuer.code, "school_year": plan.school_year, "phases": len(plan.phases)})
    return campaign


def plan_of(session: Session, *, campaign: Campaign) -> CampaignSpec:
    """The campaign written back as its plan (what `create_campaign` reads): for the file an office keeps, and for
    next year's copy."""
    issuer = session.get(Unit, campaign.issuer_unit_id)
    phases = session.exec(select(Phase).where(Phase.campaign_id == campaign.id).order_by(col(Phase.number))).all()
    specs = []
    for phase in phases:
        deadlines = session.exec(select(StageDeadline).where(StageDeadline.phase_id == phase.id)).all()
        quotas = session.exec(select(PhaseQuota).where(PhaseQuota.phase_id == phase.id)).all()
        specs.append(PhaseSpec(
            number=phase.number, name=phase.name, starts_on=phase.starts_on, ends_on=phase.ends_on,
            deadlines={d.key: local(d.due_at).date() for d in deadlines}, year_end=phase.year_end,
            occasion=Occasion(phase.occasion), forms=list(phase.forms),
            quotas=[QuotaSpec(subject=SubjectKind(q.subject), max_count=q.max_count, title_code=q.title_code)
                    for q in quotas]))
    reports = session.exec(select(ReportDue).where(ReportDue.campaign_id == campaign.id)).all()
    return CampaignSpec(
        code=campaign.code, number=campaign.number, issued_on=campaign.issued_on, theme=campaign.theme,
        school_year=campaign.school_year,
        rule_set=campaign.rule_set, signer=campaign.signer,
        issued_by=ISSUERS.get(UnitKind(issuer.kind), "ubnd") if issuer else "ubnd",
        rule_overrides=json.loads(campaign.rule_overrides) if campaign.rule_overrides else {},
        registration_due=local(campaign.registration_due).date() if campaign.registration_due else None,
        phases=specs, reports=[ReportSpec(name=r.name, due=local(r.due_at).date(), by=UnitKind(r.unit_kind))
                               for r in reports])


ISSUERS: dict[UnitKind, Literal["ubnd", "phong_gddt", "so_gddt"]] = {
    UnitKind.phong_gddt: "phong_gddt", UnitKind.so_gddt: "so_gddt"}


def plan_yaml(plan: CampaignSpec) -> str:
    """The plan as YAML, in the order an office reads it."""
    return str(yaml.safe_dump(plan.model_dump(mode="json"), allow_unicode=True, sort_keys=False, width=110))


def a_year_later(day: date) -> date:
    """The same day next year (29/02 becomes 28/02)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def next_year(plan: CampaignSpec, *, code: str) -> CampaignSpec:
    """Last year's plan for the next school year: every date a year later, the school year in its names moved; the
    day of signing left for the new plan's own."""
    first, second = (int(y) for y in plan.school_year.split("-"))
    school_year = f"{first + 1}-{second + 1}"

    def moved(text: str) -> str:
        return text.replace(plan.school_year, school_year).replace(plan.school_year.replace("-", " - "),
                                                                  f"{first + 1} - {second + 1}")

    phases = [phase.model_copy(update={
        "name": moved(phase.name), "starts_on": a_year_later(phase.starts_on), "ends_on": a_year_later(phase.ends_on),
        "deadlines": {key: a_year_later(day) for key, day in phase.deadlines.items()}}) for phase in plan.phases]
    return plan.model_copy(update={
        "code": code, "school_year": school_year, "number": moved(plan.number), "issued_on": None, "theme": plan.theme,
        "phases": phases, "reports": [r.model_copy(update={"due": a_year_later(r.due), "name": moved(r.name)})
                                      for r in plan.reports],
        "registration_due": a_year_later(plan.registration_due) if plan.registration_due else None})
