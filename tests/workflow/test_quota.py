"""A phase quota counts what the phase tally counts: the other dossiers' approvals once they have left the
schools, their nominations still in play. The dashboard shows the figure the check refuses by, and a batch of
approvals reads the tally, not the phase's nominations."""

from __future__ import annotations

from sqlmodel import Session

from config.route import default_route
from config.rules import campaign_rules
from models.campaign import Campaign, Phase
from models.db import new_session
from models.dossier import Dossier
from models.nomination import NominationStatus, active_nominations
from models.tally import lock_phase
from models.unit import Person, Unit
from tasks.transition import Review, _review, each
from tdkt import services
from tdkt.workflow.checks import CheckContext, others_in_phase
from tdkt.workflow.engine import Verdict
from tests.factories import at, make_district, prepare_dossier
from tests.workflow.test_refusals import assert_refused


def test_an_approved_nominee_withdrawn_after_a_return_leaves_the_quota(session: Session) -> None:
    """Quota 2 individuals. The Phòng approves one teacher of school A and returns the other; A withdraws the
    approved one and sends the dossier back. Neither A's return nor the withdrawn teacher holds a place: B's
    two teachers fit, and then A's remaining one does not."""
    district = make_district(session, blocks=1, schools_per_block=2, quota=2)
    (a, a_noms), (b, _) = (prepare_dossier(session, district, school, individuals=2) for school in district.schools)
    heads, leader = district.heads, district.leader_of(district.blocks[0])
    school_a = district.schools[0]
    for school, dossier_id in zip(district.schools, (a, b), strict=True):
        services.submit(session, dossier_id=dossier_id, actor=heads[school.id or 0], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id, actor=leader,
                           now=at(1, hour=15))
    phong = district.people["phong_reviewer"]
    kept, fixed, collective = a_noms
    services.act(session, dossier_id=a, actor=phong, now=at(2), verdicts={
        kept.id or 0: Verdict("approve"), fixed.id or 0: Verdict("return_for_revision", "Thiếu minh chứng"),
        collective.id or 0: Verdict("approve")})
    session.commit()
    assert services.quota_usage(session, phase_id=district.phase_id) == [("Cá nhân", 0, 2)]  # A is at its school

    services.withdraw_nomination(session, nomination_id=kept.id or 0)
    services.submit(session, dossier_id=a, actor=heads[school_a.id or 0], now=at(3))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id, actor=leader,
                           now=at(3, hour=15))
    session.commit()
    services.act(session, dossier_id=b, actor=phong, action="approve", now=at(5))
    session.commit()
    assert services.quota_usage(session, phase_id=district.phase_id) == [("Cá nhân", 2, 2)]
    assert_refused(session, lambda: services.act(session, dossier_id=a, actor=phong, action="approve", now=at(5)),
                   "checks_failed", "tối đa 2 cá nhân; đã duyệt 2, hồ sơ này đề nghị thêm 1")


def test_a_batch_of_approvals_under_a_quota_counts_its_own_approvals(session: Session) -> None:
    """Three dossiers of two teachers under a quota of 5: the third is refused, as one after the other; the
    next transaction still refuses it."""
    district = make_district(session, blocks=1, schools_per_block=3, quota=5)
    dossiers = [prepare_dossier(session, district, school, individuals=2)[0] for school in district.schools]
    for school, dossier_id in zip(district.schools, dossiers, strict=True):
        services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id or 0], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    session.commit()
    reviewer = district.people["phong_reviewer"].email
    report = each([Review(dossier_id=d, actor_email=reviewer, action="approve") for d in dossiers], _review, at(3))
    assert [r["dossier_id"] for r in report["results"]] == dossiers[:2]
    assert [r["dossier_id"] for r in report["refused"]] == dossiers[2:]
    assert "đã duyệt 4, hồ sơ này đề nghị thêm 2" in report["refused"][0]["message"]
    report = each([Review(dossier_id=dossiers[2], actor_email=reviewer, action="approve")], _review, at(3))
    assert report["refused"]


def test_an_approval_committed_before_the_phase_lock_counts(session: Session, db_url: str) -> None:
    """An approval committed while this action waited for the phase's lock counts in what it reads after
    (PostgreSQL; SQLite runs one writer at a time, and its lock is a no-op)."""
    district = make_district(session, blocks=1, schools_per_block=2, quota=5)
    a, b = (prepare_dossier(session, district, school, individuals=2)[0] for school in district.schools)
    for school, dossier_id in zip(district.schools, (a, b), strict=True):
        services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id or 0], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    session.commit()
    dossier, phase = session.get(Dossier, a), session.get(Phase, district.phase_id)
    assert dossier is not None and phase is not None
    school, campaign = session.get(Unit, dossier.school_id), session.get(Campaign, phase.campaign_id)
    assert school is not None and campaign is not None
    ctx = CheckContext(session=session, dossier=dossier, school=school, phase=phase, rules=campaign_rules(campaign),
                       now=at(3), deadline=None, start_stage=default_route().start,
                       nominations=active_nominations(session, dossier_id=a))

    def approved(counts: dict[tuple[str, str], int]) -> int:
        return sum(n for (_, status), n in counts.items() if status == NominationStatus.approved)

    assert approved(others_in_phase(ctx)) == 0
    if not db_url.startswith("postgresql"):
        return
    with new_session() as other:  # the other dossier is approved and committed meanwhile
        reviewer = other.get(Person, district.people["phong_reviewer"].id)
        assert reviewer is not None
        services.act(other, dossier_id=b, actor=reviewer, action="approve", now=at(3))
        other.commit()
    lock_phase(session, phase_id=district.phase_id)
    assert approved(others_in_phase(ctx)) == 3  # b's two teachers and its collective
