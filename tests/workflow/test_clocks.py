"""Statutory clocks: the 10 working days of the appraisal, counted from the dossier's arrival, are shown on its
page, reminded before they end (unless the phase's own deadline comes first) and flag a late verification."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from config.route import default_route
from config.settings import get_settings
from models.dossier import Dossier
from models.outbox import OutboxMessage
from tdkt import services
from tdkt.services.reminders import plan
from tests.factories import DEADLINES, District, at, make_district, submit_school

LATE_DEADLINES = {**DEADLINES, "noivu_verification": date(2022, 11, 30)}


def _at_noivu(session: Session, district: District) -> int:
    """Approved by the Phòng on Thursday 03/11/2022: the appraisal's 10 working days end on 17/11."""
    dossier_id, _ = submit_school(session, district, district.schools[0], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve", now=at(3))
    session.commit()
    return dossier_id


def _reminders(session: Session, when: datetime) -> list[OutboxMessage]:
    before = {m.id for m in session.exec(select(OutboxMessage))}
    plan(session, route=default_route(), now=when)
    session.commit()
    return [m for m in session.exec(select(OutboxMessage)) if m.id not in before and m.event == "reminder"]


def test_the_appraisal_clock_is_shown_reminded_and_flags_lateness(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1, deadlines=LATE_DEADLINES)
    dossier_id = _at_noivu(session, district)
    shown = services.dossier_view(session, dossier_id=dossier_id)["clock"]
    assert shown.startswith("Hạn theo quy định: 17/11/2022 (10 ngày làm việc kể từ khi hồ sơ đến ngày 03/11/2022")

    assert _reminders(session, at(7, hour=7)) == []  # Monday 07/11: 8 working days left
    sent = _reminders(session, at(8, hour=9))  # Tuesday 08/11, 7 working days before 17/11
    assert [m.recipient_email for m in sent] == ["noivu_officer@qh.test"]
    assert "Hạn theo quy định: 17/11/2022" in " ".join(sent[0].context["missing"])
    assert _reminders(session, at(8, hour=10)) == []  # claimed once
    assert len(_reminders(session, at(14, hour=9))) == 1  # 3 working days before
    assert _reminders(session, at(18, hour=9)) == []  # past it: no reminder

    services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify",
                 now=datetime(2022, 11, 18, 9, tzinfo=get_settings().tz))
    session.commit()
    assert session.get(Dossier, dossier_id).late  # flagged, not refused


def test_the_phases_earlier_deadline_takes_the_reminders(session: Session) -> None:
    """When the phase's own deadline for the stage comes first (17/11 here too), its reminders are the ones."""
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id = _at_noivu(session, district)
    sent = _reminders(session, at(8, hour=9))
    assert len(sent) == 1 and "Hạn theo quy định" not in " ".join(sent[0].context.get("missing", []))
    services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify", now=at(17))
    session.commit()
    assert not session.get(Dossier, dossier_id).late
