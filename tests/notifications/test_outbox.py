"""Outbox delivery against a real SMTP server on loopback: nothing lost, nothing sent twice."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from benchmarks.smtp_sink import SmtpServer
from config.settings import get_settings
from models.db import utcnow
from models.outbox import OutboxMessage, OutboxStatus
from notifications.outbox import deliver, failed_messages
from notifications.render import SUBJECTS, render
from tasks import notify
from tdkt.services import accounts as services_accounts
from tdkt.services.links import check_sign_in, sign_in_path, token_for
from tests.factories import at, make_district, submit_school


def _transitions(session: Session) -> list[int]:
    """Three schools submit: one outbox row each, to the block leader."""
    district = make_district(session, blocks=1, schools_per_block=3)
    for school in district.schools:
        dossier_id, _ = submit_school(session, district, school, now=at(1))
    session.commit()
    return [m.id for m in session.exec(select(OutboxMessage)).all()]


@pytest.fixture(params=["1", "3"], ids=["one-connection", "three-connections"])
def connections(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """TDKT_SMTP_CONNECTIONS: delivery behaves the same over one connection or several at once."""
    monkeypatch.setenv("TDKT_SMTP_CONNECTIONS", request.param)
    get_settings.cache_clear()
    return str(request.param)


def test_smtp_down_then_up_delivers_each_email_once(session: Session, smtp: SmtpServer, connections: str) -> None:
    ids = _transitions(session)
    assert len(ids) == 3
    smtp.stop()
    report = deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    assert (report.sent, report.retrying) == (0, 3)
    rows = session.exec(select(OutboxMessage)).all()
    assert all(r.status == OutboxStatus.pending and r.last_error and r.attempts == 1 for r in rows)
    # Not due yet: a sweep right away sends nothing even with the server back.
    smtp.start()
    assert deliver(session, settings=get_settings(), issue_link=token_for).sent == 0
    later = utcnow() + timedelta(minutes=5)
    assert deliver(session, settings=get_settings(), issue_link=token_for, now=later).sent == 3
    session.commit()
    assert deliver(session, settings=get_settings(), issue_link=token_for, now=later + timedelta(hours=1)).sent == 0
    received = smtp.inbox.message_ids()
    assert sorted(received) == sorted(f"<tdkt-outbox-{i}@tdkt.invalid>" for i in ids)
    message = smtp.inbox.messages[0]
    school = message["Subject"].split("] ", 1)[1].split(" đã gửi")[0]
    assert school.startswith("Trường Tiểu học Số 1.") and message["Subject"].endswith(
        " đã gửi hồ sơ đề nghị khen thưởng – 91/KH-UBND")  # no space lost in a long Vietnamese subject
    assert "Kính gửi" in message.get_body(("plain",)).get_content()


def test_permanent_failure_is_recorded_not_retried(session: Session, smtp: SmtpServer, connections: str) -> None:
    _transitions(session)
    row = session.exec(select(OutboxMessage)).first()
    row.recipient_email = "bad-address@qh.test"
    session.add(row)
    session.commit()
    report = deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    assert (report.sent, report.failed) == (2, 1)
    failed = failed_messages(session)
    assert [f.id for f in failed] == [row.id] and "550" in failed[0].last_error
    assert deliver(session, settings=get_settings(), issue_link=token_for, now=utcnow() + timedelta(days=2)).sent == 0
    assert len(smtp.inbox.messages) == 2


TRANSITION = {
    "dossier_id": 7, "school": "Trường Tiểu học Bản Lầu", "phase": "Đợt 1", "campaign": "Đổi mới",
    "campaign_number": "91/KH-UBND", "school_year": "2022-2023", "stage": "Phòng GD&ĐT xét duyệt",
    "actor": "Nông Thị Hằng", "actor_role": "Chuyên viên Phòng GD&ĐT", "action": "Trả lại",
    "reason": "Thiếu biên bản", "recipient_unit": "Trường Tiểu học Bản Lầu",
    "nominations": [{"name": "Lò Văn <Quý>", "title_code": "LDTT", "verdict": "return_for_revision",
                     "reason": "Thiếu báo cáo"}],
}
NOTICE = {
    "campaign": "Đổi mới", "campaign_number": "91/KH-UBND", "school_year": "2022-2023", "phase": "Đợt 1",
    "unit": "Trường Tiểu học Bản Lầu", "recipient_unit": "Trường Tiểu học Bản Lầu", "stage": "Họp xét tại trường",
    "deadline": "23:59 03/11/2022", "days_left": 3, "day_unit": "ngày làm việc",
    "overdue_unit": "Trường Tiểu học Bản Lầu",
    "missing": ["Lò Văn <Quý>: chưa có kết quả bỏ phiếu."],
}
CONTEXTS: dict[str, tuple[dict[str, Any], str]] = {
    **{event: (TRANSITION, "Thiếu báo cáo") for event in SUBJECTS},
    "reminder": (NOTICE, "3 ngày làm việc"),
    "escalation": (NOTICE, "chưa có kết quả bỏ phiếu"),
    "daily_digest": ({"unit": "Trường Tiểu học Bản Lầu", "recipient_unit": "Trường Tiểu học Bản Lầu",
                      "day": "03/11/2022", "waiting": [{"dossier_id": 7, "school": "Lò Văn <Quý>",
                                                        "stage": "Phòng GD&ĐT xét duyệt"}]}, "Hồ sơ số 7"),
    "registration_forwarded": ({"block": "Khối thi đua Tiểu học", "entries": 12, "nominations": [],
                                "recipient_unit": "Phòng GD&ĐT", "campaign": "Đổi mới", "campaign_number": "91/KH-UBND",
                                "school_year": "2022-2023", "actor": "Lò Văn <Quý>", "actor_role": "Hiệu trưởng"},
                               "Khối thi đua Tiểu học đã tổng hợp"),
    "invitation": ({"unit": "Trường Tiểu học Bản Lầu", "recipient_unit": "Trường Tiểu học Bản Lầu", "person_id": 7,
                    "inviter": "Lò Văn <Quý>", "role": "Hiệu trưởng"}, "mời anh/chị sử dụng hệ thống"),
}


@pytest.mark.parametrize("event", sorted(SUBJECTS))
def test_every_event_renders_both_bodies(event: str) -> None:
    context, detail = CONTEXTS[event]
    email = render(event, context, to_email="a@qh.test", to_name="Hiệu trưởng")
    assert (context.get("school") or context.get("unit") or context["block"]) in email.subject
    if "phase" in context:
        assert "Đợt 1" in email.subject
    if "campaign_number" in context:
        assert "91/KH-UBND" in email.subject
    for body in (email.text, email.html):
        assert "{{" not in body and "{%" not in body
        assert "Hiệu trưởng" in body and detail in body
    assert "Lò Văn &lt;Quý&gt;" in email.html and "Lò Văn <Quý>" in email.text


@pytest.mark.parametrize("by_ids", [True, False])
def test_the_delivery_task_sends_more_rows_than_one_round(session: Session, smtp: SmtpServer,
                                                          monkeypatch: pytest.MonkeyPatch, by_ids: bool) -> None:
    """A decision for a thousand dossiers queues more rows than one transaction claims: none stays pending."""
    ids = _transitions(session)
    session.rollback()
    monkeypatch.setattr(notify, "ROUND", 2)
    report = notify.deliver_notifications.fn(ids if by_ids else None)
    assert report["sent"] == 3
    assert all(r.status == OutboxStatus.sent for r in session.exec(select(OutboxMessage)).all())
    assert sorted(smtp.inbox.message_ids()) == sorted(f"<tdkt-outbox-{i}@tdkt.invalid>" for i in ids)


def test_an_invitation_carries_a_sign_in_link_issued_when_it_is_sent(session: Session, smtp: SmtpServer) -> None:
    """The link signs the invited person in; it is in the email, never in the outbox row."""
    district = make_district(session, blocks=1, schools_per_block=1)
    head = district.heads[district.schools[0].id or 0]
    services_accounts.invite(session, actor=district.people["phong_reviewer"], person_id=head.id or 0)
    session.commit()
    report = deliver(session, settings=get_settings(), issue_link=token_for, sign_in=sign_in_path)
    assert report.sent == 1
    text = smtp.inbox.messages[0].get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http\S+/s/(\S+)", text)
    assert link is not None and "Nông Thị Hằng mời anh/chị" in text
    assert check_sign_in(link.group(1)) == head.id
    assert "/s/" not in str(session.exec(select(OutboxMessage)).one().context)
