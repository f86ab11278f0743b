"""Named conditions that the route attaches to actions; config names them, this registry holds them.

Each check takes a CheckContext and returns Violations with a Vietnamese message; none means it passes.
Conditions are never expressions evaluated from config (a route can only name what is registered here).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cached_property

from sqlmodel import Session, col, func, select

from config.route import Clock, Deadline
from config.rules import RuleSet
from config.vocabulary import Occasion, SubjectKind
from models.campaign import Phase, PhaseQuota, deadline_for, quotas_for
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus, Nominee
from models.tally import Key, contribution, counts, lock_phase
from models.unit import Unit, block_members
from models.vote import CouncilVote, VoteTally, ballots_of, council_vote_for, tallies_for
from tdkt.common.errors import Violation
from tdkt.common.timefmt import fmt_date
from tdkt.workflow.clocks import clock_due


@dataclass
class CheckContext:
    session: Session
    dossier: Dossier
    school: Unit
    phase: Phase
    rules: RuleSet
    now: datetime
    deadline: datetime | None
    start_stage: str
    nominations: list[tuple[Nomination, Nominee]]
    school_year: str = ""
    approving: set[int] = field(default_factory=set)
    judged: bool = False  # per-nomination verdicts were given: only the approved ones go on
    deciders: dict[str, str] = field(default_factory=dict)  # who signs the route's decision (Route.deciders)
    start_deadline: Deadline | None = None  # the start stage's: when the schools' submissions close
    clock: Clock | None = None  # the acting stage's statutory clock (config.route.Clock)

    @cached_property
    def vote(self) -> CouncilVote | None:
        """The school council's vote on this dossier (several checks read it; loaded once)."""
        return council_vote_for(self.session, dossier_id=self.dossier.id or 0)

    @cached_property
    def tallies(self) -> dict[int, VoteTally]:
        return tallies_for(self.session, nomination_ids=[n.id or 0 for n, _ in self.nominations])

    def schools_still_voting(self) -> int:
        """How many schools have not yet sent their dossier of the phase while submissions are open: while any
        has not, a count over the whole phase (a district's LĐTT) is not yet known. A dossier returned for
        revision has been sent once: its return does not hold the others up."""
        closes = deadline_for(self.session, phase_id=self.phase.id or 0, key=self.start_deadline.key) \
            if self.start_deadline else None
        if closes is not None and self.now > closes:
            return 0
        query = select(func.count()).select_from(Dossier).where(Dossier.phase_id == self.phase.id,
                                                                 Dossier.stage == self.start_stage,
                                                                 Dossier.round == 1, Dossier.id != self.dossier.id)
        return self.session.exec(query).one()

    def going_on(self) -> list[tuple[Nomination, Nominee]]:
        """The nominations this action carries forward (all of them, or the approved ones under verdicts)."""
        return [(n, p) for n, p in self.nominations if not self.judged or n.id in self.approving]


Check = Callable[[CheckContext], list[Violation]]
CHECKS: dict[str, Check] = {}


def registered(name: str) -> Check:
    """The condition a route names; a route file not checked by `tdkt config validate` may name another."""
    if name not in CHECKS:
        raise RuntimeError(f"Tuyến xét duyệt dùng điều kiện '{name}' chưa được đăng ký: chạy `tdkt config validate`.")
    return CHECKS[name]


def register(name: str) -> Callable[[Check], Check]:
    def wrap(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return wrap


def _pct(value: float) -> str:
    return f"{value * 100:.0f}%"


@register("has_nominations")
def has_nominations(ctx: CheckContext) -> list[Violation]:
    problems = [] if ctx.nominations else [Violation("empty", "Hồ sơ chưa có tập thể, cá nhân nào được đề nghị.")]
    for nomination, nominee in ctx.nominations:
        title = ctx.rules.titles.get(nomination.title_code)
        if title is None:
            problems.append(Violation(
                "unknown_title",
                f"{nominee.full_name}: danh hiệu '{nomination.title_code}' không có trong bộ quy tắc "
                f"{ctx.rules.name}.", nomination.id,
            ))
        elif message := misplaced(ctx.rules, nomination.title_code, nominee.kind, ctx.phase):
            problems.append(Violation("misplaced", f"{nominee.full_name}: {message}", nomination.id))
    return problems


def misplaced(rules: RuleSet, code: str, kind: SubjectKind, phase: Phase) -> str | None:
    """Why a title cannot be proposed for this kind of nominee in this phase, in words; None when it can."""
    title = rules.titles[code]
    if not title.proposed:
        return f"{title.name} là kết quả đánh giá hằng năm, được ghi vào lịch sử khen thưởng, không đề nghị."
    if title.subject != kind:
        return f"{title.name} không xét cho {'cá nhân' if kind == SubjectKind.individual else 'tập thể'}."
    if phase.forms and code not in phase.forms:
        offered = ", ".join(rules.titles[c].name if c in rules.titles else c for c in phase.forms)
        return f"{phase.name} chỉ đề nghị: {offered}; không đề nghị {title.name}."
    if title.yearly and not phase.year_end:
        return (f"{title.name} được xét tặng hằng năm, đề nghị trong đợt tổng kết năm học, không đề nghị trong "
                f"{phase.name}.")
    return None


@register("council_vote_recorded")
def council_vote_recorded(ctx: CheckContext) -> list[Violation]:
    voted = [(n, p) for n, p in ctx.nominations if _voted(ctx.rules, n.title_code)]
    if not voted:  # the pupils' Giấy khen only: granted on their year's results, not by the council's vote
        return []
    if ctx.vote is None:
        return [Violation("no_vote", "Chưa ghi nhận biên bản họp xét của Hội đồng Thi đua – Khen thưởng nhà trường.")]
    tallies = ctx.tallies
    return [
        Violation("no_tally", f"{nominee.full_name}: chưa có kết quả bỏ phiếu.", nomination.id)
        for nomination, nominee in voted
        if nomination.id not in tallies
    ]


def _voted(rules: RuleSet, code: str) -> bool:
    return code not in rules.titles or rules.titles[code].council_vote


@register("council_quorum")
def council_quorum(ctx: CheckContext) -> list[Violation]:
    vote, council = ctx.vote, ctx.rules.council
    if vote is None or vote.members_present >= council.quorum * vote.members_total:
        return []
    return [Violation(
        "no_quorum",
        f"Cuộc họp xét chỉ có {vote.members_present}/{vote.members_total} thành viên có mặt, chưa đạt tỉ lệ "
        f"tối thiểu {_pct(council.quorum)} ({council.quorum_article}).",
    )]


@register("vote_threshold")
def vote_threshold(ctx: CheckContext) -> list[Violation]:
    vote, tallies = ctx.vote, ctx.tallies
    if vote is None:
        return []
    problems = []
    for nomination, nominee in ctx.nominations:
        tally = tallies.get(nomination.id or 0)
        if tally is None or nomination.title_code not in ctx.rules.titles or not _voted(ctx.rules,
                                                                                            nomination.title_code):
            continue
        rule = ctx.rules.vote_rule(nomination.title_code)
        if rule.secret and not vote.secret_ballot:
            problems.append(Violation(
                "open_ballot", f"{nominee.full_name} ({ctx.rules.titles[nomination.title_code].name}): phải bỏ phiếu "
                               f"kín, cuộc họp đã biểu quyết công khai ({rule.article}).", nomination.id))
        base = vote.members_present if rule.of == "present" else vote.members_total
        if rule.passes(tally.votes_for, base):
            continue
        whom = "thành viên có mặt" if rule.of == "present" else "tổng số thành viên Hội đồng"
        problems.append(Violation(
            "below_threshold",
            f"{nominee.full_name} ({ctx.rules.titles[nomination.title_code].name}) chỉ được {tally.votes_for}/"
            f"{base} phiếu đồng ý, chưa đạt {rule.wanted()} {whom} ({rule.article}).",
            nomination.id,
        ))
    return problems


@register("grantor_vote")
def grantor_vote(ctx: CheckContext) -> list[Violation]:
    """At the grantor's council (a stage with `council`): each title that needs that council's vote (the rule
    set's grantor_vote: CSTĐ cấp tỉnh, 90 % of all members, secret) got it, as the rule says."""
    needing = [(n, p, rule) for n, p in ctx.going_on() if n.title_code in ctx.rules.titles
               and (rule := ctx.rules.titles[n.title_code].grantor_vote) is not None]
    vote = ctx.vote if needing else None
    ballots = ballots_of(ctx.session, council_vote_id=vote.id or 0) if vote is not None else {}
    problems = []
    for nomination, nominee, rule in needing:
        title, ballot = ctx.rules.titles[nomination.title_code].name, ballots.get(nomination.id or 0)
        who = f"{nominee.full_name} ({title})"
        if vote is None or ballot is None:
            problems.append(Violation("no_council_vote", f"{who}: chưa có kết quả bỏ phiếu của Hội đồng Thi đua – Khen "
                                                         f"thưởng ({rule.article}).", nomination.id))
            continue
        if rule.secret and not vote.secret_ballot:
            problems.append(Violation("open_ballot", f"{who}: Hội đồng phải bỏ phiếu kín ({rule.article}).",
                                      nomination.id))
        base = vote.members_present if rule.of == "present" else vote.members_total
        if not rule.passes(ballot.votes_for, base):
            whom = "thành viên có mặt" if rule.of == "present" else "tổng số thành viên Hội đồng"
            problems.append(Violation("below_threshold", f"{who} chỉ được {ballot.votes_for}/{base} phiếu đồng ý của "
                                                         f"Hội đồng, chưa đạt {rule.wanted()} {whom} ({rule.article}).",
                                      nomination.id))
    return problems


@register("listing_period")
def listing_period(ctx: CheckContext) -> list[Violation]:
    """A stage's wait (the list public 10 working days before the council meets, Nghị định 98/2023 Điều 46):
    neither the action nor the council's meeting comes before it ends."""
    if ctx.clock is None or ctx.clock.kind != "wait":
        return []
    opens = clock_due(ctx.clock, ctx.dossier)
    vote = ctx.vote
    early = [what for what, moment in (("hôm nay", ctx.now), ("ngày họp Hội đồng", None if vote is None else
                                                              datetime.combine(vote.held_on, time(12), opens.tzinfo)))
             if moment is not None and moment < opens]
    if not early:
        return []
    return [Violation("listing_period", f"Chưa hết thời gian công khai danh sách ({', '.join(early)} trước ngày "
                                        f"{fmt_date(opens)}): {ctx.clock.working_days} ngày làm việc trước khi "
                                        f"Hội đồng họp ({ctx.clock.article}).")]


@register("block_complete")
def block_complete(ctx: CheckContext) -> list[Violation]:
    """All member schools have sent their dossiers — unless the block's deadline has passed; in an ad hoc phase
    (khen thưởng đột xuất), all those that opened one."""
    if ctx.deadline is not None and ctx.now > ctx.deadline:
        return []
    members = block_members(ctx.session, block_id=ctx.school.block_id or 0)
    if ctx.phase.occasion == Occasion.ad_hoc:  # only the schools where the feat happened propose
        opened = set(ctx.session.exec(select(Dossier.school_id).where(Dossier.phase_id == ctx.phase.id)).all())
        members = [m for m in members if m.id in opened]
    sent = _sent(ctx, [m.id or 0 for m in members])
    missing = [m.name for m in members if m.id not in sent]
    if not missing:
        return []
    return [Violation("block_incomplete", f"Khối còn {len(missing)} trường chưa gửi hồ sơ: {', '.join(missing)}.")]


def _sent(ctx: CheckContext, schools: list[int]) -> set[int]:
    """Which of `schools` have sent their dossier of the phase (as this transaction sees them: a school returned
    a moment ago in the same batch has not)."""
    query = select(Dossier.school_id).where(Dossier.phase_id == ctx.phase.id, Dossier.stage != ctx.start_stage,
                                            col(Dossier.school_id).in_(schools))
    return set(ctx.session.exec(query).all())


@register("decision_authority")
def decision_authority(ctx: CheckContext) -> list[Violation]:
    """What goes on to the decision is within the authority of whoever signs it: a title whose grantors (its
    `granted_by`) do not include the decision's signer is proposed to the level that grants it, never decided
    here (a district chairman cannot grant Chiến sĩ thi đua cấp tỉnh)."""
    signer = " / ".join(ctx.deciders.values())
    problems = []
    for nomination, nominee in ctx.going_on():
        if nomination.title_code not in ctx.rules.titles:  # has_nominations names an unknown title
            continue
        grantors, title = ctx.rules.beyond(nomination.title_code, ctx.deciders), ctx.rules.titles[nomination.title_code]
        if not grantors:
            continue
        problems.append(Violation(
            "beyond_authority",
            f"{nominee.full_name}: {title.name} do {grantors} quyết định, không thuộc thẩm quyền của {signer}; "
            f"hãy đề nghị cấp trên khen thưởng, hoặc không đề nghị danh hiệu này ({ctx.rules.authority_article}).",
            nomination.id,
        ))
    return problems


APPROVED = (NominationStatus.approved, NominationStatus.granted)  # statuses that count against a quota or cap


def _quota_matches(quota: PhaseQuota, nomination: Nomination, nominee: Nominee) -> bool:
    return nominee.kind == quota.subject and quota.title_code in (None, nomination.title_code)


def filled(quota: PhaseQuota, phase_counts: Counter[Key], rules: RuleSet) -> int:
    """How many of the quota's nominations a phase tally (models.tally) counts as approved. A title belongs to one
    subject (services.add_nomination refuses a nominee of the other), so the rule set tells whose it is."""
    return sum(n for (code, status), n in phase_counts.items()
               if status in APPROVED and quota.title_code in (None, code)
               and code in rules.titles and rules.titles[code].subject == quota.subject)


def lock_if_raising(ctx: CheckContext, approving: list[Nomination]) -> None:
    """Take the phase's lock when approving these raises a phase count that other approvals read (the tally
    counts neither a dossier still at its school nor a nomination not yet approved): such approvals are decided
    one at a time. One that only confirms counted approvals (a verification) need not wait."""
    if any(ctx.dossier.stage == ctx.start_stage or n.status not in APPROVED for n in approving):
        lock_phase(ctx.session, phase_id=ctx.phase.id or 0)


def others_in_phase(ctx: CheckContext) -> Counter[Key]:
    """The phase's tally (as this transaction sees it) less the acting dossier's own part in it: the counts of
    every other dossier that has left the schools, their nominations in play (withdrawn and rejected ones not).
    Read after `lock_if_raising`, so that no approval committed meanwhile is missed."""
    others = counts(ctx.session, phase_id=ctx.phase.id or 0)
    others.subtract(contribution(ctx.dossier.stage, ctx.start_stage,
                                 [(n.title_code, n.status) for n, _ in ctx.nominations]))
    return others


@register("phase_quota")
def phase_quota(ctx: CheckContext) -> list[Violation]:
    """Approved nominations of the whole phase, counting this action's, stay within each quota.

    The others' approvals are read from the phase tally, not counted over the phase's nominations (20,000 in a
    province) at every approval."""
    quotas = quotas_for(ctx.session, phase_id=ctx.phase.id or 0)
    if not quotas:
        return []
    approving = {quota.id: [n for n, p in ctx.nominations if n.id in ctx.approving and _quota_matches(quota, n, p)]
                 for quota in quotas}
    lock_if_raising(ctx, [n for nominations in approving.values() for n in nominations])
    others = others_in_phase(ctx)
    problems = []
    for quota in quotas:
        already, adding = filled(quota, others, ctx.rules), len(approving[quota.id])
        if already + adding > quota.max_count:
            what = "cá nhân" if quota.subject == SubjectKind.individual else "tập thể"
            title = f" ({ctx.rules.titles[quota.title_code].name})" if quota.title_code in ctx.rules.titles else ""
            problems.append(Violation(
                "over_quota",
                f"Vượt chỉ tiêu của {ctx.phase.name}: tối đa {quota.max_count} {what}{title}; đã duyệt "
                f"{already}, hồ sơ này đề nghị thêm {adding}.",
            ))
    return problems


