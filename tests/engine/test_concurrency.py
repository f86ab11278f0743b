"""Two reviewers act on one dossier at the same moment: exactly one transition happens."""

from __future__ import annotations

import threading

from sqlmodel import Session, func, select

from models.audit import AuditEvent
from models.db import get_engine
from models.dossier import Dossier
from tdkt import services
from tdkt.errors import TransitionRefused
from tests.factories import at, make_district, submit_school


def test_two_reviewers_approve_at_once(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, _ = submit_school(session, district, school, now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    session.commit()
    reviewers = [district.people["phong_reviewer"], district.people["phong_head"]]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def review(reviewer_id: int) -> None:
        with Session(get_engine(db_url)) as own:
            barrier.wait()
            try:
                reviewer = own.get(type(reviewers[0]), reviewer_id)
                services.act(own, dossier_id=dossier_id, actor=reviewer, action="approve", now=at(3))
                own.commit()
                outcomes.append("done")
            except TransitionRefused as refusal:
                own.rollback()
                outcomes.append(refusal.code)

    threads = [threading.Thread(target=review, args=(r.id,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["done", "invalid_action"]
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "noivu_verification"
    approvals = session.exec(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "approve")).one()
    assert approvals == 1
