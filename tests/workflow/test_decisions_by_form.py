"""One decision per grantor and form; an ad hoc phase (khen thưởng đột xuất) that only the proposing schools take
part in; the pupils' Giấy khen decided by their own school's head (Thông tư 22/2021/TT-BGDĐT Điều 15)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from config.rules import load_rules
from config.settings import CONFIG_DIR
from config.vocabulary import Occasion, SubjectKind, UnitKind
from config.yaml_source import ConfigError
from models.campaign import Campaign, Phase
from models.decision import Decision, decision_entries
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus
from models.outbox import OutboxMessage
from models.unit import Person, Unit
from tdkt import services
from tdkt.common.errors import Refused, TransitionRefused
from tdkt.documents import papers
from tdkt.services import plans
from tdkt.workflow.engine import Verdict
from tests.documents.test_papers import docx_text
from tests.factories import District, added, at, make_district, prepare_dossier, submit_school


def _to_decision(session: Session, district: District, dossier_ids: list[int], day: int = 7, month: int = 11) -> None:
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(day, month))
    for dossier_id in dossier_ids:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(day + 1, month))
        services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify",
                     now=at(day + 2, month))
    session.commit()


def test_the_numbers_follow_one_another_and_a_number_without_one_is_refused_for_two_forms(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    ids = [submit_school(session, district, school, now=at(1))[0] for school in district.schools]
    _to_decision(session, district, ids)
    session.add(Decision(phase_id=district.phase_id, number="13/QĐ-UBND", year=2022, signed_on=date(2022, 11, 1),
                         issuer_unit_id=district.people["chairman"].unit_id, signer_id=district.people["chairman"].id))
    session.commit()
    chairman = district.people["chairman"]
    with pytest.raises(Refused) as refused:
        services.decide(session, phase_id=district.phase_id, actor=chairman, signed_on=date(2022, 11, 18),
                        number="QĐ-UBND ngày 18/11", now=at(18))
    assert refused.value.code == "number_form" and "cần 2 số liên tiếp" in refused.value.message
    session.rollback()
    assert {d.stage for d in session.exec(select(Dossier)).all()} == {"awaiting_decision"}  # nothing written
    decisions = services.decide(session, phase_id=district.phase_id, actor=chairman, signed_on=date(2022, 11, 18),
                                number="12/QĐ-UBND", now=at(18))
    session.commit()
    # 13 was taken by hand earlier in the year: the second decision takes the next free number
    assert [(d.form, d.number) for d in decisions] == [("LDTT", "12/QĐ-UBND"), ("TTLDTT", "14/QĐ-UBND")]


def test_titles_of_one_form_are_one_decision_and_a_form_must_match_its_titles(tmp_path: Path) -> None:
    rules = load_rules(CONFIG_DIR / "rules" / "luat-2022.yaml")
    assert rules.form_of("GK_HUYEN_TT") == rules.form_of("GK_HUYEN") == "GK_HUYEN"
    assert rules.form_of("LDTT") == "LDTT" and rules.form_of("TTLDTT") == "TTLDTT"
    broken = tmp_path / "luat-2022.yaml"
    broken.write_text((CONFIG_DIR / "rules" / "luat-2022.yaml").read_text(encoding="utf-8").replace(
        "    form: GK_HUYEN  #", "    form: LDTT  #"), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(broken)
    assert "'GK_HUYEN_TT' và 'LDTT' cùng một quyết định nên phải cùng loại (kind)" in str(error.value)


# --- khen thưởng đột xuất ---------------------------------------------------------------------------------------

def _ad_hoc(session: Session) -> tuple[District, Phase]:
    district = make_district(session, blocks=1, schools_per_block=3, year_end=False)
    campaign = session.exec(select(Campaign)).one()
    phase = plans.add_phase(session, campaign=campaign, name="Khen thưởng đột xuất: cứu học sinh đuối nước",
                            starts_on=date(2022, 12, 1), ends_on=date(2022, 12, 31), occasion=Occasion.ad_hoc,
                            forms=["GK_HUYEN"], deadlines={"school_submission": date(2022, 12, 10)})
    session.commit()
    district.phase_id = phase.id or 0
    return district, phase


def test_an_ad_hoc_phase_proposes_its_forms_and_waits_for_no_other_school(session: Session) -> None:
    district, phase = _ad_hoc(session)
    assert phase.number == 2 and phase.occasion == Occasion.ad_hoc
    school = district.schools[1]  # not the block's leader: the leader proposes no one
    dossier_id = services.open_dossier(session, phase_id=phase.id or 0, school_id=school.id or 0).id or 0
    session.commit()
    with pytest.raises(Refused) as refused:
        services.add_nomination(session, dossier_id=dossier_id, full_name="Vi Văn Toàn", kind=SubjectKind.individual,
                                title_code="GK_SO")
    assert "chỉ đề nghị: Giấy khen của Chủ tịch UBND huyện; không đề nghị Giấy khen của Giám đốc Sở" in \
        refused.value.message
    session.rollback()
    nomination = services.add_nomination(session, dossier_id=dossier_id, full_name="Vi Văn Toàn",
                                         kind=SubjectKind.individual, title_code="GK_HUYEN", position="Giáo viên",
                                         achievements="Cứu hai học sinh đuối nước ngày 02/12/2022")
    services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 12, 3), members_total=9,
                         members_present=9, tallies={nomination.id or 0: (9, 0)})
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(4, 12))
    session.commit()
    # the other two schools opened nothing: the block forwards at once, before its deadline
    _to_decision(session, district, [dossier_id], day=5, month=12)
    [decision] = services.decide(session, phase_id=phase.id or 0, actor=district.people["chairman"],
                                 signed_on=date(2022, 12, 12), now=at(12, 12))
    session.commit()
    assert decision.form == "GK_HUYEN"
    assert [e.nominee_name for e in decision_entries(session, decision_id=decision.id or 0)] == ["Vi Văn Toàn"]
    text = docx_text(papers.decision_document(session, decision_id=decision.id or 0))
    assert "Về việc tặng Giấy khen của Chủ tịch UBND huyện" in text
    assert "Điều 1. Tặng Giấy khen của Chủ tịch UBND huyện cho 1 cá nhân (có danh sách kèm theo), đã có thành tích " \
           "đột xuất." in text


def test_a_phase_that_contradicts_its_rules_is_refused_whole(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    campaign = session.exec(select(Campaign)).one()
    with pytest.raises(Refused) as refused:
        plans.add_phase(session, campaign=campaign, name="Đợt chuyên đề", starts_on=date(2023, 3, 1),
                        ends_on=date(2023, 2, 1), occasion=Occasion.thematic, forms=["LDTT", "XYZ"],
                        deadlines={"nop_ho_so": date(2023, 2, 20)})
    message = refused.value.message
    assert "ngày bắt đầu 01/03/2023 sau ngày kết thúc 01/02/2023" in message
    assert "danh hiệu 'XYZ' không có trong bộ quy tắc" in message
    assert "Lao động tiên tiến xét tặng hằng năm, chỉ đề nghị ở đợt tổng kết năm học" in message
    assert "hạn 'nop_ho_so' không phải hạn của bước nào trong tuyến" in message
    session.rollback()
    assert [p.id for p in session.exec(select(Phase)).all()] == [district.phase_id]


# --- the pupils' Giấy khen, decided at the school ---------------------------------------------------------------

def test_the_school_head_decides_the_pupils_giay_khen_and_the_teachers_go_up(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)  # the year-end phase
    school, other = district.schools
    dossier_id, teachers = prepare_dossier(session, district, school)  # voted by the council
    pupils = [services.add_nomination(session, dossier_id=dossier_id, full_name=name, kind=SubjectKind.individual,
                                      title_code=code, position="Học sinh lớp 9A", birth_date=date(2008, 3, day))
              for name, code, day in (("Lò Thị Mai", "HS_XUAT_SAC", 4), ("Vi Văn Nam", "HS_GIOI", 9))]
    session.commit()
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(1))  # no vote on pupils
    session.commit()

    part = session.exec(select(Dossier).where(Dossier.grantor == "school_head")).one()
    assert part.stage == "school_decision" and part.school_id == school.id and part.parent_id == dossier_id
    moved = session.exec(select(Nomination).where(Nomination.dossier_id == part.id)).all()
    assert sorted(n.id for n in moved) == sorted(p.id for p in pupils)
    assert {n.status for n in moved} == {NominationStatus.approved}
    assert {n.id for n in session.exec(select(Nomination).where(Nomination.dossier_id == dossier_id))} == \
        {n.id for n in teachers}  # the teachers' go on to the block
    asked = session.exec(select(OutboxMessage).where(OutboxMessage.dossier_id == part.id)).all()
    assert [m.recipient_email for m in asked] == [district.heads[school.id].email]

    with pytest.raises(Refused) as refused:  # another school's head decides for their own school only
        services.decide(session, phase_id=district.phase_id, actor=district.heads[other.id],
                        signed_on=date(2023, 5, 25), now=at(2))
    assert refused.value.code == "nothing_to_decide"
    session.rollback()
    decision, second = services.decide(session, phase_id=district.phase_id, actor=district.heads[school.id],
                                       signed_on=date(2023, 5, 25), now=at(2))
    session.commit()
    assert decision.number == "1/QĐ-TH" and decision.issuer_unit_id == school.id and decision.form == "HS_XUAT_SAC"
    assert [e.title_code for e in decision_entries(session, decision_id=decision.id or 0)] == ["HS_XUAT_SAC"]
    assert (second.number, second.form) == ("2/QĐ-TH", "HS_GIOI")
    assert session.get(Dossier, part.id).stage == "decided"
    assert {session.get(Nomination, p.id).status for p in pupils} == {NominationStatus.granted}
    text = docx_text(papers.decision_document(session, decision_id=decision.id or 0))
    assert "HIỆU TRƯỞNG TRƯỜNG TIỂU HỌC SỐ 1.1" in text and "Tặng Giấy khen “Học sinh Xuất sắc” cho 1 cá nhân" in text
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"

    # returned later, the school cannot add a pupil to a part its head has decided: refused, nothing written
    submit_school(session, district, other, now=at(2, hour=10))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2, hour=11))
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], now=at(2, hour=12),
                 verdicts={t.id or 0: Verdict("return_for_revision", "Bổ sung minh chứng") for t in teachers})
    late = services.add_nomination(session, dossier_id=dossier_id, full_name="Hà Thị Xuân", title_code="HS_GIOI",
                                   kind=SubjectKind.individual, position="Học sinh lớp 8B")
    session.commit()
    with pytest.raises(TransitionRefused) as refused_late:
        services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(3))
    assert refused_late.value.code == "decided_at_school" and "không gửi thêm được: Hà Thị Xuân" in \
        refused_late.value.message
    session.rollback()
    assert session.get(Dossier, dossier_id).stage == "school_vote"
    services.withdraw_nomination(session, nomination_id=late.id or 0)
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id], now=at(3))
    session.commit()
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"


def _second_district(session: Session, phase_id: int) -> District:
    """Another district in the same database and campaign (Lâm Bình), one block of one school, its own offices."""
    ubnd = added(session, Unit(code="ubnd-lb", name="UBND huyện Lâm Bình", kind=UnitKind.ubnd_huyen))
    phong = added(session, Unit(code="pgd-lb", name="Phòng GD&ĐT Lâm Bình", kind=UnitKind.phong_gddt,
                                parent_id=ubnd.id))
    noivu = added(session, Unit(code="pnv-lb", name="Phòng Nội vụ Lâm Bình", kind=UnitKind.phong_noi_vu,
                                parent_id=ubnd.id))
    block = added(session, Unit(code="khoi-lb", name="Khối thi đua Lâm Bình", kind=UnitKind.block, parent_id=phong.id))
    school = added(session, Unit(code="th-lb", name="Trường Tiểu học Lăng Can", kind=UnitKind.school, level="TH",
                                 parent_id=phong.id, block_id=block.id))
    block.leader_school_id = school.id
    people = {role: added(session, Person(full_name=name, email=f"{role}@lb.test", role=role, unit_id=unit.id or 0))
              for role, name, unit in (("phong_reviewer", "Ma Thị Duyên", phong),
                                       ("noivu_officer", "Chẩu Văn Ba", noivu), ("chairman", "Hoàng Văn Lâm", ubnd),
                                       ("school_head", "Bàn Thị Hoa", school))}
    session.add(block)
    session.commit()
    return District(phase_id=phase_id, schools=[school], blocks=[block], heads={school.id or 0: people["school_head"]},
                    people=people)


def test_each_chairman_decides_the_dossiers_of_their_own_district(session: Session) -> None:
    """A database holding two districts: each chairman's signing takes the dossiers of the schools of their own
    district only, and leaves the other's waiting for its chairman."""
    quang_hoa = make_district(session, blocks=1, schools_per_block=1)
    lam_binh = _second_district(session, quang_hoa.phase_id)
    for district in (quang_hoa, lam_binh):
        [dossier_id] = [submit_school(session, district, school, now=at(1))[0] for school in district.schools]
        _to_decision(session, district, [dossier_id])
    assert services.decision_preview(session, phase_id=quang_hoa.phase_id, actor=lam_binh.people["chairman"]) == [
        ("Trường Tiểu học Lăng Can", "Giáo viên 0 th-lb", "Lao động tiên tiến"),
        ("Trường Tiểu học Lăng Can", "Giáo viên 1 th-lb", "Lao động tiên tiến"),
        ("Trường Tiểu học Lăng Can", "Trường Tiểu học Lăng Can", "Tập thể lao động tiên tiến")]
    decisions = services.decide(session, phase_id=quang_hoa.phase_id, actor=quang_hoa.people["chairman"],
                                signed_on=date(2022, 11, 18), now=at(18))
    session.commit()
    units = {e.unit_name for d in decisions for e in decision_entries(session, decision_id=d.id or 0)}
    assert units == {quang_hoa.schools[0].name}
    waiting = session.exec(select(Dossier).where(Dossier.school_id == lam_binh.schools[0].id)).one()
    assert waiting.stage == "awaiting_decision"
    theirs = services.decide(session, phase_id=quang_hoa.phase_id, actor=lam_binh.people["chairman"],
                             signed_on=date(2022, 11, 19), now=at(19))
    session.commit()
    assert [d.number for d in theirs] == ["1/QĐ-UBND", "2/QĐ-UBND"]  # the Lâm Bình UBND's own register
    with pytest.raises(Refused) as refused:
        services.decide(session, phase_id=quang_hoa.phase_id, actor=quang_hoa.people["chairman"],
                        signed_on=date(2022, 11, 20), now=at(20))
    assert refused.value.code == "nothing_to_decide"
