"""Reminders, escalations and digests planned at controlled moments: right people, right offsets, never twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from config.route import default_route
from config.settings import get_settings
from models.outbox import NotificationLog, OutboxMessage
from notifications.ladder import reminder_moments
from tdkt import services
from tdkt.common.calendar import days_before
from tdkt.services.reminders import plan
from tests.factories import District, at, make_district, submit_school


def _local(day: int, month: int, hour: int, minute: int = 0, year: int = 2022) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=get_settings().tz)


def _sweep(session: Session, now: datetime) -> list[OutboxMessage]:
    before = {m.id for m in session.exec(select(OutboxMessage)).all()}
    plan(session, route=default_route(), now=now)
    session.commit()
    return [m for m in session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all() if m.id not in before]


def test_working_days_skip_weekends_and_tet() -> None:
    # 15/02/2021 is a Monday in Tết (holidays 10–16/02): one working day before is Tuesday 09/02.
    assert days_before(date(2021, 2, 15), 1, working=True) == date(2021, 2, 9)
    assert days_before(date(2021, 2, 15), 1, working=False) == date(2021, 2, 14)
    due = _local(3, 11, 23, 59)
    moments = reminder_moments(due, offsets=[7, 3, 1, 0], working=True, hour=8)
    assert {o: m.date() for o, m in moments.items()} == {
        7: date(2022, 10, 25), 3: date(2022, 10, 31), 1: date(2022, 11, 2), 0: date(2022, 11, 3)}
    calendar = reminder_moments(due, offsets=[7], working=False, hour=8)
    assert calendar[7] == _local(27, 10, 8)


def _heads(district: District, messages: list[OutboxMessage]) -> set[str]:
    return {m.recipient_email for m in messages}


def test_only_laggards_are_reminded_at_each_offset(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=3)
    heads = {h.email for h in district.heads.values()}
    assert _sweep(session, _local(25, 10, 7, 59)) == []
    first = _sweep(session, _local(25, 10, 8))
    assert _heads(district, first) == heads and {m.context["days_left"] for m in first} == {7}
    assert "chưa lập hồ sơ đề nghị khen thưởng" in first[0].context["missing"][0]
    assert _sweep(session, _local(25, 10, 15)) == []  # the same offset is never sent twice

    done, waiting = district.schools[0], district.schools[1]
    dossier_id, _ = submit_school(session, district, done, now=_local(27, 10, 9))
    services.open_dossier(session, phase_id=district.phase_id, school_id=waiting.id)
    session.commit()
    second = _sweep(session, _local(31, 10, 8, 5))
    school_stage = [m for m in second if m.context["stage"] == "Họp xét tại trường"]
    assert _heads(district, school_stage) == heads - {district.heads[done.id].email}
    assert {m.context["days_left"] for m in school_stage} == {3}
    # The leader school's block deadline (Sunday 06/11) is 7 working days away since 27/10: it hears of that.
    block_stage = [m for m in second if m.context["stage"] == "Tổng hợp tại khối thi đua"]
    assert [(m.recipient_email, m.context["days_left"]) for m in block_stage] == [(district.heads[done.id].email, 7)]
    about_waiting = next(m for m in school_stage if m.recipient_email == district.heads[waiting.id].email)
    assert "Hồ sơ chưa có tập thể, cá nhân nào được đề nghị" in about_waiting.context["missing"][0]
    # On 03/11 the leader's 3-working-day reminder (due 02/11) is the latest one.
    third = _sweep(session, _local(3, 11, 8))
    leader = district.leader_of(district.blocks[0]).email
    block_reminders = [m for m in third if m.context["stage"] == "Tổng hợp tại khối thi đua"]
    assert [(m.recipient_email, m.context["days_left"]) for m in block_reminders] == [(leader, 3)]
    assert "đang chờ: Tổng hợp tại khối thi đua" in block_reminders[0].context["missing"][0]
    # After the school deadline, no more school reminders.
    assert all(m.context["stage"] != "Họp xét tại trường" for m in _sweep(session, _local(4, 11, 9)))


def test_reminders_missed_while_down_send_only_the_latest_useful_one(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    late = _sweep(session, _local(1, 11, 10))  # offsets 7 (25/10) and 3 (31/10) both passed unseen
    assert [m.context["days_left"] for m in late] == [3]
    assert [m.context["days_left"] for m in _sweep(session, _local(2, 11, 8))] == [1]
    assert [m.context["days_left"] for m in _sweep(session, _local(3, 11, 8))] == [0]
    keys = {row.key for row in session.exec(select(NotificationLog)).all()}
    school = district.schools[0].id
    assert {k for k in keys if k.startswith(f"reminder:{district.phase_id}:school_vote")} == {
        f"reminder:{district.phase_id}:school_vote:{school}:{o}" for o in (3, 1, 0)}


def test_escalation_for_an_overdue_review_not_a_finished_one(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    dossiers = []
    for school in district.schools:
        dossier_id, _ = submit_school(session, district, school, now=at(1))
        dossiers.append(dossier_id)
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    services.act(session, dossier_id=dossiers[0], actor=district.people["phong_reviewer"], action="approve",
                 now=at(9))
    session.commit()
    assert [m for m in _sweep(session, _local(11, 11, 9)) if m.event == "escalation"] == []  # deadline + 1 day not yet
    escalations = [m for m in _sweep(session, _local(12, 11, 9)) if m.event == "escalation"]
    assert [m.recipient_email for m in escalations] == [district.people["phong_head"].email]
    assert escalations[0].context["missing"] == [
        f"Hồ sơ số {dossiers[1]} của {district.schools[1].name} đang chờ: Phòng GD&ĐT xét duyệt."]
    assert [m for m in _sweep(session, _local(13, 11, 9)) if m.event == "escalation"] == []
    # Nội vụ finished its verification in time: no escalation of its stage.
    services.act(session, dossier_id=dossiers[0], actor=district.people["noivu_officer"], action="verify",
                 now=at(14))
    session.commit()
    assert [m for m in _sweep(session, _local(19, 11, 9)) if m.event == "escalation"] == []


def test_digest_replaces_per_dossier_emails(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    reviewer, head = district.people["phong_reviewer"], district.people["phong_head"]
    services.set_digest(session, person=reviewer, enabled=True)
    session.commit()
    for school in district.schools:
        dossier_id, _ = submit_school(session, district, school, now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    session.commit()
    forwarded = session.exec(select(OutboxMessage).where(OutboxMessage.event == "dossier_forwarded")).all()
    assert {m.recipient_email for m in forwarded} == {head.email}
    assert _digest(session, _local(3, 11, 6, 59)) == []
    digests = _digest(session, _local(3, 11, 7))
    assert [m.recipient_email for m in digests] == [reviewer.email]
    assert len(digests[0].context["waiting"]) == 2
    assert _digest(session, _local(3, 11, 18)) == []  # once a day
    assert len(_digest(session, _local(4, 11, 7) + timedelta(minutes=1))) == 1


def _digest(session: Session, now: datetime) -> list[OutboxMessage]:
    return [m for m in _sweep(session, now) if m.event == "daily_digest"]


def test_moved_deadline_moves_the_reminders(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    assert [m.context["days_left"] for m in _sweep(session, _local(2, 11, 9))] == [1]
    services.set_deadline(session, phase_id=district.phase_id, key="school_submission", due_on=date(2022, 11, 10))
    session.commit()
    # 10/11 is now the deadline: on 03/11 the 7-working-day reminder is due, with the new date in it.
    moved = _sweep(session, _local(3, 11, 9))
    school_stage = [m for m in moved if m.context["stage"] == "Họp xét tại trường"]
    assert [(m.context["days_left"], m.context["deadline"]) for m in school_stage] == [(7, "23:59 10/11/2022")]
