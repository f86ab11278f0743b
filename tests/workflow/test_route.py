"""The whole route through the service layer: two blocks of three schools, a return and a resubmission."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from config.vocabulary import DossierStatus
from models.audit import AuditEvent
from models.decision import decision_entries
from models.dossier import Consolidation, Dossier
from models.nomination import Nomination, NominationDecision, NominationStatus
from models.outbox import OutboxMessage
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.workflow.engine import Verdict
from tests.factories import District, at, make_district, prepare_dossier, submit_school


def _submit_and_forward(session: Session, district: District, dossiers: dict[int, int], day: int) -> None:
    for school in district.schools:
        services.submit(session, dossier_id=dossiers[school.id], actor=district.heads[school.id], now=at(day))
        session.commit()
    for block in district.blocks:
        services.forward_block(session, block_id=block.id, phase_id=district.phase_id,
                               actor=district.leader_of(block), now=at(day, hour=15))
        session.commit()


def test_whole_route_with_return_and_resubmission(session: Session) -> None:
    district = make_district(session)
    dossiers, nominations = {}, {}
    for school in district.schools:
        dossiers[school.id], nominations[school.id] = prepare_dossier(session, district, school, individuals=2)
    _submit_and_forward(session, district, dossiers, day=1)
    phong, noivu = district.people["phong_reviewer"], district.people["noivu_officer"]

    # The Phòng returns one teacher of the first school, rejects one teacher of the second, approves the rest.
    first, second = district.schools[0], district.schools[1]
    returned = nominations[first.id][0]
    verdicts = {n.id: Verdict("approve") for n in nominations[first.id]}
    verdicts[returned.id] = Verdict("return_for_revision", "Thiếu báo cáo thành tích")
    result = services.act(session, dossier_id=dossiers[first.id], actor=phong, verdicts=verdicts, now=at(2))
    session.commit()
    assert (result.from_stage, result.to_stage) == ("phong_review", "school_vote")
    first_dossier = session.get(Dossier, dossiers[first.id])
    assert first_dossier.status == DossierStatus.returned and first_dossier.round == 2
    assert first_dossier.return_reason == "Thiếu báo cáo thành tích"
    rejected = nominations[second.id][1]
    services.act(session, dossier_id=dossiers[second.id], actor=phong, now=at(2),
                 verdicts={n.id: Verdict("reject", "Chưa đủ thời gian công tác") if n.id == rejected.id
                           else Verdict("approve") for n in nominations[second.id]})
    session.commit()

    # The school fixes and resubmits; the block forwards it again; the Phòng approves everything else.
    services.submit(session, dossier_id=dossiers[first.id], actor=district.heads[first.id], now=at(3))
    services.forward_block(session, block_id=first.block_id, phase_id=district.phase_id,
                           actor=district.leader_of(district.block_of(first)), now=at(3, hour=10))
    session.commit()
    for school in district.schools[2:] + [first]:
        services.act(session, dossier_id=dossiers[school.id], actor=phong, action="approve", now=at(8))
        session.commit()
    for school in district.schools:
        services.act(session, dossier_id=dossiers[school.id], actor=noivu, action="verify", now=at(14))
        session.commit()
    decisions = services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                                signed_on=date(2022, 11, 18), now=at(18))
    session.commit()

    granted = set(session.exec(select(Nomination.id).where(Nomination.status == NominationStatus.granted)).all())
    every = {n.id for noms in nominations.values() for n in noms}
    assert granted == every - {rejected.id}
    assert {e.nomination_id for d in decisions for e in decision_entries(session, decision_id=d.id or 0)} == granted
    assert [d.number for d in decisions] == ["1/QĐ-UBND", "2/QĐ-UBND"]  # LĐTT's, then TTLĐTT's
    assert all(d.status == DossierStatus.decided for d in session.exec(select(Dossier)).all())
    assert len(session.exec(select(Consolidation)).all()) == 2

    # Every transition left exactly one audit event: 6 submits + 6 forwards, 1 return, 1 resubmit + 1 forward,
    # 6 Phòng approvals, 6 verifications, 6 decisions.
    events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    assert len(events) == 6 + 6 + 1 + 1 + 1 + 6 + 6 + 6
    first_history = [(e.action, e.from_stage, e.to_stage) for e in events if e.dossier_id == dossiers[first.id]]
    assert first_history == [
        ("submit", "school_vote", "block_aggregation"), ("forward", "block_aggregation", "phong_review"),
        ("return_for_revision", "phong_review", "school_vote"), ("submit", "school_vote", "block_aggregation"),
        ("forward", "block_aggregation", "phong_review"), ("approve", "phong_review", "noivu_verification"),
        ("verify", "noivu_verification", "awaiting_decision"), ("decide", "awaiting_decision", "decided"),
    ]
    recorded = session.exec(select(NominationDecision).where(NominationDecision.nomination_id == returned.id)).all()
    assert [(d.verdict, d.round) for d in recorded] == [
        (NominationStatus.returned, 1), (NominationStatus.approved, 2), (NominationStatus.approved, 2)]
    judged_by = [session.get(AuditEvent, d.audit_event_id) for d in recorded]  # each verdict's transition
    assert [(e.action, e.from_stage) for e in judged_by if e is not None] == [
        ("return_for_revision", "phong_review"), ("approve", "phong_review"), ("verify", "noivu_verification")]

    # The school heard of the return with its reason; the block leader of each submission.
    returned_mail = session.exec(select(OutboxMessage).where(OutboxMessage.event == "dossier_returned")).all()
    assert [m.recipient_email for m in returned_mail] == [district.heads[first.id].email]
    assert returned_mail[0].context["nominations"][0]["reason"] == "Thiếu báo cáo thành tích"
    decided_mail = session.exec(select(OutboxMessage).where(OutboxMessage.event == "decision_issued")).all()
    assert sorted(m.recipient_email for m in decided_mail) == sorted(h.email for h in district.heads.values())


def test_block_forward_waits_for_members_until_its_deadline(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=3)
    leader_school = district.schools[0]
    dossier_id, _ = submit_school(session, district, leader_school, now=at(1))
    session.commit()
    leader = district.leader_of(district.blocks[0])
    try:
        services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id, actor=leader,
                               now=at(2))
        raise AssertionError("forward should wait for the other members")
    except Refused as refusal:
        session.rollback()
        assert "Khối còn 2 trường chưa gửi hồ sơ" in refusal.message
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"
    # After the block deadline (06/11) the leader forwards what it has, and the dossier is flagged late.
    results = services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                                     actor=leader, now=at(7))
    session.commit()
    assert [r.late for r in results] == [True]
    assert session.get(Dossier, dossier_id).stage == "phong_review" and session.get(Dossier, dossier_id).late
