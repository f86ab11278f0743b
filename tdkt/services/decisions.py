"""The grantor's decisions (quyết định khen thưởng): one per grantor and form, each with its annex.

A grantor signs once for everything awaiting it in a phase, and that act issues one decision per form it grants
(a decision công nhận Lao động tiên tiến, another tặng Giấy khen …), numbered one after another in the issuer's
register of the year, as a văn thư files them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from config.route import Route, default_route
from config.rules import RuleSet, campaign_rules
from config.vocabulary import SubjectKind, UnitKind
from models.award import AwardRecord, school_year_start
from models.campaign import Campaign, Phase, school_year_of
from models.db import insert_new
from models.decision import Decision, DecisionEntry, following_number, next_decision_number, number_taken
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus, Nominee
from models.unit import Person, Unit
from tdkt.common.errors import Refused
from tdkt.common.timefmt import local
from tdkt.workflow.engine import apply_all, may_act

DECISION_CODES = {UnitKind.so_gddt: "QĐ-SGDĐT"}  # a decision's number code by its issuer (Nghị định 30/2020)


@dataclass(frozen=True)
class Granted:
    """One line of a decision's annex, as read when the decision is issued."""

    nomination_id: int
    title_code: str
    nominee_id: int
    name: str
    position: str | None
    unit: str


def _step(route: Route, actor: Person) -> tuple[str, str]:
    step = route.decision_step_for(actor.role) or route.decision_step()
    if step is None:
        raise Refused("no_decision_step", "Tuyến xét duyệt này không có bước ra quyết định.")
    return step


def awaiting(session: Session, *, route: Route, phase_id: int, actor: Person,
             on: date | None = None) -> list[Dossier]:
    """The dossiers of the phase awaiting the actor's decision: those of the schools whose grantor the actor is
    (a database may hold several districts, each with its chairman; a school head decides the pupils' Giấy khen
    of the head's own school only; a delegate, on day `on`, today by default)."""
    stage, _ = _step(route, actor)
    query = select(Dossier).where(Dossier.phase_id == phase_id, Dossier.stage == stage)
    actors = route.stages[stage].actors
    if actors is not None and actors.unit == "school":
        query = query.where(Dossier.school_id == actor.unit_id)
    dossiers = list(session.exec(query.order_by(col(Dossier.id))).all())
    schools = {u.id: u for u in session.exec(select(Unit).where(col(Unit.id).in_({d.school_id for d in dossiers})))}
    year = school_year_of(session, phase_id=phase_id)
    answers: dict[int | None, bool] = {}

    def grants_for(school: Unit) -> bool:
        """may_act, asked once per school's parent: the schools of one Phòng share their grantor."""
        key = school.id if actors is not None and actors.unit == "school" else school.parent_id
        if key not in answers:
            answers[key] = may_act(session, route=route, stage_name=stage, actor=actor, school=school, on=on,
                                   school_year=year)
        return answers[key]

    return [d for d in dossiers if grants_for(schools[d.school_id])]


def decide(session: Session, *, phase_id: int, actor: Person, signed_on: date, number: str | None = None,
           now: datetime | None = None, route: Route | None = None) -> list[Decision]:
    """Issue the phase's decisions of the actor's authority (the decision step whose signer has the actor's role:
    the district chairman's, a higher grantor's on its track, a school head's): every dossier awaiting it is
    decided, its approved nominees granted, one decision per form. `number` is the first decision's; the others
    take the numbers that follow it (the register's next numbers when it is not given)."""
    route = route or default_route()
    dossiers = awaiting(session, route=route, phase_id=phase_id, actor=actor, on=local(now).date() if now else None)
    if not dossiers:
        raise Refused("nothing_to_decide", "Chưa có hồ sơ nào chờ quyết định khen thưởng trong đợt này.")
    issuer = session.get(Unit, actor.unit_id)
    phase = session.get(Phase, phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    assert issuer is not None and campaign is not None
    if number and number_taken(session, issuer_unit_id=issuer.id or 0, year=signed_on.year, number=number):
        raise Refused("number_taken", f"Số quyết định {number} đã được {issuer.name} dùng trong năm {signed_on.year}; "
                                      "hãy ghi số khác hoặc để trống để lấy số tiếp theo.")
    results = apply_all(session, dossiers, actor=actor, action=_step(route, actor)[1], now=now, route=route)
    rules = campaign_rules(campaign)
    forms = by_form(rules, _lines(session, [d.id or 0 for d in dossiers], NominationStatus.granted))
    if number and len(forms) > 1 and following_number(number) is None:
        raise Refused("number_form", f"Lần ký này ban hành {len(forms)} quyết định (mỗi hình thức khen thưởng một "
                                     f"quyết định) nên cần {len(forms)} số liên tiếp; số '{number}' không bắt đầu "
                                     "bằng số thứ tự. Hãy ghi số dạng 12/QĐ-UBND hoặc để trống.")
    decisions = []
    for form, rows in forms.items():
        chosen = _number(session, issuer=issuer, year=signed_on.year, wanted=number)
        decision = Decision(phase_id=phase_id, signed_on=signed_on, issuer_unit_id=issuer.id or 0, year=signed_on.year,
                            signer_id=actor.id or 0, audit_event_id=results[0].audit_event_id, number=chosen, form=form)
        session.add(decision)
        session.flush()
        _annex(session, decision=decision, rows=rows, rules=rules, year=school_year_start(campaign.school_year))
        decisions.append(decision)
        number = following_number(chosen) if number else None
    return decisions


def _number(session: Session, *, issuer: Unit, year: int, wanted: str | None) -> str:
    """`wanted`, or the first free number of the issuer's register from there (a number typed by hand may have
    taken the next one)."""
    candidate = wanted or next_decision_number(session, issuer_unit_id=issuer.id or 0, year=year,
                                               code=_code(issuer))
    while number_taken(session, issuer_unit_id=issuer.id or 0, year=year, number=candidate):
        candidate = following_number(candidate) or candidate + "a"
    return candidate


def _code(issuer: Unit) -> str:
    if issuer.kind == UnitKind.school:  # a school head's decision: QĐ- and the school's level (QĐ-TH)
        return f"QĐ-{issuer.level or 'TR'}"
    return DECISION_CODES.get(issuer.kind, "QĐ-UBND")


def by_form(rules: RuleSet, rows: Sequence[Granted]) -> dict[str, list[Granted]]:
    """The granted lines by the form they are decided in, forms in the rule set's order; in each, collectives
    before individuals (the annex's parts I and II), then by unit and name."""
    order = {code: i for i, code in enumerate(rules.titles)}

    def key(row: Granted) -> tuple[int, bool, int, str, str]:
        title = rules.titles.get(row.title_code)
        individual = title is not None and title.subject == SubjectKind.individual
        return (order.get(rules.form_of(row.title_code), len(order)), individual,
                order.get(row.title_code, len(order)), row.unit, row.name)

    forms: dict[str, list[Granted]] = {}
    for row in sorted(rows, key=key):
        forms.setdefault(rules.form_of(row.title_code), []).append(row)
    return forms


def _lines(session: Session, dossier_ids: list[int], status: NominationStatus) -> list[Granted]:
    rows = session.execute(  # sqlalchemy's select: sqlmodel's is typed for four columns at most
        sa_select(col(Nomination.id), col(Nomination.title_code), col(Nominee.id), col(Nominee.full_name),
                  col(Nominee.position), col(Unit.name))
        .join(Nominee, col(Nominee.id) == Nomination.nominee_id)
        .join(Unit, col(Unit.id) == Nominee.unit_id)
        .where(col(Nomination.dossier_id).in_(dossier_ids), col(Nomination.status) == status,
               col(Nomination.withdrawn) == False)  # noqa: E712
    ).all()
    return [Granted(*row) for row in rows]


def _annex(session: Session, *, decision: Decision, rows: list[Granted], rules: RuleSet, year: int) -> None:
    # as rows, not objects: a province's decision writes two rows for each of its thousands of nominees
    session.execute(insert(DecisionEntry), [  # in annex order
        {"decision_id": decision.id, "nomination_id": r.nomination_id, "nominee_name": r.name,
         "position": r.position, "unit_name": r.unit, "title_code": r.title_code,
         "title_name": rules.titles[r.title_code].name} for r in rows])
    # the history says which titles a nominee held in a year: a second Giấy khen of the year (another phase's)
    # is in its decision's annex, not again in the history
    insert_new(session, AwardRecord, [
        {"nominee_id": r.nominee_id, "title_code": r.title_code, "year": year, "decision_number": decision.number,
         "decision_id": decision.id} for r in rows], key=["nominee_id", "title_code", "year"])


def decision_preview(session: Session, *, phase_id: int, actor: Person,
                     route: Route | None = None) -> list[tuple[str, str, str]]:
    """What the actor's decisions would grant now, as their annexes will list it: (unit, nominee, title), by form,
    then unit and name, for the signer to see before signing."""
    route = route or default_route()
    dossiers = awaiting(session, route=route, phase_id=phase_id, actor=actor) \
        if route.decision_step_for(actor.role) or route.decision_step() else []
    phase = session.get(Phase, phase_id)
    campaign = session.get(Campaign, phase.campaign_id) if phase else None
    if not dossiers or campaign is None:
        return []
    rules = campaign_rules(campaign)
    rows = _lines(session, [d.id or 0 for d in dossiers], NominationStatus.approved)
    return [(r.unit, r.name, rules.titles[r.title_code].name if r.title_code in rules.titles else r.title_code)
            for rows_of_form in by_form(rules, rows).values() for r in rows_of_form]
