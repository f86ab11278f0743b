"""The rule set's own conditions on each nomination: preconditions, required papers and ratio caps.

Registered as the route check "award_rules", so the route decides where it applies (the school's
submission, the block's forward, each review). Every violation names the nominee and cites the article.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from config.rules import RatioCap, Requirement, RuleSet, Title
from config.vocabulary import PAPER_KINDS
from models.award import school_year_start, years_held
from models.campaign import Campaign, Phase
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus, Nominee
from models.paper import paper_kinds
from models.registration import forwarded_entries
from tdkt.common.errors import Violation
from tdkt.common.text import fold
from tdkt.common.timefmt import fmt_date
from tdkt.workflow import members
from tdkt.workflow.checks import APPROVED, CheckContext, lock_if_raising, others_in_phase, register

LIVE = (NominationStatus.proposed, *APPROVED, NominationStatus.returned)


@register("award_rules")
def award_rules(ctx: CheckContext) -> list[Violation]:
    going_on = [(n, p) for n, p in ctx.going_on() if n.title_code in ctx.rules.titles]
    return [*_registration(ctx, going_on), *_preconditions(ctx, going_on), *_papers(ctx, going_on),
            *_caps(ctx, going_on)]


def _registration(ctx: CheckContext, going_on: list[tuple[Nomination, Nominee]]) -> list[Violation]:
    """Each nomination for a yearly title that the school did not register for (see `unregistered`)."""
    campaign = ctx.session.get(Campaign, ctx.phase.campaign_id)
    if campaign is None:
        return []
    gaps = unregistered(ctx.session, rules=ctx.rules, campaign=campaign, school_id=ctx.school.id or 0,
                        pairs=going_on)
    return [Violation("not_registered", f"{nominee.full_name}: {gaps[nomination.id or 0]}.", nomination.id)
            for nomination, nominee in going_on if (nomination.id or 0) in gaps]


def registration_asked(rules: RuleSet, campaign: Campaign) -> bool:
    """Whether this campaign's nominations for yearly titles must match a registration: the rule set requires
    one and the campaign has a registration date."""
    return rules.registration is not None and rules.registration.required and campaign.registration_due is not None


def unregistered(session: Session, *, rules: RuleSet, campaign: Campaign, school_id: int,
                 pairs: list[tuple[Nomination, Nominee]]) -> dict[int, str]:
    """Nomination id → what is missing, where the rule set requires a registration and the campaign has one:
    each nomination for a yearly title (a danh hiệu thi đua: what one registers for) must match the school's
    forwarded registration — the same nominee registered for this title, or for a title that requires this one
    (CSTĐCS implies LĐTT). Giấy khen and other forms need none. The submission's check and the page's
    eligibility both read it, so the page does not say "đủ điều kiện" to what the submission will refuse."""
    rule = rules.registration
    if rule is None or not registration_asked(rules, campaign):
        return {}
    held = {(fold(e.full_name), e.kind, e.title_code)
            for e in forwarded_entries(session, campaign_id=campaign.id or 0, school_id=school_id)}
    gaps = {}
    for nomination, nominee in pairs:
        title = rules.titles.get(nomination.title_code)
        if title is None or not title.yearly or title.kind != "danh_hieu":
            continue
        implied = {code for code, t in rules.titles.items()
                   if any(r.with_title == nomination.title_code for r in t.requires)}
        if not any((fold(nominee.full_name), nominee.kind, code) in held for code in {nomination.title_code, *implied}):
            gaps[nomination.id or 0] = f"chưa đăng ký thi đua danh hiệu {title.name} trong năm học ({rule.article})"
    return gaps


@dataclass(frozen=True)
class Record:
    """What the award history and the campaign say of the nominees being judged."""

    year: int  # first calendar year of the school year
    judged_on: date  # the phase's last day: LĐTT's months of service are counted to it
    held: dict[tuple[int, str], set[int]]  # (nominee, title) → years granted
    proposed: set[tuple[int, str]]  # (nominee, title) nominated and live in the campaign


def record_for(session: Session, *, phase: Phase, school_year: str, nominee_ids: list[int]) -> Record:
    return Record(school_year_start(school_year), phase.ends_on, years_held(session, nominee_ids=nominee_ids),
                  proposed_in_campaign(session, campaign_id=phase.campaign_id, nominee_ids=nominee_ids))


def _preconditions(ctx: CheckContext, going_on: list[tuple[Nomination, Nominee]]) -> list[Violation]:
    record = record_for(ctx.session, phase=ctx.phase, school_year=ctx.school_year,
                        nominee_ids=[p.id or 0 for _, p in going_on])
    problems = []
    for nomination, nominee in going_on:
        title = ctx.rules.titles[nomination.title_code]
        problems += [Violation("precondition", f"{nominee.full_name}: {title.name} {message} ({article}).",
                               nomination.id)
                     for message, article in shortfalls(ctx.rules, nomination.title_code, nomination, nominee, record)]
    return problems


# Built once, with bound parameters: the award rules run on every approval (benchmarks/README.md).
PROPOSED_IN_CAMPAIGN = (
    sa_select(col(Nomination.nominee_id), col(Nomination.title_code))
    .join(Dossier, col(Dossier.id) == Nomination.dossier_id)
    .where(col(Nomination.nominee_id).in_(bindparam("nominee_ids", expanding=True)),
           col(Nomination.withdrawn) == False, col(Nomination.status).in_(LIVE),  # noqa: E712
           col(Dossier.phase_id).in_(select(Phase.id).where(col(Phase.campaign_id) == bindparam("campaign_id")))))


def proposed_in_campaign(session: Session, *, campaign_id: int, nominee_ids: list[int]) -> set[tuple[int, str]]:
    """(nominee, title) pairs nominated and still live in the campaign (its school year), any phase."""
    rows = session.execute(PROPOSED_IN_CAMPAIGN, {"campaign_id": campaign_id, "nominee_ids": nominee_ids})
    return {(nominee_id, code) for nominee_id, code in rows}


def shortfalls(rules: RuleSet, code: str, nomination: Nomination, nominee: Nominee,
               record: Record) -> list[tuple[str, str]]:
    """What the nomination misses of title `code`'s requirements: (in words, the article it comes from). A
    collective's missing figures are asked for once for all the title's conditions on its members."""
    title = rules.titles[code]
    asking = members.missing(rules, title, nomination.member_figures)
    found = [(asking, title.article)] if asking else []
    return found + [(message, need.article) for need in title.requires if not (asking and need.members)
                    and (message := unmet(rules, need, nomination, nominee, record))]


def unmet(rules: RuleSet, need: Requirement, nomination: Nomination, nominee: Nominee, record: Record) -> str | None:
    """What is missing for one requirement, in words, or None when it is met."""
    if need.any_of is not None:
        misses = [[m for r in group if (m := unmet(rules, r, nomination, nominee, record))] for group in need.any_of]
        if any(not missed for missed in misses):
            return None
        return "chưa đạt phương án nào: " + "; hoặc ".join(" và ".join(missed) for missed in misses)
    if need.members is not None:
        return members.unmet(rules, need, nomination.member_figures)
    if need.initiative:
        return None if (nomination.initiative or "").strip() else \
            "cần có sáng kiến được cơ sở công nhận (hãy ghi tên sáng kiến)"
    if need.not_disciplined:
        return "không xét tặng cá nhân bị kỷ luật trong năm học" if nomination.disciplined else None
    if need.served_months is not None:
        return _service(need.served_months, nominee.recruited_on, record.judged_on)
    code = need.with_title or need.history or ""
    name = rules.titles[code].name
    year = record.year
    years = set(record.held.get((nominee.id or 0, code), set()))
    if (nominee.id or 0, code) in record.proposed:
        years.add(year)
    if need.with_title:
        return None if year in years else f"cần đồng thời đạt danh hiệu {name} trong năm học"
    n = need.consecutive_years
    if set(range(year - n + 1, year + 1)) <= years or set(range(year - n, year)) <= years:
        return None
    shown = ", ".join(f"{y}-{y + 1}" for y in sorted(years)) or "chưa có năm nào"
    return f"cần {n} năm liên tục đạt {name}; đã ghi nhận: {shown}"


def _service(months: int, recruited: date | None, judged_on: date) -> str | None:
    """Recruited fewer than `months` months before the phase ends, in words; None when not, or not known."""
    if recruited is None:
        return None
    served = (judged_on.year - recruited.year) * 12 + judged_on.month - recruited.month \
        - (judged_on.day < recruited.day)
    if served >= months:
        return None
    return (f"không xét tặng cá nhân mới tuyển dụng dưới {months} tháng (tuyển dụng ngày {fmt_date(recruited)}, "
            f"đến {fmt_date(judged_on)} được {max(served, 0)} tháng)")


def _papers(ctx: CheckContext, going_on: list[tuple[Nomination, Nominee]]) -> list[Violation]:
    own = [d for d in (ctx.dossier.id, ctx.dossier.parent_id) if d]  # a grantor's part reads the school's papers
    attached = set().union(*paper_kinds(ctx.session, dossier_ids=own).values())
    problems = []
    for nomination, nominee in going_on:
        title: Title = ctx.rules.titles[nomination.title_code]
        missing = [PAPER_KINDS[k] for k in title.papers if k not in attached]
        if missing:
            cited = title.papers_article or title.article
            problems.append(Violation("paper_missing", f"{nominee.full_name}: {title.name} cần kèm "
                                                       f"{', '.join(missing)} ({cited}).", nomination.id))
    return problems


def _caps(ctx: CheckContext, going_on: list[tuple[Nomination, Nominee]]) -> list[Violation]:
    problems = []
    for cap in ctx.rules.caps:
        if cap.scope == "phase" and not ctx.judged:
            continue  # the phase's count is complete only when reviewers decide
        capped = [n for n, _ in going_on if n.title_code == cap.title]
        if not capped:
            continue
        if cap.scope == "phase" and (waiting := ctx.schools_still_voting()):
            message = (f"Chưa xét được tỉ lệ {cap.max_share * 100:g}% {ctx.rules.titles[cap.title].name} trên số "
                       f"{ctx.rules.titles[cap.of].name} của {ctx.phase.name}: còn {waiting} trường chưa gửi hồ sơ; "
                       f"hãy xét sau khi các trường đã gửi hoặc hết hạn gửi ({cap.article}).")
            problems += [Violation("cap_not_yet", message, n.id) for n in capped]
            continue
        counts = _counts(ctx, cap, going_on)
        allowed = cap.allowed(counts[cap.of])
        if counts[cap.title] > allowed:
            title, base = ctx.rules.titles[cap.title].name, ctx.rules.titles[cap.of].name
            where = "hồ sơ này" if cap.scope == "dossier" else ctx.phase.name
            message = (f"{title}: {counts[cap.title]} được duyệt trong {where} (kể cả hồ sơ này), vượt "
                       f"{cap.max_share * 100:g}% số {base} ({counts[cap.of]}), tối đa {allowed} ({cap.article}).")
            problems += [Violation("over_ratio", message, n.id) for n in capped]
    return problems


def _counts(ctx: CheckContext, cap: RatioCap, going_on: list[tuple[Nomination, Nominee]]) -> dict[str, int]:
    """This action's nominations for the cap's two titles and, for a phase cap, the phase's others that have
    left the schools: of the capped title those already approved (first approved, first served), of the base
    title every one still live."""
    counts = {code: sum(1 for n, _ in going_on if n.title_code == code) for code in (cap.title, cap.of)}
    if cap.scope == "phase":
        lock_if_raising(ctx, [n for n, _ in going_on if n.title_code == cap.title])
        others = others_in_phase(ctx)
        for code, statuses in ((cap.title, APPROVED), (cap.of, LIVE)):
            counts[code] += sum(others[(code, str(status))] for status in statuses)
    return counts
