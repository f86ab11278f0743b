"""Bulk approval: a reviewer approves a whole block's clean dossiers in one confirmed step.

"Clean" means the stage's approval passes every check with every nomination approved. Each dossier is still
its own transition — one audit event and one verdict per nomination — applied in one transaction for the
batch; the others are listed with what stops them, for the reviewer to open one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from config.route import Route, default_route
from models.db import utcnow
from models.dossier import Dossier
from models.unit import Person, Unit
from tdkt.common.errors import TransitionRefused
from tdkt.workflow.engine import TransitionResult, apply, may_act, preview


@dataclass(frozen=True)
class Candidate:
    dossier_id: int
    school: str
    action: str
    problems: list[str]

    @property
    def clean(self) -> bool:
        return not self.problems


def candidates(session: Session, *, phase_id: int, block_id: int, actor: Person, now: datetime | None = None,
               route: Route | None = None) -> list[Candidate]:
    """The block's dossiers waiting for `actor` at a stage decided per nomination, each previewed."""
    route, now = route or default_route(), now or utcnow()
    rows = session.exec(select(Dossier, Unit).join(Unit, col(Unit.id) == Dossier.school_id)
                        .where(Dossier.phase_id == phase_id, Unit.block_id == block_id).order_by(col(Unit.name))).all()
    found = []
    for dossier, school in rows:
        stage = route.stages[dossier.stage]
        if stage.verdicts is None or not may_act(session, route=route, stage_name=dossier.stage, actor=actor,
                                                 school=school):
            continue
        action = stage.verdicts.approve
        problems = [v.message for v in preview(session, dossier=dossier, action=action, now=now, route=route,
                                               approve_all=True)]
        found.append(Candidate(dossier_id=dossier.id or 0, school=school.name, action=action, problems=problems))
    return found


def approve_clean(session: Session, *, phase_id: int, block_id: int, actor: Person, now: datetime | None = None,
                  route: Route | None = None) -> tuple[list[TransitionResult], list[Candidate]]:
    """Approve every clean candidate, one transition each; a dossier that an earlier one in the batch made
    unclean (a quota reached) is left, with why. Returns the results and the dossiers left."""
    route, now = route or default_route(), now or utcnow()
    done, left = [], []
    for candidate in candidates(session, phase_id=phase_id, block_id=block_id, actor=actor, now=now, route=route):
        if not candidate.clean:
            left.append(candidate)
            continue
        try:
            with session.begin_nested():
                done.append(apply(session, dossier_id=candidate.dossier_id, actor=actor, action=candidate.action,
                                  now=now, route=route))
        except TransitionRefused as refusal:
            left.append(Candidate(candidate.dossier_id, candidate.school, candidate.action,
                                  [v.message for v in refusal.violations] or [refusal.message]))
    return done, left
