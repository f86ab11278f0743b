"""Delegation: a reviewer away names a substitute; during the range the substitute gets the emails (with their
own action links) and acts for the reviewer, the audit naming both; outside the range the substitute cannot."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from config.settings import get_settings
from models.audit import AuditEvent
from models.dossier import Dossier
from models.link import ActionLink
from models.outbox import OutboxMessage
from models.unit import Person
from notifications.outbox import deliver
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.common.timefmt import local_today
from tdkt.services.links import token_for
from tests.factories import at, make_district, submit_school


def test_the_substitute_acts_for_the_reviewer_only_within_the_range(session: Session, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TDKT_MAILBOX_DIR", str(tmp_path / "mail"))
    monkeypatch.delenv("TDKT_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    today = local_today()
    district = make_district(session, blocks=1, schools_per_block=1, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})
    reviewer = district.people["phong_reviewer"]
    secretary = Person(full_name="Hà Thị Nhàn", email="nhan@qh.test", role="phong_staff", unit_id=reviewer.unit_id)
    session.add(secretary)
    session.commit()
    with pytest.raises(Refused) as refused:
        services.delegate(session, person=reviewer, substitute=district.heads[district.schools[0].id],
                          starts_on=today, ends_on=today)
    assert refused.value.code == "other_unit"
    services.delegate(session, person=reviewer, substitute=secretary, starts_on=today - timedelta(days=1),
                      ends_on=today + timedelta(days=2))
    dossier_id, _ = submit_school(session, district, district.schools[0])
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]))
    session.commit()

    told = {m.recipient_email for m in session.exec(select(OutboxMessage).where(
        OutboxMessage.event == "dossier_forwarded"))}
    assert told == {"nhan@qh.test", "phong_head@qh.test"}  # the reviewer's email goes to the substitute
    deliver(session, settings=get_settings(), issue_link=token_for)
    session.commit()
    assert secretary.id in {link.person_id for link in session.exec(select(ActionLink))}

    after = datetime.combine(today + timedelta(days=3), datetime.min.time(), tzinfo=get_settings().tz)
    with pytest.raises(Refused) as outside:
        services.act(session, dossier_id=dossier_id, actor=secretary, action="approve", now=after)
    session.rollback()
    assert outside.value.code == "wrong_role"

    result = services.act(session, dossier_id=dossier_id, actor=secretary, action="approve")
    session.commit()
    event = session.get(AuditEvent, result.audit_event_id)
    assert (event.actor_id, event.detail["on_behalf_of"]) == (secretary.id, reviewer.id)
    history = services.dossier_view(session, dossier_id=dossier_id)["history"]
    assert history[-1]["actor"] == "Hà Thị Nhàn (thay Nông Thị Hằng)"


def test_a_delegation_made_midway_reaches_the_next_notification_of_the_same_session(session: Session) -> None:
    """Recipients are remembered for a batch; naming a substitute forgets them, so the second school's email
    goes to the substitute of the block leader's head (the school's emulation officer), not to the head."""
    district = make_district(session, blocks=1, schools_per_block=3)
    leader_id = district.blocks[0].leader_school_id
    head = district.heads[leader_id]
    deputy = Person(full_name="Lò Văn Pâng", email="pang@qh.test", role="emulation_officer", unit_id=leader_id)
    session.add(deputy)
    session.commit()
    members = [s for s in district.schools if s.id != leader_id]
    day = at(1).date()
    submit_school(session, district, members[0], now=at(1))
    services.delegate(session, person=head, substitute=deputy, starts_on=day - timedelta(days=1),
                      ends_on=day + timedelta(days=1))
    submit_school(session, district, members[1], now=at(1))
    session.commit()
    told = [{m.recipient_email for m in session.exec(select(OutboxMessage).where(
        OutboxMessage.event == "dossier_submitted", OutboxMessage.dossier_id == dossier_id))}
        for dossier_id in [session.exec(select(Dossier.id).where(Dossier.school_id == s.id)).one() for s in members]]
    assert told == [{head.email, deputy.email}, {deputy.email}]  # the deputy once, in the head's place
