"""The school year as the law runs it: yearly titles proposed once at the year's end, quotas on a form and a
phase, caps judged on a complete count, rules as the texts say ("trên", "hoặc", exclusions), people by identity."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from config.rules import campaign_rules, load_rules, rule_set
from config.settings import CONFIG_DIR
from config.vocabulary import SubjectKind
from models.award import AwardRecord
from models.campaign import Campaign, Phase, PhaseQuota
from models.dossier import Dossier
from models.nomination import Nomination, Nominee
from tasks.transition import Review, _review, each
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.services import attachments as papers
from tdkt.services.award_history import import_history
from tdkt.services.sample import read_sample
from tests.factories import District, at, make_district

MARK = re.compile(r"\((H|M|L)[;)]|;\s*(H|M|L)\)|\b(H|M|L)\)$|thông lệ; L")


def _open(session: Session, district: District, school_index: int = 0, phase_id: int | None = None) -> int:
    school = district.schools[school_index]
    return services.open_dossier(session, phase_id=phase_id or district.phase_id, school_id=school.id or 0).id or 0


def _nominations(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Nomination)).one()


def _vote_and_submit(session: Session, district: District, dossier_id: int, tally: tuple[int, int] = (12, 0),
                     present: int = 12) -> None:
    noms = session.exec(select(Nomination).where(Nomination.dossier_id == dossier_id)).all()
    services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 10, 28), members_total=max(present, 12),
                         members_present=present, tallies={n.id or 0: tally for n in noms})
    session.commit()
    dossier = session.get(Dossier, dossier_id)
    assert dossier is not None
    services.submit(session, dossier_id=dossier_id, actor=district.heads[dossier.school_id], now=at(1))


def _refused_submission(session: Session, district: District, dossier_id: int, **vote: object) -> Refused:
    with pytest.raises(Refused) as refused:
        _vote_and_submit(session, district, dossier_id, **vote)  # type: ignore[arg-type]
    session.rollback()
    assert session.get(Dossier, dossier_id).stage == "school_vote"  # nothing moved
    return refused.value


# --- yearly titles and phase forms -------------------------------------------------------------------------------

def test_a_yearly_title_is_proposed_at_the_years_end_not_in_a_phase(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1, year_end=False)
    dossier_id = _open(session, district)
    session.commit()
    for code, kind in (("LDTT", SubjectKind.individual), ("CSTDCS", SubjectKind.individual),
                       ("TTLDTT", SubjectKind.collective)):
        with pytest.raises(Refused) as refused:
            services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý", kind=kind,
                                    title_code=code)
        assert refused.value.code == "misplaced_title"
        assert "xét tặng hằng năm, đề nghị trong đợt tổng kết năm học, không đề nghị trong Đợt 1" in \
            refused.value.message
        session.rollback()
    assert _nominations(session) == 0 and session.exec(select(func.count()).select_from(Nominee)).one() == 0
    services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý", kind=SubjectKind.individual,
                            title_code="GK_HUYEN")  # a phase proposes the forms: Giấy khen
    assert _nominations(session) == 1
    choices = {code for code, _, _ in services.dossier_view(session, dossier_id=dossier_id)["title_choices"]}
    assert "GK_HUYEN" in choices and not choices & {"LDTT", "CSTDCS", "TTLDTT"}


def test_a_yearly_title_imported_into_a_phase_is_refused_at_submission(session: Session) -> None:
    """A nomination that reached a phase's dossier another way (an old import) is stopped by the route's check."""
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id = _open(session, district)
    services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý", kind=SubjectKind.individual,
                            title_code="LDTT")
    phase = session.get(Phase, district.phase_id)
    assert phase is not None
    phase.year_end = False
    session.add(phase)
    session.commit()
    refusal = _refused_submission(session, district, dossier_id)
    assert [v.code for v in refusal.violations] == ["misplaced"]


def test_a_record_only_title_is_never_proposed(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    campaign = session.exec(select(Campaign)).one()
    campaign.rule_set = "luat-2022"
    session.commit()
    dossier_id = _open(session, district)
    with pytest.raises(Refused) as refused:
        services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý", kind=SubjectKind.individual,
                                title_code="HTXSNV")
    assert "kết quả đánh giá hằng năm, được ghi vào lịch sử khen thưởng, không đề nghị" in refused.value.message


def test_a_quota_belongs_to_its_form(session: Session) -> None:
    """Seed 004's 20 limits the Giấy khen a phase proposes, not every individual: a quota on GK_HUYEN of 1 refuses
    the second Giấy khen, and never a Lao động tiên tiến."""
    district = make_district(session, blocks=1, schools_per_block=2, quota=None)
    session.add(PhaseQuota(phase_id=district.phase_id, subject="individual", title_code="GK_HUYEN", max_count=1))
    session.commit()
    dossiers = []
    for index in range(2):
        dossier_id = _open(session, district, index)
        for name, code in ((f"Giáo viên A{index}", "GK_HUYEN"), (f"Giáo viên B{index}", "LDTT"),
                           (f"Giáo viên C{index}", "LDTT")):
            services.add_nomination(session, dossier_id=dossier_id, full_name=name, kind=SubjectKind.individual,
                                    title_code=code)
        _vote_and_submit(session, district, dossier_id)
        dossiers.append(dossier_id)
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    session.commit()
    reviewer = district.people["phong_reviewer"].email
    report = each([Review(dossier_id=d, actor_email=reviewer, action="approve") for d in dossiers], _review, at(7))
    assert [r["dossier_id"] for r in report["results"]] == [dossiers[0]]
    refused = report["refused"][0]
    assert refused["dossier_id"] == dossiers[1]
    assert "tối đa 1 cá nhân (Giấy khen của Chủ tịch UBND huyện); đã duyệt 1, hồ sơ này đề nghị thêm 1" in \
        refused["message"]
    assert services.quota_usage(session, phase_id=district.phase_id) == [
        ("Cá nhân (Giấy khen của Chủ tịch UBND huyện)", 1, 1)]


def test_a_student_is_proposed_for_the_form_the_plan_names(session: Session) -> None:
    """Seed 004 asks the Giám đốc Sở's Giấy khen for "các nhà giáo, học sinh tiêu biểu xuất sắc": a pupil is an
    individual nominee of that form, held to none of a staff member's yearly conditions."""
    district = make_district(session, blocks=1, schools_per_block=1, year_end=False)
    dossier_id = _open(session, district)
    pupil = services.add_nomination(session, dossier_id=dossier_id, full_name="Nông Thị Hoài",
                                    kind=SubjectKind.individual, title_code="GK_SO", position="Học sinh lớp 5A",
                                    birth_date=date(2012, 4, 9), achievements="Giải Nhất học sinh giỏi cấp tỉnh")
    session.commit()
    _vote_and_submit(session, district, dossier_id)
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"
    assert session.get(Nominee, pupil.nominee_id).position == "Học sinh lớp 5A"


# --- caps judged on a complete count --------------------------------------------------------------------------

def _cstdcs_dossier(session: Session, district: District, index: int, name: str) -> int:
    dossier_id = _open(session, district, index)
    for code in ("LDTT", "CSTDCS"):
        services.add_nomination(session, dossier_id=dossier_id, full_name=name, kind=SubjectKind.individual,
                                title_code=code, initiative="Sáng kiến dạy học")
    dossier = session.get(Dossier, dossier_id)
    for kind in ("bao_cao_thanh_tich", "sang_kien"):
        papers.attach(session, dossier=dossier, person=district.heads[dossier.school_id], kind=kind,
                                    filename=f"{kind}.pdf", content=b"%PDF-1.4\n%%EOF\n", start_stage="school_vote")
    return dossier_id


def test_the_cstdcs_cap_waits_for_the_districts_count_and_rounds_as_the_province_says(session: Session) -> None:
    """While a school is still voting before the submission deadline, the district's LĐTT is not known: the cap
    is not judged on a part of it (a reviewer approving early got "tối đa 0"). Once every school has sent, 15 % of
    7 LĐTT rounds down to 1; a province that rounds to the nearest gives 1 too, one that rounds up gives 2."""
    district = make_district(session, blocks=2, schools_per_block=1, quota=None)
    first = _cstdcs_dossier(session, district, 0, "Lò Văn Quý")
    for i in range(5):
        services.add_nomination(session, dossier_id=first, full_name=f"Giáo viên {i}", kind=SubjectKind.individual,
                                title_code="LDTT")
    _vote_and_submit(session, district, first)
    second = _cstdcs_dossier(session, district, 1, "Đinh Thị Hoa")
    session.commit()
    reviewer = district.people["phong_reviewer"].email

    def forward(block: int) -> None:
        services.forward_block(session, block_id=district.blocks[block].id or 0, phase_id=district.phase_id,
                               actor=district.leader_of(district.blocks[block]), now=at(2))
        session.commit()

    forward(0)
    report = each([Review(dossier_id=first, actor_email=reviewer, action="approve")], _review, at(2, hour=10))
    assert "còn 1 trường chưa gửi hồ sơ" in report["refused"][0]["message"]
    assert session.get(Dossier, first).stage == "phong_review"
    _vote_and_submit(session, district, second)
    session.commit()
    forward(1)
    campaign = session.exec(select(Campaign)).one()
    for rounding, allowed in (("down", 1), ("nearest", 1), ("up", 2)):
        caps = [{**campaign_rules(campaign).caps[0].model_dump(), "rounding": rounding}]
        assert rule_set("nd91-2017", json.dumps({"caps": caps})).caps[0].allowed(7) == allowed
    session.commit()  # end the read: SQLite transactions take the write lock (see models.db)
    report = each([Review(dossier_id=d, actor_email=reviewer, action="approve") for d in (first, second)], _review,
                  at(2, hour=11))
    assert [r["dossier_id"] for r in report["results"]] == [first]
    assert "vượt 15% số Lao động tiên tiến (7), tối đa 1" in report["refused"][0]["message"]
    campaign.rule_overrides = json.dumps({"caps": [{**campaign_rules(campaign).caps[0].model_dump(),
                                                    "rounding": "up"}]})
    session.add(campaign)
    session.commit()
    report = each([Review(dossier_id=second, actor_email=reviewer, action="approve")], _review, at(2, hour=12))
    assert [r["dossier_id"] for r in report["results"]] == [second]


# --- rules as the law says -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("votes", "passes"), [((5, 5), False), ((6, 4), True)])
def test_more_than_half_is_strict(session: Session, votes: tuple[int, int], passes: bool) -> None:
    """"trên 50 %": 5 of 10 present is not more than half."""
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id = _open(session, district)
    services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý", kind=SubjectKind.individual,
                            title_code="LDTT")
    session.commit()
    if passes:
        _vote_and_submit(session, district, dossier_id, tally=votes, present=10)
        assert session.get(Dossier, dossier_id).stage == "block_aggregation"
        return
    refusal = _refused_submission(session, district, dossier_id, tally=votes, present=10)
    assert "chỉ được 5/10 phiếu đồng ý, chưa đạt trên 50% thành viên có mặt" in refusal.message


@pytest.mark.parametrize(("recruited", "disciplined", "wanted"), [
    (date(2022, 2, 1), False, "mới tuyển dụng dưới 10 tháng (tuyển dụng ngày 01/02/2022, đến 30/11/2022 được 9 tháng)"),
    (date(2022, 1, 30), False, None),
    (None, True, "không xét tặng cá nhân bị kỷ luật trong năm học"),
])
def test_lao_dong_tien_tien_exclusions(session: Session, recruited: date | None, disciplined: bool,
                                       wanted: str | None) -> None:
    """ND 91 Điều 10: not recruited less than 10 months before (counted to the phase's end, 30/11/2022), not
    disciplined in the year."""
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id = _open(session, district)
    services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý", kind=SubjectKind.individual,
                            title_code="LDTT", recruited_on=recruited, disciplined=disciplined)
    session.commit()
    if wanted is None:
        _vote_and_submit(session, district, dossier_id)
        assert session.get(Dossier, dossier_id).stage == "block_aggregation"
        return
    refusal = _refused_submission(session, district, dossier_id)
    assert [v.code for v in refusal.violations] == ["precondition"]
    assert wanted in refusal.message and "Nghị định 91/2017/NĐ-CP Điều 10" in refusal.message


def test_bang_khen_takes_either_alternative(session: Session) -> None:
    """Luật 2022 Điều 74: two consecutive CSTĐCS, or two years "hoàn thành xuất sắc nhiệm vụ" with initiatives."""
    district = make_district(session, blocks=1, schools_per_block=1)
    campaign = session.exec(select(Campaign)).one()
    campaign.rule_set = "luat-2022"
    session.commit()
    dossier_id = _open(session, district)
    noms = {name: services.add_nomination(session, dossier_id=dossier_id, full_name=name,
                                          kind=SubjectKind.individual, title_code="BK_TINH", initiative=initiative)
            for name, initiative in (("Chiến Sĩ", None), ("Xuất Sắc", "Sáng kiến A; Sáng kiến B"),
                                     ("Chưa Đủ", None))}
    session.add_all([AwardRecord(nominee_id=noms["Chiến Sĩ"].nominee_id, title_code="CSTDCS", year=y)
                     for y in (2020, 2021)])
    session.add_all([AwardRecord(nominee_id=noms[name].nominee_id, title_code="HTXSNV", year=y)
                     for name in ("Xuất Sắc", "Chưa Đủ") for y in (2020, 2021)])
    session.commit()
    refusal = _refused_submission(session, district, dossier_id)
    preconditions = [v for v in refusal.violations if v.code == "precondition"]
    assert [v.nomination_id for v in preconditions] == [noms["Chưa Đủ"].id]
    assert ("chưa đạt phương án nào: cần 2 năm liên tục đạt Chiến sĩ thi đua cơ sở; đã ghi nhận: chưa có năm nào; "
            "hoặc cần có sáng kiến được cơ sở công nhận") in preconditions[0].message


def test_grantors_are_those_of_article_80() -> None:
    rules = load_rules(CONFIG_DIR / "rules" / "luat-2022.yaml")
    assert "school_head" not in rules.titles["LDTT"].granted_by  # a school proposes, it does not grant
    assert "commune_chairman" in rules.titles["LDTT"].granted_by
    assert "commune_chairman" not in rules.titles["TTLDTT"].granted_by  # khoản 3: not TTLĐTT, not CSTĐCS
    assert "commune_chairman" not in rules.titles["CSTDCS"].granted_by
    assert rules.titles["GK_SO"].granted_by == ["so_director"] and "khoản 1" in rules.titles["GK_SO"].article
    province = rules.titles["CSTD_TINH"]
    assert province.vote is None and province.grantor_vote is not None  # the province council's 90 %
    assert province.grantor_vote.share == 0.9 and province.grantor_vote.secret


@pytest.mark.parametrize("path", sorted((CONFIG_DIR / "rules").glob("*.yaml")), ids=lambda p: p.stem)
def test_no_confidence_mark_reaches_a_user(path: Path) -> None:
    """"(M)", "(L)", "; L)" are maintainers' notes: in YAML comments, never in a citation a refusal prints."""
    text = json.dumps(load_rules(path).model_dump(mode="json"), ensure_ascii=False)
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', text)
    assert [s for s in strings if MARK.search(s)] == []
    assert "# H" in path.read_text(encoding="utf-8")  # the marks are kept, as comments


# --- people by identity --------------------------------------------------------------------------------------

def test_namesakes_stay_apart_and_an_unclear_one_is_asked_about(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id = _open(session, district)
    for born in (date(1980, 3, 1), date(1992, 7, 15)):
        services.add_nomination(session, dossier_id=dossier_id, full_name="Nguyễn Thị Hoa",
                                kind=SubjectKind.individual, title_code="LDTT", birth_date=born)
    session.commit()
    hoas = session.exec(select(Nominee).where(Nominee.full_name == "Nguyễn Thị Hoa")).all()
    assert sorted(n.birth_date for n in hoas) == [date(1980, 3, 1), date(1992, 7, 15)]
    with pytest.raises(Refused) as refused:
        services.add_nomination(session, dossier_id=dossier_id, full_name="Nguyễn Thị Hoa",
                                kind=SubjectKind.individual, title_code="CSTDCS")
    assert refused.value.code == "ambiguous_person"
    assert "Trường có 2 người tên Nguyễn Thị Hoa (01/03/1980, 15/07/1992)" in refused.value.message
    session.rollback()
    nomination = services.add_nomination(session, dossier_id=dossier_id, full_name="Nguyễn Thị Hoa",
                                         kind=SubjectKind.individual, title_code="CSTDCS", birth_date=date(1992, 7, 15))
    assert nomination.nominee_id == next(n.id for n in hoas if n.birth_date == date(1992, 7, 15))


def test_a_transfer_keeps_the_consecutive_years(session: Session) -> None:
    """Two CSTĐCS at her old school, then Bằng khen proposed by the new one: found by her mã định danh, the
    history follows her; a code that is someone else's is refused."""
    district = make_district(session, blocks=1, schools_per_block=2)
    campaign = session.exec(select(Campaign)).one()
    campaign.rule_set = "luat-2022"
    session.commit()
    old = _open(session, district, 0)
    services.add_nomination(session, dossier_id=old, full_name="Lò Thị Mai", kind=SubjectKind.individual,
                            title_code="LDTT", identity_code="014190000777", birth_date=date(1990, 4, 2))
    mai = session.exec(select(Nominee).where(Nominee.identity_code == "014190000777")).one()
    session.add_all([AwardRecord(nominee_id=mai.id or 0, title_code="CSTDCS", year=y) for y in (2020, 2021)])
    new = _open(session, district, 1)
    session.commit()
    with pytest.raises(Refused) as refused:
        services.add_nomination(session, dossier_id=new, full_name="Hà Văn Khác", kind=SubjectKind.individual,
                                title_code="BK_TINH", identity_code="014190000777")
    assert "Mã định danh 014190000777 đã được ghi cho Lò Thị Mai (sinh 02/04/1990)" in refused.value.message
    session.rollback()
    moved = services.add_nomination(session, dossier_id=new, full_name="Lò Thị Mai", kind=SubjectKind.individual,
                                    title_code="BK_TINH", identity_code="014190000777")
    assert moved.nominee_id == mai.id and session.get(Nominee, mai.id).unit_id == district.schools[1].id
    standing = services.dossier_view(session, dossier_id=new)["standing"]
    assert standing[moved.id or 0].missing == []  # CSTĐCS in 2020-2021 and 2021-2022, at her old school: met


def test_the_award_history_import_matches_by_identity_and_reports_the_unclear(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id = _open(session, district)
    for born in (date(1980, 3, 1), date(1992, 7, 15)):
        services.add_nomination(session, dossier_id=dossier_id, full_name="Nguyễn Thị Hoa",
                                kind=SubjectKind.individual, title_code="LDTT", birth_date=born)
    session.commit()
    rules = campaign_rules(session.exec(select(Campaign)).one())
    header = "Họ và tên,Đơn vị,Danh hiệu,Năm học,Ngày sinh\n"
    unclear = (header + f"Nguyễn Thị Hoa,{school.name},Chiến sĩ thi đua cơ sở,2021-2022,\n").encode()
    with pytest.raises(Refused) as refused:
        import_history(session, rules=rules, content=unclear, filename="lich-su.csv")
    assert "Dòng 2: Trường có 2 người tên Nguyễn Thị Hoa" in refused.value.message
    session.rollback()
    assert session.exec(select(func.count()).select_from(AwardRecord)).one() == 0
    clear = (header + f"Nguyễn Thị Hoa,{school.name},Chiến sĩ thi đua cơ sở,2021-2022,15/07/1992\n"
             f"Nguyễn Thị Hoa,{school.name},Chiến sĩ thi đua cơ sở,2020-2021,15/07/1992\n").encode()
    assert import_history(session, rules=rules, content=clear, filename="lich-su.csv") == 2
    younger = session.exec(select(Nominee).where(Nominee.birth_date == date(1992, 7, 15))).one()
    records = session.exec(select(AwardRecord).order_by(col(AwardRecord.year))).all()
    assert [(r.nominee_id, r.year) for r in records] == [(younger.id, 2020), (younger.id, 2021)]


# --- the seeds' plans -----------------------------------------------------------------------------------------

def test_every_seed_plan_has_one_year_end_phase_and_its_quotas_on_forms() -> None:
    for name in ("muong-khuong", "son-la", "thu-thua", "tra-vinh", "quang-hoa"):
        plan = read_sample(name).campaign
        assert sum(p.year_end for p in plan.phases) == 1, name
        assert all(q.title_code for p in plan.phases for q in p.quotas), name
    assert {q.title_code for p in read_sample("quang-hoa").campaign.phases for q in p.quotas} == {"GK_SO"}


def test_a_plan_with_a_yearly_quota_in_a_phase_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tdkt.services import sample

    text = (CONFIG_DIR / "samples" / "quang-hoa.yaml").read_text(encoding="utf-8")
    broken = text.replace("title_code: GK_SO, max_count: 20}]", "title_code: LDTT, max_count: 20}]", 1)
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    monkeypatch.setattr(sample, "SAMPLES_DIR", tmp_path)
    with pytest.raises(Exception) as refused:
        sample.read_sample("broken")
    assert "Lao động tiên tiến xét tặng hằng năm, chỉ tiêu đặt ở đợt tổng kết năm học" in str(refused.value)


def test_the_year_end_phase_is_the_last_of_the_sample_and_moves_with_it() -> None:
    from tdkt.services.sample import dated_from

    plan = dated_from(read_sample("muong-khuong").campaign, date(2026, 9, 1))
    assert plan.phases[-1].year_end and plan.phases[-1].name == f"Tổng kết năm học {plan.school_year}"
    assert plan.phases[0].name.startswith("Đợt 1 (")
