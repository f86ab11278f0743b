"""A campaign's phases (đợt): the plan's own, and those an office opens during the year — a theme's (khen thưởng
chuyên đề) or an ad hoc one for a feat that cannot wait for the next phase (khen thưởng đột xuất)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, func, select

from config.route import Route, default_route
from config.rules import RuleSet, campaign_rules
from config.vocabulary import Occasion, SubjectKind
from models.campaign import Campaign, Phase, PhaseQuota, StageDeadline
from tdkt.common.errors import Refused
from tdkt.common.text import entered
from tdkt.common.timefmt import end_of_day, fmt_date


@dataclass(frozen=True)
class Quota:
    """At most `max_count` approved nominations of a subject (and a form, when `title_code`) in the phase."""

    subject: SubjectKind
    max_count: int
    title_code: str | None = None

    def __post_init__(self) -> None:
        if self.max_count <= 0:
            raise Refused("bad_quota", "Chỉ tiêu phải là số dương.")


def add_phase(session: Session, *, campaign: Campaign, name: str, starts_on: date, ends_on: date,
              deadlines: Mapping[str, date], number: int | None = None, year_end: bool = False,
              occasion: Occasion = Occasion.regular, forms: Sequence[str] = (), quotas: Sequence[Quota] = (),
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
                   forms: Sequence[str], quotas: Sequence[Quota]) -> list[str]:
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
