"""Award forms routed to their grantors: a Giấy khen of the Giám đốc Sở (seed 004) proposed by the Phòng goes on
to the Sở GD&ĐT, is reviewed there within the phase's quota of its form, and is granted by the Giám đốc's own
decision, while the school's other nominees go on to the district chairman's. A CSTĐ cấp tỉnh goes on to the
province: appraised, voted by its council (90 % of all members, secret ballot) and decided by the Chủ tịch."""

from __future__ import annotations

import json
from datetime import date

from sqlmodel import Session, col, select

from config.route import default_route
from config.rules import campaign_rules
from config.vocabulary import SubjectKind, UnitKind
from models.audit import AuditEvent, verify
from models.award import AwardRecord
from models.campaign import Campaign, PhaseQuota
from models.decision import Decision, DecisionEntry
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus
from models.outbox import OutboxMessage
from models.tally import recount, stored
from models.unit import Person, Unit
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.services import attachments
from tdkt.services.worklist import worklist
from tdkt.workflow.engine import Verdict
from tests.factories import District, at, make_district
from tests.workflow.test_refusals import assert_refused


def province(session: Session, district: District) -> dict[str, Person]:
    """UBND tỉnh above the district's UBND huyện, with its Sở GD&ĐT: a reviewer and the Giám đốc."""
    province = Unit(code="ubnd-tinh", name="UBND tỉnh Cao Bằng", kind=UnitKind.ubnd_tinh)
    session.add(province)
    session.flush()
    so = Unit(code="sgddt", name="Sở Giáo dục và Đào tạo tỉnh Cao Bằng", kind=UnitKind.so_gddt, parent_id=province.id)
    session.add(so)
    ubnd = session.exec(select(Unit).where(Unit.kind == UnitKind.ubnd_huyen)).one()
    ubnd.parent_id = province.id
    session.add(ubnd)
    session.flush()
    noi_vu = Unit(code="snv", name="Sở Nội vụ tỉnh Cao Bằng", kind=UnitKind.so_noi_vu, parent_id=province.id)
    session.add(noi_vu)
    session.flush()
    people = {role: Person(full_name=name, email=f"{role}@caobang.test", role=role, unit_id=unit.id or 0)
              for role, name, unit in (("so_reviewer", "Nông Thị Thu", so), ("so_director", "Hoàng Văn Sở", so),
                                       ("province_officer", "Bế Thị Ban", noi_vu),
                                       ("province_chairman", "Hoàng Xuân Ánh", province))}
    session.add_all(people.values())
    session.add(PhaseQuota(phase_id=district.phase_id, subject="individual", title_code="GK_SO", max_count=1))
    session.commit()
    return people


def at_phong(session: Session, district: District) -> tuple[int, dict[str, Nomination]]:
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    noms = {name: services.add_nomination(session, dossier_id=dossier.id or 0, full_name=name,
                                          kind=SubjectKind.individual, title_code=title)
            for name, title in (("Nông Văn Tài", "GK_HUYEN"), ("Hoàng Thị Lan", "GK_SO"), ("Lục Thị Mai", "GK_SO"))}
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=date(2022, 10, 28), members_total=15,
                         members_present=13, tallies={n.id or 0: (12, 1) for n in noms.values()})
    services.submit(session, dossier_id=dossier.id or 0, actor=district.heads[school.id or 0], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    session.commit()
    return dossier.id or 0, noms


def test_a_giay_khen_of_the_so_is_reviewed_at_the_so_and_decided_by_its_director(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1, quota=None, year_end=False)
    so = province(session, district)
    dossier_id, noms = at_phong(session, district)
    tai, lan, mai = (noms[n].id or 0 for n in ("Nông Văn Tài", "Hoàng Thị Lan", "Lục Thị Mai"))

    # The Phòng approves the district's Giấy khen and proposes the Sở's to the Sở, one verdict each.
    result = services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], now=at(3),
                          verdicts={tai: Verdict("approve"), lan: Verdict("forward_higher"),
                                    mai: Verdict("forward_higher")})
    session.commit()
    assert result.to_stage == "noivu_verification"
    part = session.exec(select(Dossier).where(Dossier.grantor == "so_director")).one()
    assert (part.stage, part.parent_id, part.school_id) == ("so_review", dossier_id, district.schools[0].id)
    assert {n.id: (n.dossier_id, n.status) for n in session.exec(select(Nomination))} == {
        tai: (dossier_id, NominationStatus.approved), lan: (part.id, NominationStatus.forwarded),
        mai: (part.id, NominationStatus.forwarded)}
    arrived = session.exec(select(AuditEvent).where(AuditEvent.dossier_id == part.id)).one()
    assert (arrived.action, arrived.from_stage, arrived.to_stage) == ("forward_higher", "phong_review", "so_review")
    told = session.exec(select(OutboxMessage).where(OutboxMessage.dossier_id == part.id)).all()
    assert [m.recipient_email for m in told] == ["so_reviewer@caobang.test"]
    head = district.heads[district.schools[0].id or 0]  # the school sees where its part stands, on its home page
    work = worklist(session, person=head, route=default_route(), today=date(2022, 11, 3))
    assert {(i.dossier_id, i.stage) for i in work.items} >= {(part.id, "Sở GD&ĐT xét duyệt")}

    # The Sở approves or not; it does not return to the school, nor propose higher; its quota holds.
    reviewer = so["so_reviewer"]
    assert_refused(session, lambda: services.act(session, dossier_id=part.id or 0, actor=reviewer, now=at(8),
                                                 verdicts={lan: Verdict("approve"),
                                                           mai: Verdict("return_for_revision", "Thiếu")}),
                   "no_return_verdict", "không trả lại hồ sơ")
    assert_refused(session, lambda: services.act(session, dossier_id=part.id or 0, actor=reviewer, now=at(8),
                                                 action="approve"),
                   "checks_failed", "tối đa 1 cá nhân (Giấy khen của Giám đốc Sở GD&ĐT)")
    services.act(session, dossier_id=part.id or 0, actor=reviewer, now=at(8),
                 verdicts={lan: Verdict("approve"), mai: Verdict("reject", "Vượt chỉ tiêu của đợt")})
    session.commit()
    assert session.get(Dossier, part.id).stage == "so_decision"

    # Two decisions: the district chairman's and the Giám đốc Sở's, each of its own forms.
    services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify", now=at(9))
    [chairman] = services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                               signed_on=date(2022, 11, 18), now=at(18))
    [director] = services.decide(session, phase_id=district.phase_id, actor=so["so_director"],
                               signed_on=date(2022, 11, 25), now=at(25))
    session.commit()
    entries = {d.number: [e.title_code for e in session.exec(select(DecisionEntry).where(
        DecisionEntry.decision_id == d.id).order_by(col(DecisionEntry.id)))] for d in (chairman, director)}
    assert entries == {"1/QĐ-UBND": ["GK_HUYEN"], "1/QĐ-SGDĐT": ["GK_SO"]}
    assert session.get(Unit, director.issuer_unit_id).kind == UnitKind.so_gddt
    assert len(session.exec(select(Decision)).all()) == 2
    granted = {r.title_code: r.decision_id for r in session.exec(select(AwardRecord))}
    assert granted == {"GK_HUYEN": chairman.id, "GK_SO": director.id}
    assert session.get(Nomination, mai).status == NominationStatus.rejected
    assert {d.stage for d in session.exec(select(Dossier))} == {"decided"}

    # One row per school, counting its part; the tally agrees with the nominations; the audit chain holds.
    [row] = services.status_rows(session, phase_id=district.phase_id)
    assert (row.stage, row.nominations, row.approved) == ("Đã có quyết định khen thưởng", 3, 2)
    assert stored(session, phase_id=district.phase_id) == recount(session, start=default_route().start,
                                                                  phase_id=district.phase_id)
    assert verify(session) == []


def test_each_title_proposed_higher_goes_to_its_own_grantor(session: Session) -> None:
    """One verdict each: the Sở's Giấy khen to the Sở's part, the province's Bằng khen to the province's; the
    district's own Giấy khen stays in the school's dossier (a route without tracks, as the two-tier preset, keeps
    every one there as "proposed higher": tests/workflow/test_two_tier_route.py)."""
    district = make_district(session, blocks=1, schools_per_block=1, quota=None, year_end=False)
    province(session, district)
    dossier_id, noms = at_phong(session, district)
    lan = noms["Hoàng Thị Lan"]
    lan.title_code = "BK_TINH"
    session.add(lan)
    session.commit()
    verdicts = {n.id or 0: Verdict("approve" if n.title_code == "GK_HUYEN" else "forward_higher")
                for n in noms.values()}
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], now=at(3), verdicts=verdicts)
    session.commit()
    parts = {p.grantor: p for p in session.exec(select(Dossier).where(Dossier.grantor != ""))}
    assert {g: p.stage for g, p in parts.items()} == {"so_director": "so_review",
                                                      "province_chairman": "province_appraisal"}
    where = {n.title_code: n.dossier_id for n in session.exec(select(Nomination))}
    assert where == {"GK_HUYEN": dossier_id, "GK_SO": parts["so_director"].id,
                     "BK_TINH": parts["province_chairman"].id}


def test_a_cstd_of_the_province_goes_to_its_council_and_needs_ninety_percent_of_all_members(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1, quota=None)
    people = province(session, district)
    campaign = session.exec(select(Campaign)).one()  # its province rounds the CSTĐCS cap up: 15 % of 1 LĐTT is 1
    cap = campaign_rules(campaign).caps[0].model_dump()
    campaign.rule_overrides = json.dumps({"caps": [{**cap, "rounding": "up"}]})
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    noms = {code: services.add_nomination(session, dossier_id=dossier.id or 0, full_name="Lục Thị Mai",
                                          kind=SubjectKind.individual, title_code=code, initiative="Sáng kiến tỉnh")
            for code in ("LDTT", "CSTDCS", "CSTD_TINH")}
    session.add_all([AwardRecord(nominee_id=noms["LDTT"].nominee_id, title_code="CSTDCS", year=y)
                     for y in (2020, 2021)])
    for kind in ("bao_cao_thanh_tich", "sang_kien"):
        attachments.attach(session, dossier=dossier, person=district.heads[school.id or 0], kind=kind,
                           filename=f"{kind}.pdf", content=b"%PDF-1.4\n%%EOF\n", start_stage="school_vote")
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=date(2022, 10, 28), members_total=15,
                         members_present=13, tallies={n.id or 0: (12, 1) for n in noms.values()})
    services.submit(session, dossier_id=dossier.id or 0, actor=district.heads[school.id or 0], now=at(1))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    services.act(session, dossier_id=dossier.id or 0, actor=district.people["phong_reviewer"], action="approve",
                 now=at(3))
    cstd = noms["CSTD_TINH"].id or 0
    services.act(session, dossier_id=dossier.id or 0, actor=district.people["noivu_officer"], now=at(4),
                 verdicts={n.id or 0: Verdict("forward_higher" if n.id == cstd else "approve") for n in noms.values()})
    session.commit()
    part = session.exec(select(Dossier).where(Dossier.grantor == "province_chairman")).one()
    assert part.stage == "province_appraisal"

    officer = people["province_officer"]
    services.act(session, dossier_id=part.id or 0, actor=officer, action="approve", now=at(8))  # papers: the school's
    session.commit()
    assert session.get(Dossier, part.id).stage == "province_council"
    # The list is public 10 working days (from Tuesday 08/11 to Tuesday 22/11/2022) before the council meets.
    assert_refused(session, lambda: services.act(session, dossier_id=part.id or 0, actor=officer, action="approve",
                                                 now=at(9)),
                   "checks_failed", "chưa có kết quả bỏ phiếu của Hội đồng Thi đua – Khen thưởng",
                   "Chưa hết thời gian công khai danh sách (hôm nay trước ngày 22/11/2022)", "Điều 46 khoản 2")
    services.record_council_vote(session, dossier_id=part.id or 0, held_on=date(2022, 11, 21), members_total=10,
                                 members_present=10, tallies={cstd: (9, 1)}, secret_ballot=True)
    session.commit()
    assert_refused(session, lambda: services.act(session, dossier_id=part.id or 0, actor=officer, action="approve",
                                                 now=at(23)),
                   "checks_failed", "(ngày họp Hội đồng trước ngày 22/11/2022)")
    services.record_council_vote(session, dossier_id=part.id or 0, held_on=date(2022, 11, 23), members_total=10,
                                 members_present=10, tallies={cstd: (8, 2)}, secret_ballot=True)
    session.commit()
    assert_refused(session, lambda: services.act(session, dossier_id=part.id or 0, actor=officer, action="approve",
                                                 now=at(23)),
                   "checks_failed", "Lục Thị Mai (Chiến sĩ thi đua cấp tỉnh) chỉ được 8/10 phiếu đồng ý của Hội đồng, "
                   "chưa đạt từ 90% tổng số thành viên Hội đồng", "Điều 45 khoản 8")
    school_tally = services.dossier_view(session, dossier_id=dossier.id or 0)["vote"]
    assert school_tally.members_total == 15  # the school's meeting is untouched by the province's
    services.record_council_vote(session, dossier_id=part.id or 0, held_on=date(2022, 11, 23), members_total=10,
                                 members_present=10, tallies={cstd: (9, 1)}, secret_ballot=True)
    services.act(session, dossier_id=part.id or 0, actor=officer, action="approve", now=at(23, hour=15))
    services.decide(session, phase_id=district.phase_id, actor=people["province_chairman"],
                    signed_on=date(2022, 11, 28), now=at(28))
    session.commit()
    assert session.get(Nomination, cstd).status == NominationStatus.granted
    assert_refused(session, lambda: services.record_council_vote(
        session, dossier_id=dossier.id or 0, held_on=date(2022, 11, 9), members_total=10, members_present=10,
        tallies={}), "not_council_stage", "chỉ ghi khi hồ sơ chờ Hội đồng xét", kind=Refused)
