"""Every illegal action is refused with a Vietnamese message and changes nothing: the engine's transitions, and
what the service layer refuses before one (a meeting's count, nothing to forward or decide, a delegation to
oneself or backwards in time, a dossier for an office, a deadline the route does not have)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlmodel import Session, func, select

from config.vocabulary import SubjectKind
from models.audit import AuditEvent
from models.delegation import Delegation
from models.dossier import Dossier
from models.nomination import Nomination, NominationDecision
from models.outbox import OutboxMessage
from tdkt import services
from tdkt.common.errors import Refused, TransitionRefused
from tdkt.workflow.engine import Verdict
from tests.factories import District, at, make_district, prepare_dossier


def _snapshot(session: Session) -> tuple[Any, ...]:
    session.expire_all()
    dossiers = [(d.id, d.stage, d.status, d.round, d.version, d.late) for d in session.exec(select(Dossier)).all()]
    noms = [(n.id, n.status) for n in session.exec(select(Nomination)).all()]
    counts = [session.exec(select(func.count()).select_from(t)).one()
              for t in (AuditEvent, OutboxMessage, NominationDecision, Delegation)]
    return tuple(sorted(dossiers)), tuple(sorted(noms)), tuple(counts)


def assert_refused(session: Session, attempt: Callable[[], object], code: str, *fragments: str,
                   kind: type[Refused] = TransitionRefused) -> None:
    """`kind`: a transition's refusal, or (Refused) the service layer's before any transition."""
    before = _snapshot(session)
    with pytest.raises(kind) as refused:
        attempt()
        session.commit()
    session.rollback()
    assert refused.value.code == code
    for fragment in fragments:
        assert fragment in refused.value.message
    assert _snapshot(session) == before


def _at_phong(session: Session, district: District, school_index: int = 0, **kw: Any) -> tuple[int, list[Nomination]]:
    """Bring the first school's dossier to the Phòng review (other block members submitted too)."""
    block = district.blocks[0]
    result = None
    for school in [s for s in district.schools if s.block_id == block.id]:
        dossier_id, noms = prepare_dossier(session, district, school, **kw)
        services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(1))
        if school.id == district.schools[school_index].id:
            result = dossier_id, noms
    services.forward_block(session, block_id=block.id, phase_id=district.phase_id, actor=district.leader_of(block),
                           now=at(2))
    session.commit()
    assert result is not None
    return result


def test_wrong_role(session: Session) -> None:
    district = make_district(session)
    dossier_id, _ = _at_phong(session, district)
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, action="approve", now=at(3),
                                                 actor=district.people["noivu_officer"]),
                   "wrong_role", "không có quyền", "Chuyên viên Phòng GD&ĐT")


def test_wrong_unit(session: Session) -> None:
    district = make_district(session)
    mine, other = district.schools[0], district.schools[1]
    dossier_id, _ = prepare_dossier(session, district, mine)
    assert_refused(session, lambda: services.submit(session, dossier_id=dossier_id, actor=district.heads[other.id],
                                                    now=at(1)),
                   "wrong_unit", f"không thuộc {mine.name}")


def test_wrong_stage(session: Session) -> None:
    district = make_district(session)
    dossier_id, _ = prepare_dossier(session, district, district.schools[0])
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, action="approve", now=at(1),
                                                 actor=district.heads[district.schools[0].id]),
                   "invalid_action", "Không thể thực hiện 'approve'", "Họp xét tại trường")


def test_after_the_deadline(session: Session) -> None:
    district = make_district(session)
    school = district.schools[0]
    dossier_id, _ = prepare_dossier(session, district, school)
    assert_refused(session, lambda: services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id],
                                                    now=at(4)),
                   "past_deadline", "Đã quá hạn 23:59 03/11/2022")


def test_nominee_below_the_vote_threshold(session: Session) -> None:
    district = make_district(session)
    school = district.schools[0]
    dossier_id, _ = prepare_dossier(session, district, school, votes_for=6, present=13)
    assert_refused(session, lambda: services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id],
                                                    now=at(1)),
                   "checks_failed", "chỉ được 6/13 phiếu đồng ý, chưa đạt trên 50%", "Giáo viên 0")


def test_council_without_quorum(session: Session) -> None:
    district = make_district(session)
    school = district.schools[0]
    dossier_id, _ = prepare_dossier(session, district, school, votes_for=8, present=9, members=15)
    assert_refused(session, lambda: services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id],
                                                    now=at(1)),
                   "checks_failed", "chỉ có 9/15 thành viên có mặt")


def test_phase_over_its_quota(session: Session) -> None:
    district = make_district(session, quota=3)
    first, _ = _at_phong(session, district, 0, individuals=2)
    second = session.exec(select(Dossier).where(Dossier.id != first, Dossier.stage == "phong_review")).first()
    phong = district.people["phong_reviewer"]
    services.act(session, dossier_id=first, actor=phong, action="approve", now=at(3))
    session.commit()
    assert_refused(session, lambda: services.act(session, dossier_id=second.id, actor=phong, action="approve",
                                                 now=at(3)),
                   "checks_failed", "tối đa 3 cá nhân; đã duyệt 2, hồ sơ này đề nghị thêm 2")


def test_return_without_a_reason(session: Session) -> None:
    district = make_district(session)
    dossier_id, noms = _at_phong(session, district)
    phong = district.people["phong_reviewer"]
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, actor=phong,
                                                 action="return_for_revision", reason="  ", now=at(3)),
                   "reason_required", "Phải ghi rõ lý do")
    verdicts = {n.id: Verdict("approve") for n in noms}
    verdicts[noms[0].id] = Verdict("return_for_revision")
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, actor=phong, verdicts=verdicts,
                                                 now=at(3)),
                   "reason_required", "Phải ghi rõ lý do trả lại hoặc không đồng ý cho: Giáo viên 0")


def test_verdicts_must_cover_every_nomination(session: Session) -> None:
    district = make_district(session)
    dossier_id, noms = _at_phong(session, district)
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, now=at(3),
                                                 actor=district.people["phong_reviewer"],
                                                 verdicts={noms[0].id: Verdict("approve")}),
                   "verdict_missing", "Chưa có ý kiến cho")


def test_a_verdict_the_route_does_not_know_is_refused(session: Session) -> None:
    district = make_district(session)
    dossier_id, noms = _at_phong(session, district)
    verdicts = {n.id: Verdict("approve") for n in noms}
    verdicts[noms[0].id] = Verdict("return", "Bổ sung")  # type: ignore[arg-type]  # as a script might send it
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, now=at(3), verdicts=verdicts,
                                                 actor=district.people["phong_reviewer"]),
                   "unknown_verdict", "Ý kiến 'return' không có; chọn một trong: approve, return_for_revision")


def test_a_decided_dossier_is_closed(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, _ = _at_phong(session, district)
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="reject",
                 reason="Không đủ tiêu chuẩn", now=at(3))
    session.commit()
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, action="approve", now=at(3),
                                                 actor=district.people["phong_reviewer"]),
                   "closed", "Hồ sơ đã kết thúc")


def test_a_meeting_with_more_present_than_members_or_nobody_present(session: Session) -> None:
    district = make_district(session)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])

    def vote(present: int) -> Callable[[], object]:
        return lambda: services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 10, 29),
                                            members_total=15, members_present=present, tallies={noms[0].id: (0, 0)})

    for present in (16, 0):
        assert_refused(session, vote(present), "bad_count", f"Số thành viên có mặt ({present}) phải từ 1 đến 15.",
                       kind=Refused)


def test_nothing_to_forward_or_to_decide(session: Session) -> None:
    district = make_district(session)
    prepare_dossier(session, district, district.schools[0])  # voted, not submitted
    block = district.blocks[0]
    assert_refused(session, lambda: services.forward_block(session, block_id=block.id, phase_id=district.phase_id,
                                                           actor=district.leader_of(block), now=at(2)),
                   "nothing_to_forward", "Khối chưa có hồ sơ nào chờ tổng hợp.", kind=Refused)
    assert_refused(session, lambda: services.decide(session, phase_id=district.phase_id, signed_on=date(2022, 11, 20),
                                                    actor=district.people["chairman"], now=at(5)),
                   "nothing_to_decide", "Chưa có hồ sơ nào chờ quyết định khen thưởng trong đợt này.", kind=Refused)


def test_a_delegation_to_oneself_or_ending_before_it_starts(session: Session) -> None:
    district = make_district(session)
    reviewer, head = district.people["phong_reviewer"], district.people["phong_head"]
    assert_refused(session, lambda: services.delegate(session, person=reviewer, substitute=reviewer,
                                                      starts_on=date(2022, 11, 1), ends_on=date(2022, 11, 5)),
                   "self_delegation", "Không thể ủy quyền cho chính mình.", kind=Refused)
    assert_refused(session, lambda: services.delegate(session, person=reviewer, substitute=head,
                                                      starts_on=date(2022, 11, 5), ends_on=date(2022, 11, 1)),
                   "bad_dates", "Ngày kết thúc ủy quyền phải sau ngày bắt đầu.", kind=Refused)


def test_only_a_school_opens_a_dossier(session: Session) -> None:
    district = make_district(session)
    office = district.people["phong_reviewer"].unit_id
    assert_refused(session, lambda: services.open_dossier(session, phase_id=district.phase_id, school_id=office),
                   "not_school", "Chỉ trường học mới lập hồ sơ đề nghị khen thưởng.", kind=Refused)


def test_verdicts_where_the_step_takes_none_and_no_action_chosen(session: Session) -> None:
    district = make_district(session)
    school = district.schools[0]
    dossier_id, noms = prepare_dossier(session, district, school)
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(1))
    session.commit()
    leader = district.leader_of(district.blocks[0])
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, actor=leader, now=at(2),
                                                 verdicts={n.id: Verdict("approve") for n in noms}),
                   "no_verdicts", "Bước 'Tổng hợp tại khối thi đua' không xét riêng từng người.")
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, actor=leader, now=at(2)),
                   "no_action", "Chưa chọn hành động.")


def test_a_deadline_the_route_does_not_have(session: Session) -> None:
    district = make_district(session)
    assert_refused(session, lambda: services.set_deadline(session, phase_id=district.phase_id, key="nop_bao_cao",
                                                          due_on=date(2022, 11, 30)),
                   "unknown_deadline", "Không có hạn 'nop_bao_cao'. Các hạn: block_forward, noivu_verification, "
                   "phong_review, province_appraisal, school_submission, so_review.", kind=Refused)


def test_a_dossier_without_its_councils_vote(session: Session) -> None:
    district = make_district(session)
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id)
    services.add_nomination(session, dossier_id=dossier.id, full_name="Giáo viên 0", kind=SubjectKind.individual,
                            title_code="LDTT")
    session.commit()
    assert_refused(session, lambda: services.submit(session, dossier_id=dossier.id, actor=district.heads[school.id],
                                                    now=at(1)),
                   "checks_failed", "Chưa ghi nhận biên bản họp xét của Hội đồng Thi đua – Khen thưởng nhà trường.")
