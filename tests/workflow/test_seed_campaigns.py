"""The five seed plans as campaigns: each loads (its issuer, number, theme, phases, deadlines, quotas) and runs
its year-end phase (the year's titles) end to end through the service layer, on its own calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from config.route import default_route
from config.settings import get_settings
from config.vocabulary import SubjectKind, UnitKind
from models.campaign import Campaign, Phase, ReportDue, StageDeadline
from models.decision import DecisionEntry
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus
from models.outbox import OutboxMessage
from models.unit import Person, Unit, district_schools
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.services.registration import Wanted, register_district
from tdkt.services.reminders import plan
from tdkt.services.sample import load_sample, read_sample, sample_names
from tdkt.workflow.engine import Verdict
from tests.factories import SCHOOL_FIGURES

SEEDS = ["muong-khuong", "son-la", "thu-thua", "tra-vinh", "quang-hoa"]


def test_every_seed_has_a_campaign_file() -> None:
    assert sorted(SEEDS) == sample_names()


def _the_day_before(session: Session, phase_id: int, key: str) -> datetime:
    due = session.exec(select(StageDeadline).where(StageDeadline.phase_id == phase_id,
                                                   StageDeadline.key == key)).one().due_at
    return due.astimezone(get_settings().tz) - timedelta(days=1)


def _person(session: Session, role: str) -> Person:
    return session.exec(select(Person).where(Person.role == role).order_by(col(Person.id))).first()


def _review(session: Session, dossier_id: int, role: str, action: str, now: datetime) -> None:
    """Approve the dossier; over the phase quota, approve the collective and reject the individual."""
    try:
        services.act(session, dossier_id=dossier_id, actor=_person(session, role), action=action, now=now)
    except Refused as refusal:
        assert refusal.code == "checks_failed", refusal.message
        session.rollback()
        noms = services.dossier_view(session, dossier_id=dossier_id)["nominations"]
        verdicts = {n["id"]: Verdict("approve") if n["kind"] == "Tập thể" else Verdict("reject", "Vượt chỉ tiêu")
                    for n in noms}
        services.act(session, dossier_id=dossier_id, actor=_person(session, role), verdicts=verdicts, now=now)


@pytest.mark.parametrize("name", SEEDS)
def test_seed_campaign_runs_its_year_end_phase(session: Session, name: str) -> None:
    campaign = load_sample(session, name=name)
    if campaign.registration_due:  # Mường Khương registers first (seed 000), and nominates whom it registered
        register_district(session, campaign_id=campaign.id or 0, at=campaign.registration_due - timedelta(days=3),
                          wanted={u.id or 0: [Wanted(f"Giáo viên {u.code}", SubjectKind.individual, "LDTT"),
                                              Wanted(u.name, SubjectKind.collective, "TTLDTT")]
                                  for u in session.exec(select(Unit).where(Unit.kind == UnitKind.school))})
    session.commit()
    phase = session.exec(select(Phase).where(Phase.campaign_id == campaign.id, Phase.year_end == True)).one()  # noqa: E712
    schools = session.exec(select(Unit).where(Unit.kind == UnitKind.school).order_by(col(Unit.id))).all()
    submit_at = _the_day_before(session, phase.id or 0, "school_submission")
    for school in schools:
        dossier = services.open_dossier(session, phase_id=phase.id or 0, school_id=school.id or 0)
        noms = [services.add_nomination(session, dossier_id=dossier.id or 0, full_name=f"Giáo viên {school.code}",
                                        kind=SubjectKind.individual, title_code="LDTT", position="Giáo viên"),
                services.add_nomination(session, dossier_id=dossier.id or 0, full_name=school.name,
                                        kind=SubjectKind.collective, title_code="TTLDTT", figures=SCHOOL_FIGURES)]
        services.record_vote(session, dossier_id=dossier.id or 0, held_on=submit_at.date(), members_total=11,
                             members_present=10, tallies={n.id or 0: (9, 1) for n in noms})
        head = session.exec(select(Person).where(Person.unit_id == school.id)).one()
        services.submit(session, dossier_id=dossier.id or 0, actor=head, now=submit_at)
    for block in session.exec(select(Unit).where(Unit.kind == UnitKind.block)).all():
        leader = session.exec(select(Person).where(Person.unit_id == block.leader_school_id)).one()
        services.forward_block(session, block_id=block.id or 0, phase_id=phase.id or 0, actor=leader,
                               now=_the_day_before(session, phase.id or 0, "block_forward"))
    session.commit()
    dossier_ids = [d.id or 0 for d in session.exec(select(Dossier).where(Dossier.phase_id == phase.id)).all()]
    for role, action, key in (("phong_reviewer", "approve", "phong_review"),
                              ("noivu_officer", "verify", "noivu_verification")):
        for dossier_id in dossier_ids:
            _review(session, dossier_id, role, action, _the_day_before(session, phase.id or 0, key))
            session.commit()
    decided_on = _the_day_before(session, phase.id or 0, "noivu_verification") + timedelta(days=3)
    decisions = services.decide(session, phase_id=phase.id or 0, actor=_person(session, "chairman"),
                                signed_on=decided_on.date(), now=decided_on)
    session.commit()

    assert {d.stage for d in session.exec(select(Dossier)).all()} == {"decided"}
    granted = session.exec(select(Nomination).where(Nomination.status == NominationStatus.granted)).all()
    entries = session.exec(select(DecisionEntry).where(col(DecisionEntry.decision_id).in_([d.id for d in decisions])))\
        .all()
    assert len(entries) == len(granted) >= len(schools)  # every school's collective at least
    assert not any(d.late for d in session.exec(select(Dossier)).all())
    loaded = session.get(Campaign, campaign.id)
    assert loaded is not None and loaded.theme and loaded.number and loaded.school_year


def test_seed_facts_are_those_of_the_plans(session: Session) -> None:
    """Quảng Hòa's three phase deadlines and its 20-individual cap on the Giám đốc Sở's Giấy khen, then its year's
    end; Sơn La's plan issued by its Phòng GD&ĐT, with the theme of its "Chủ đề thi đua"; Mường Khương's
    registrations "trước 15/10/2020", so by the end of 14/10."""
    for name in ("quang-hoa", "son-la"):
        load_sample(session, name=name)
    session.commit()
    quang_hoa = session.exec(select(Campaign).where(Campaign.code == "quang-hoa-2022-2023")).one()
    ends = sorted(d.due_at.astimezone(get_settings().tz).date().isoformat() for d in session.exec(
        select(StageDeadline).join(Phase).where(Phase.campaign_id == quang_hoa.id, Phase.year_end == False,  # noqa: E712
                                                StageDeadline.key == "noivu_verification")).all())
    assert ends == ["2022-11-10", "2023-02-15", "2023-05-10"]
    phases = session.exec(select(Phase).where(Phase.campaign_id == quang_hoa.id).order_by(col(Phase.number))).all()
    assert [p.year_end for p in phases] == [False, False, False, True]
    assert "Đoàn kết, sáng tạo" in quang_hoa.theme
    quotas = services.quota_usage(session, phase_id=session.exec(select(Phase.id).where(
        Phase.campaign_id == quang_hoa.id, Phase.number == 1)).one())
    assert [(q[0], q[2]) for q in quotas] == [("Cá nhân (Giấy khen của Giám đốc Sở GD&ĐT)", 20)]
    son_la = session.exec(select(Campaign).where(Campaign.code == "son-la-2020")).one()
    assert session.get(Unit, son_la.issuer_unit_id).kind == UnitKind.phong_gddt
    assert son_la.theme.startswith("Đoàn kết, sáng tạo, thi đua, phấn đấu hoàn thành toàn diện")
    assert read_sample("muong-khuong").campaign.registration_due == date(2020, 10, 14)
    assert read_sample("thu-thua").campaign.signer == "KT. TRƯỞNG PHÒNG / PHÓ TRƯỞNG PHÒNG / Trần Thị Kim Nhãn"


def test_tra_vinh_s_plan_is_the_so_s_with_its_reports(session: Session) -> None:
    """Seed 003 is a plan of the Sở GD&ĐT Trà Vinh, carried out by the city's schools; its sơ kết and tổng kết
    are reports the Phòng owes by a date ("trước 30/12/2019": by the end of 29/12), reminded before them."""
    campaign = load_sample(session, name="tra-vinh")
    session.commit()
    issuer = session.get(Unit, campaign.issuer_unit_id)
    assert issuer is not None and issuer.kind == UnitKind.so_gddt
    assert issuer.name == "Sở Giáo dục và Đào tạo tỉnh Trà Vinh"
    assert len(district_schools(session, issuer_unit_id=issuer.id or 0)) == 4  # the plan reaches the city's schools
    dues = session.exec(select(ReportDue).order_by(col(ReportDue.due_at))).all()
    tz = get_settings().tz
    assert [(d.name, d.due_at.astimezone(tz).date()) for d in dues] == [
        ("Báo cáo sơ kết phong trào thi đua cao điểm", date(2019, 12, 29)),
        ("Báo cáo tổng kết phong trào thi đua cao điểm", date(2020, 8, 29))]
    session.rollback()

    def sweep() -> list[OutboxMessage]:
        before = {m.id for m in session.exec(select(OutboxMessage))}
        plan(session, route=default_route(), now=datetime(2019, 12, 28, 9, tzinfo=tz))
        session.commit()
        return [m for m in session.exec(select(OutboxMessage)) if m.id not in before and m.event == "reminder"
                and "Báo cáo sơ kết" in m.context["stage"]]

    sent = sweep()
    assert sorted(m.recipient_email for m in sent) == ["sarinh.pgd@travinh.test", "truongphong.pgd@travinh.test"]
    assert "gửi Sở Giáo dục và Đào tạo tỉnh Trà Vinh trước 23:59 29/12/2019" in sent[0].context["missing"][0]
    assert sweep() == []  # once
