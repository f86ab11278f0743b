"""Where every school stands: no dossier yet, waiting, overdue past the stage deadline; quota usage."""

from __future__ import annotations

from sqlmodel import Session

from tdkt import services
from tests.factories import at, make_district, submit_school


def test_status_rows_flag_what_is_overdue(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    sent, idle = district.schools
    dossier_id, _ = submit_school(session, district, sent, now=at(1))
    session.commit()
    before = {r.school: r for r in services.status_rows(session, phase_id=district.phase_id, now=at(2))}
    assert before[idle.name].stage == "Chưa lập hồ sơ" and not before[idle.name].overdue
    assert before[sent.name].stage == "Tổng hợp tại khối thi đua" and before[sent.name].nominations == 3
    after = {r.school: r for r in services.status_rows(session, phase_id=district.phase_id, now=at(7))}
    assert after[idle.name].overdue and after[sent.name].overdue  # school (03/11) and block (06/11) deadlines
    assert services.quota_usage(session, phase_id=district.phase_id) == [("Cá nhân", 0, 20)]
