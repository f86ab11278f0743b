"""Registration (đăng ký thi đua): schools register, the block leader consolidates and forwards before the
date, late ones refused or flagged per rule set, and nominations checked against it where the rule set says."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlmodel import Session, col, select

from config.route import default_route
from config.settings import get_settings
from config.vocabulary import SubjectKind
from models.audit import AuditEvent, verify
from models.campaign import Campaign
from models.outbox import OutboxMessage
from models.registration import Registration, RegistrationStatus, registration_of
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.common.timefmt import end_of_day
from tdkt.services import registration
from tdkt.services.registration import Wanted
from tdkt.services.reminders import plan
from tests.factories import District, at, make_district

DUE = date(2022, 10, 15)


def _moment(day: int, month: int = 10) -> datetime:
    return datetime(2022, month, day, 9, tzinfo=get_settings().tz)


def _district(session: Session, overrides: dict[str, object] | None = None, rule_set: str = "nd91-2017") -> District:
    district = make_district(session, blocks=1, schools_per_block=2)
    campaign = session.exec(select(Campaign)).one()
    campaign.registration_due, campaign.rule_set = end_of_day(DUE), rule_set
    campaign.rule_overrides = json.dumps(overrides) if overrides else ""
    session.commit()
    return district


def _register(session: Session, district: District, wanted: list[Wanted], school_index: int = 0,
              when: datetime | None = None) -> None:
    school = district.schools[school_index]
    campaign_id = session.exec(select(Campaign.id)).one()
    registration.register(session, campaign_id=campaign_id, school_id=school.id, wanted=wanted, pledge="Dạy tốt")
    registration.submit(session, campaign_id=campaign_id, school_id=school.id, actor=district.heads[school.id],
                        now=when or _moment(10))


def _forward(session: Session, district: District, when: datetime) -> list[Registration]:
    campaign_id = session.exec(select(Campaign.id)).one()
    return registration.forward(session, campaign_id=campaign_id, block_id=district.blocks[0].id,
                                actor=district.leader_of(district.blocks[0]), now=when)


def test_the_block_leader_consolidates_and_forwards_before_the_date(session: Session) -> None:
    district = _district(session)
    _register(session, district, [Wanted("Lò Văn Quý", SubjectKind.individual, "CSTDCS")])
    with pytest.raises(Refused) as incomplete:
        _forward(session, district, _moment(12))
    assert "Khối còn 1 trường chưa gửi đăng ký thi đua" in incomplete.value.message
    with pytest.raises(Refused) as wrong:
        registration.forward(session, campaign_id=session.exec(select(Campaign.id)).one(),
                             block_id=district.blocks[0].id, actor=district.heads[district.schools[1].id],
                             now=_moment(12))
    assert wrong.value.code == "wrong_person"
    _register(session, district, [Wanted(district.schools[1].name, SubjectKind.collective, "TTLDTT")], 1)
    sent = _forward(session, district, _moment(14))
    session.commit()
    assert {r.status for r in sent} == {RegistrationStatus.forwarded} and len(sent) == 2
    assert not any(r.late for r in sent)
    told = session.exec(select(OutboxMessage).where(OutboxMessage.event == "registration_forwarded")).all()
    assert {m.recipient_email for m in told} == {"phong_reviewer@qh.test", "phong_head@qh.test"}
    assert told[0].context["entries"] == 2
    with pytest.raises(Refused) as sent_already:
        registration.register(session, campaign_id=sent[0].campaign_id, school_id=sent[0].school_id, wanted=[])
    assert "đã được gửi" in sent_already.value.message


def test_late_registration_is_refused_or_flagged_per_rule_set(session: Session) -> None:
    district = _district(session)
    with pytest.raises(Refused) as late:
        _register(session, district, [Wanted("Lò Văn Quý", SubjectKind.individual, "LDTT")], when=_moment(16))
    session.rollback()
    assert late.value.code == "registration_late" and "15/10/2022" in late.value.message
    assert session.exec(select(Registration)).first() is None  # nothing half-written


def test_late_registration_flagged_when_the_campaign_says_so(session: Session) -> None:
    district = _district(session, overrides={"registration": {"late": "flag"}})
    for index in (0, 1):
        _register(session, district, [Wanted(f"Giáo viên {index}", SubjectKind.individual, "LDTT")], index,
                  when=_moment(16))
    sent = _forward(session, district, _moment(17))
    assert all(r.late for r in sent)


def _nominate_and_submit(session: Session, district: District, name: str, title: str) -> None:
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id)
    noms = [services.add_nomination(session, dossier_id=dossier.id, full_name=name, kind=SubjectKind.individual,
                                    title_code=title)]
    services.record_vote(session, dossier_id=dossier.id, held_on=date(2022, 10, 28), members_total=10,
                         members_present=10, tallies={n.id: (9, 1) for n in noms})
    services.submit(session, dossier_id=dossier.id, actor=district.heads[school.id], now=at(1))


def test_a_nomination_must_match_the_registration_where_the_rule_set_requires_it(session: Session) -> None:
    district = _district(session)
    _register(session, district, [Wanted("Lò Văn Quý", SubjectKind.individual, "CSTDCS")])
    _register(session, district, [Wanted("Tổ Toán", SubjectKind.collective, "TTLDTT")], 1)
    _forward(session, district, _moment(14))
    session.commit()
    with pytest.raises(Refused) as refused:
        _nominate_and_submit(session, district, "Đinh Thị Hoa", "LDTT")
    session.rollback()
    assert "Đinh Thị Hoa: chưa đăng ký thi đua danh hiệu Lao động tiên tiến" in refused.value.message
    assert "Luật TĐKT 2003" in refused.value.message
    _nominate_and_submit(session, district, "LÒ VĂN QUÝ", "LDTT")  # registered for CSTĐCS, which implies LĐTT


@pytest.mark.parametrize("rule_set, overrides",
                         [("luat-2022", None), ("nd91-2017", {"registration": {"required": False}})])
def test_the_switch_lets_unregistered_nominations_through(session: Session, rule_set: str,
                                                          overrides: dict[str, object] | None) -> None:
    district = _district(session, overrides=overrides, rule_set=rule_set)
    _nominate_and_submit(session, district, "Đinh Thị Hoa", "LDTT")
    session.commit()


def test_reminders_before_the_registration_date_once_each(session: Session) -> None:
    """Three days before 15/10/2022 the school that has not sent and the block leader are reminded, once."""
    district = _district(session)
    _register(session, district, [Wanted("Lò Văn Quý", SubjectKind.individual, "LDTT")])
    session.commit()
    moment = datetime(2022, 10, 12, 9, tzinfo=get_settings().tz)  # 3 working days before Saturday 15/10
    assert plan(session, route=default_route(), now=moment).reminders == 2  # the silent school and the leader
    assert plan(session, route=default_route(), now=moment).reminders == 0  # claimed: never twice
    session.commit()
    rows = session.exec(select(OutboxMessage).where(OutboxMessage.event == "reminder")).all()
    assert {m.recipient_email for m in rows} == {"ht-0-0@qh.test", "ht-0-1@qh.test"}
    missing = {m.recipient_email: m.context["missing"] for m in rows}
    assert missing["ht-0-1@qh.test"] == [f"{district.schools[1].name}: chưa gửi bản đăng ký thi đua lên trường "
                                         "trưởng khối."]
    assert "chưa chuyển đăng ký thi đua lên Phòng GD&ĐT (2/2 trường)" in missing["ht-0-0@qh.test"][0]


def test_submitting_and_forwarding_a_registration_are_in_the_audit_trail(session: Session) -> None:
    district = _district(session, overrides={"registration": {"late": "flag"}})
    wanted = [Wanted("Lò Văn Quý", SubjectKind.individual, "LDTT")]
    _register(session, district, wanted, 0)
    session.commit()
    with pytest.raises(Refused):  # the other member school has not sent its own: refused, nothing recorded
        _forward(session, district, _moment(12))
    session.rollback()
    _register(session, district, wanted, 1, when=_moment(16))  # a day late, flagged
    sent = _forward(session, district, _moment(16))
    session.commit()
    events = session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all()
    leader, heads = district.leader_of(district.blocks[0]), [district.heads[s.id] for s in district.schools]
    ids = {r.school_id: r.id for r in sent}
    assert [(e.action, e.actor_id, e.from_stage, e.to_stage, e.late, e.dossier_id, e.detail) for e in events] == [
        ("submit_registration", heads[0].id, "draft", "submitted", False, None,
         {"registration_id": ids[district.schools[0].id], "school_id": district.schools[0].id}),
        ("submit_registration", heads[1].id, "draft", "submitted", True, None,
         {"registration_id": ids[district.schools[1].id], "school_id": district.schools[1].id}),
        *[("forward_registration", leader.id, "submitted", "forwarded", late, None,
           {"registration_id": ids[school.id], "school_id": school.id, "block_id": district.blocks[0].id})
          for school, late in zip(district.schools, (True, True), strict=True)],  # the forward itself was late
    ]
    assert {e.phase_id for e in events} == {district.phase_id} and verify(session) == []  # chained, unbroken


def test_an_empty_registration_or_one_sent_already_is_not_sent(session: Session) -> None:
    district = _district(session)
    school = district.schools[0]
    campaign_id = session.exec(select(Campaign.id)).one()

    def send(day: int) -> Refused:
        with pytest.raises(Refused) as refused:
            registration.submit(session, campaign_id=campaign_id, school_id=school.id,
                                actor=district.heads[school.id], now=_moment(day))
        session.rollback()
        return refused.value

    nothing = send(10)
    assert (nothing.code, nothing.message) == ("empty_registration", "Trường chưa đăng ký tập thể, cá nhân nào.")
    registration.register(session, campaign_id=campaign_id, school_id=school.id, wanted=[])  # a draft, no one in it
    session.commit()
    assert send(10).code == "empty_registration"
    _register(session, district, [Wanted("Lò Văn Quý", SubjectKind.individual, "CSTDCS")])
    session.commit()
    again = send(11)
    assert (again.code, again.message) == ("registration_sent", "Bản đăng ký thi đua đã được gửi.")
    assert registration_of(session, campaign_id=campaign_id, school_id=school.id).submitted_at == _moment(10)


def test_the_eligibility_shown_agrees_with_the_submissions_registration_check(session: Session) -> None:
    from tdkt.workflow.eligibility import for_dossier

    district = _district(session)
    _register(session, district, [Wanted("Lò Văn Quý", SubjectKind.individual, "LDTT")])
    _register(session, district, [Wanted(district.schools[1].name, SubjectKind.collective, "TTLDTT")], 1)
    _forward(session, district, _moment(14))
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id)
    hoa, quy = (services.add_nomination(session, dossier_id=dossier.id, full_name=name, kind=SubjectKind.individual,
                                        title_code="LDTT") for name in ("Đinh Thị Hoa", "Lò Văn Quý"))
    standing = for_dossier(session, dossier_id=dossier.id)
    assert not standing[hoa.id].eligible and "chưa đăng ký thi đua danh hiệu Lao động tiên tiến" in (
        standing[hoa.id].missing[0])
    assert standing[quy.id].eligible  # registered: "đủ điều kiện", and the submission agrees
    assert services.dossier_view(session, dossier_id=dossier.id)["registered"] == ["Lò Văn Quý – Lao động tiên tiến"]
    session.rollback()
