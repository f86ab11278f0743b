"""Transitions at the same moment: two reviewers on one dossier (exactly one transition happens), two approvals
that would together overfill a phase-wide count (one waits for the other)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session, func, select

from models.audit import AuditEvent
from models.campaign import PhaseQuota
from models.db import get_engine
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus
from models.unit import Person
from tdkt import services
from tdkt.common.errors import TransitionRefused
from tests.factories import District, at, make_district, submit_school
from tests.workflow.test_award_rules import _two_schools_at_phong
from tests.workflow.test_refusals import _at_phong


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


def test_a_dossier_moved_on_since_its_page_was_read_is_refused_not_moved_again(session: Session, db_url: str) -> None:
    """An action link's page was read at phong_review; if another reviewer moved the dossier on since, the
    action (which names the stage it was read at) is refused and writes nothing."""
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, _ = _at_phong(session, district)
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    session.commit()
    with Session(get_engine(db_url)) as other:  # the Phòng's head approves it meanwhile
        services.act(other, dossier_id=dossier_id, actor=other.get(Person, district.people["phong_head"].id),
                     action="approve", now=at(3))
        other.commit()
    with pytest.raises(TransitionRefused) as refused:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(3), expected_stage="phong_review")
    assert refused.value.code == "moved_on" and "vừa được xử lý" in refused.value.message
    session.rollback()
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events + 1  # the head's only
    dossier = session.get(Dossier, dossier_id)
    assert dossier is not None and dossier.stage == "noivu_verification"


def _second_while_first_is_open(session: Session, db_url: str, first: Callable[[Session], object],
                                second: Callable[[Session], object]) -> tuple[bool, list[str]]:
    """Run `first` in `session` and leave its transaction open; run `second` in another thread's transaction.
    Returns whether the second was still waiting a second later, and how it ended once the first committed."""
    first(session)
    outcome: list[str] = []

    def run() -> None:
        with Session(get_engine(db_url)) as own:
            try:
                second(own)
                own.commit()
                outcome.append("done")
            except TransitionRefused as refusal:
                own.rollback()
                outcome.append(refusal.code)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=1.0)
    waited = thread.is_alive()
    session.commit()
    thread.join(timeout=60)
    return waited, outcome


def _act(person_id: int, dossier_id: int, action: str) -> Callable[[Session], object]:
    return lambda own: services.act(own, dossier_id=dossier_id, actor=own.get(Person, person_id), action=action,
                                    now=at(7))


def _approve_both_at_once(session: Session, db_url: str, district: District, first: int, second: int) -> list[str]:
    """The Phòng approves `first` and, in another worker before that commits, `second`, which must wait."""
    reviewer = district.people["phong_reviewer"].id
    waited, outcome = _second_while_first_is_open(session, db_url, _act(reviewer, first, "approve"),
                                                  _act(reviewer, second, "approve"))
    assert waited
    return outcome


def _approved(session: Session, title: str | None = None) -> int:
    session.expire_all()
    query = select(func.count()).select_from(Nomination).where(Nomination.status == NominationStatus.approved)
    return session.exec(query.where(Nomination.title_code == title) if title else query).one()


def test_two_approvals_that_would_overfill_the_phase_quota_are_decided_one_after_the_other(
        session: Session, db_url: str) -> None:
    """Quota 3 individuals, two dossiers of 2 each: approved in two workers at once, the second waits for the
    first and is refused (each read the count before the other committed, and both passed)."""
    district = make_district(session, quota=3)
    first, _ = _at_phong(session, district, 0, individuals=2)
    second = session.exec(select(Dossier.id).where(Dossier.id != first, Dossier.stage == "phong_review")).first()
    assert _approve_both_at_once(session, db_url, district, first, second) == ["checks_failed"]
    assert _approved(session, "LDTT") == 2


def test_two_approvals_that_would_pass_the_phase_ratio_cap_are_decided_one_after_the_other(
        session: Session, db_url: str) -> None:
    """CSTĐCS ≤ 15 % of LĐTT allows one in the phase (no quota here): the second approval waits and is refused."""
    district, first, second = _two_schools_at_phong(session)
    for quota in session.exec(select(PhaseQuota)).all():
        session.delete(quota)
    session.commit()
    assert _approve_both_at_once(session, db_url, district, first, second) == ["checks_failed"]
    assert _approved(session, "CSTDCS") == 1


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # SQLite runs one writer at a time
def test_a_verification_alongside_an_approval_is_not_refused(session: Session, db_url: str) -> None:
    """Nội vụ verifies a dossier the Phòng approved (already counted) while the Phòng approves another: it waits
    for the approval's commit (both chain an audit event), then goes through."""
    district = make_district(session, quota=4)
    first, _ = _at_phong(session, district, 0, individuals=2)
    second = session.exec(select(Dossier.id).where(Dossier.id != first, Dossier.stage == "phong_review")).first()
    reviewer, officer = district.people["phong_reviewer"].id, district.people["noivu_officer"].id
    _act(reviewer, first, "approve")(session)
    session.commit()
    _, outcome = _second_while_first_is_open(session, db_url, _act(reviewer, second, "approve"),
                                             _act(officer, first, "verify"))
    assert outcome == ["done"]
    assert _approved(session, "LDTT") == 4
