"""A person's work list: the dossiers they can act on now, and (for a school) the phases it can open a dossier in.

It is what the signed-in home page shows; acting still goes through an action link issued for the person,
the dossier and its stage, so the rules of links (single use, moved on, expiry) hold from here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from config.route import Route
from models.campaign import Campaign, Phase, StageDeadline
from models.dossier import Dossier
from models.unit import Person, Unit
from tdkt.workflow.engine import may_act


@dataclass(frozen=True)
class Item:
    dossier_id: int
    school: str
    phase: str
    stage: str
    can_act: bool
    due: datetime | None = None  # the deadline of the stage the dossier is at


@dataclass(frozen=True)
class Worklist:
    person: Person
    unit: Unit
    items: list[Item]
    phases_to_open: list[Phase]  # open phases in which the person's school has no dossier yet
    office_phases: list[Phase]  # phases whose dashboard an office person may look at


def worklist(session: Session, *, person: Person, route: Route, today: date) -> Worklist:
    unit = session.get(Unit, person.unit_id)
    assert unit is not None
    acting_stages = [name for name, stage in route.stages.items()
                     if stage.actors is not None and person.role in stage.actors.roles]
    query = select(Dossier, Unit, Phase).join(Unit, col(Unit.id) == Dossier.school_id).join(
        Phase, col(Phase.id) == Dossier.phase_id)
    own = query.where(Dossier.school_id == unit.id)
    waiting = query.where(col(Dossier.stage).in_(acting_stages))
    rows = {d.id: (d, s, p) for d, s, p in [*session.exec(own).all(), *session.exec(waiting).all()]}
    answers: dict[tuple[str, int | None, str], bool] = {}
    open_phases = session.exec(select(Phase).where(Phase.starts_on <= today, Phase.ends_on >= today)
                               .order_by(col(Phase.starts_on))).all()
    years = dict(session.exec(select(Phase.id, Campaign.school_year).join(
        Campaign, col(Campaign.id) == Phase.campaign_id).where(col(Phase.id).in_(
            {d.phase_id for d, _, _ in rows.values()} | {p.id for p in open_phases}))).all())

    def can_act(stage: str, school: Unit, phase_id: int) -> bool:
        """may_act in the phase's school year (a role given for another year does not act), worked out once per
        stage, year and what its actors' unit is found from (the school itself, its block, or its parent for an
        office), not once per dossier of a long queue."""
        actors = route.stages[stage].actors
        unit = actors.unit if actors is not None else None
        found_from = school.id if unit == "school" else school.block_id if unit == "block_leader" else school.parent_id
        key = (stage, found_from, years.get(phase_id, ""))
        if key not in answers:
            answers[key] = may_act(session, route=route, stage_name=stage, actor=person, school=school,
                                   school_year=years.get(phase_id))
        return answers[key]

    phase_ids = {d.phase_id for d, _, _ in rows.values()}
    deadlines = {(sd.phase_id, sd.key): sd.due_at for sd in session.exec(
        select(StageDeadline).where(col(StageDeadline.phase_id).in_(phase_ids)))} if phase_ids else {}

    def due(dossier: Dossier) -> datetime | None:
        deadline = route.stages[dossier.stage].deadline
        return deadlines.get((dossier.phase_id, deadline.key)) if deadline is not None else None

    items = [Item(dossier_id=d.id or 0, school=s.name, phase=p.name, stage=route.stages[d.stage].label,
                  can_act=can_act(d.stage, s, d.phase_id), due=due(d))
             for d, s, p in sorted(rows.values(), key=lambda r: (r[2].starts_on, r[1].name))]
    items = [i for i in items if i.can_act or rows[i.dossier_id][1].id == unit.id]
    has_dossier = {d.phase_id for d, s, _ in rows.values() if s.id == unit.id}
    return Worklist(
        person=person, unit=unit, items=items,
        phases_to_open=[p for p in open_phases if p.id not in has_dossier and can_act(route.start, unit, p.id or 0)],
        office_phases=list(session.exec(select(Phase).join(Campaign).order_by(col(Phase.starts_on))).all())
        if unit.kind.is_office else [],
    )
