"""The rule set's own conditions on nominations: each rule type refuses its violation with the article cited
and passes a valid nomination; campaign overrides; history written by decisions."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import Session, select

from config.rules import campaign_rules, load_rules
from config.settings import CONFIG_DIR
from config.vocabulary import SubjectKind
from config.yaml_source import ConfigError
from models.award import AwardRecord
from models.campaign import Campaign, Phase, StageDeadline
from models.dossier import Dossier
from models.nomination import Nomination, Nominee
from models.unit import Unit
from tasks.transition import Review, _review, each
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.services import attachments as papers
from tdkt.workflow.engine import Verdict
from tests.factories import District, at, make_district, verify_and_decide

PDF = b"%PDF-1.7\n% scan\n"
CSTDCS_ARTICLE = "Nghị định 91/2017/NĐ-CP Điều 9 khoản 3"


def _dossier(session: Session, district: District, school: Unit, wanted: list[tuple[str, str, str | None]],
             with_papers: tuple[str, ...] = (), phase_id: int | None = None) -> tuple[int, list[Nomination]]:
    """A voted dossier with (name, title, initiative) individual nominations and the given papers attached."""
    dossier = services.open_dossier(session, phase_id=phase_id or district.phase_id, school_id=school.id or 0)
    noms = [services.add_nomination(session, dossier_id=dossier.id or 0, full_name=name, kind=SubjectKind.individual,
                                    title_code=title, initiative=initiative) for name, title, initiative in wanted]
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=date(2022, 10, 28), members_total=12,
                         members_present=12, tallies={n.id or 0: (12, 0) for n in noms})
    for kind in with_papers:
        papers.attach(session, dossier=dossier, person=district.heads[school.id or 0], kind=kind,
                      filename=f"{kind}.pdf", content=PDF, start_stage="school_vote")
    session.commit()
    return dossier.id or 0, noms


def _submit(session: Session, district: District, school: Unit, dossier_id: int) -> None:
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id or 0], now=at(1))


def _refusal(session: Session, district: District, school: Unit, dossier_id: int) -> Refused:
    with pytest.raises(Refused) as refused:
        _submit(session, district, school, dossier_id)
    session.rollback()
    return refused.value


def test_cstdcs_needs_lao_dong_tien_tien_an_initiative_and_its_papers(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, noms = _dossier(session, district, school, [("Lò Văn Quý", "CSTDCS", None)])
    refusal = _refusal(session, district, school, dossier_id)
    preconditions = [v.message for v in refusal.violations if v.code == "precondition"]
    assert len(preconditions) == 2 and all(m.startswith("Lò Văn Quý") and CSTDCS_ARTICLE in m for m in preconditions)
    assert "cần đồng thời đạt danh hiệu Lao động tiên tiến" in preconditions[0]
    assert "cần có sáng kiến được cơ sở công nhận" in preconditions[1]
    papers_missing = next(v.message for v in refusal.violations if v.code == "paper_missing")
    assert "Giấy chứng nhận sáng kiến" in papers_missing and "Điều 84" in papers_missing
    assert {v.nomination_id for v in refusal.violations} == {noms[0].id}


def test_a_valid_cstdcs_nomination_passes(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    initiative = "Dạy học tích hợp STEM ở lớp 5"
    dossier_id, _ = _dossier(session, district, school, [("Lò Văn Quý", "LDTT", None),
                                                         ("Lò Văn Quý", "CSTDCS", initiative)],
                             with_papers=("bao_cao_thanh_tich", "sang_kien"))
    _submit(session, district, school, dossier_id)
    session.commit()
    assert session.exec(select(Nomination).where(Nomination.initiative == initiative)).one().title_code == "CSTDCS"


def test_history_of_consecutive_years(session: Session) -> None:
    """CSTĐ cấp tỉnh needs three CSTĐCS in a row (here 2019–2021 for the 2022-2023 campaign)."""
    district = make_district(session, blocks=1, schools_per_block=2)
    first, second = district.schools
    ids = {}
    for school, name in ((first, "Hoàng Thị Lan"), (second, "Vàng Seo Phử")):
        ids[name] = _dossier(session, district, school, [(name, "CSTD_TINH", "Sáng kiến cấp tỉnh")],
                             with_papers=("bao_cao_thanh_tich", "sang_kien"))[0]
    nominees = {p.full_name: p.id for p in session.exec(select(Nominee)).all()}
    session.add_all([AwardRecord(nominee_id=nominees["Hoàng Thị Lan"], title_code="CSTDCS", year=y)
                     for y in (2019, 2020, 2021)])
    session.add_all([AwardRecord(nominee_id=nominees["Vàng Seo Phử"], title_code="CSTDCS", year=y)
                     for y in (2018, 2020, 2021)])
    session.commit()
    _submit(session, district, first, ids["Hoàng Thị Lan"])
    session.commit()
    refusal = _refusal(session, district, second, ids["Vàng Seo Phử"])
    assert "cần 3 năm liên tục đạt Chiến sĩ thi đua cơ sở; đã ghi nhận: 2018-2019, 2020-2021, 2021-2022" \
        in refusal.message
    assert "Luật TĐKT 2003 Điều 22" in refusal.message


def _two_schools_at_phong(session: Session, overrides: dict[str, object] | None = None) -> tuple[District, int, int]:
    district = make_district(session, blocks=1, schools_per_block=2)
    if overrides is not None:
        campaign = session.exec(select(Campaign)).one()
        campaign.rule_overrides = json.dumps(overrides)
        session.commit()
    a, b = district.schools
    fighter = ("bao_cao_thanh_tich", "sang_kien")
    first, _ = _dossier(session, district, a, [(f"Giáo viên {i}", "LDTT", None) for i in range(7)]
                        + [("Giáo viên 0", "CSTDCS", "Sáng kiến A")], with_papers=fighter)
    second, _ = _dossier(session, district, b, [("Giáo viên B", "LDTT", None),
                                                ("Giáo viên B", "CSTDCS", "Sáng kiến B")], with_papers=fighter)
    for school, dossier_id in ((a, first), (b, second)):
        _submit(session, district, school, dossier_id)
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(4))
    session.commit()
    return district, first, second


def test_the_phase_ratio_cap_is_checked_when_the_phong_decides(session: Session) -> None:
    """CSTĐCS ≤ 15% of LĐTT: 8 LĐTT live in the phase allow one CSTĐCS; the second is refused, per nomination."""
    district, first, second = _two_schools_at_phong(session)
    reviewer = district.people["phong_reviewer"]
    services.act(session, dossier_id=first, actor=reviewer, action="approve", now=at(7))
    session.commit()
    with pytest.raises(Refused) as refused:
        services.act(session, dossier_id=second, actor=reviewer, action="approve", now=at(7))
    session.rollback()
    capped = session.exec(select(Nomination).where(Nomination.dossier_id == second,
                                                   Nomination.title_code == "CSTDCS")).one()
    assert [v.nomination_id for v in refused.value.violations] == [capped.id]
    assert "2 được duyệt" in refused.value.message and "tối đa 1" in refused.value.message
    assert CSTDCS_ARTICLE in refused.value.message
    verdicts = {n.id or 0: Verdict("reject" if n.id == capped.id else "approve", "Vượt tỉ lệ 15%")
                for n in session.exec(select(Nomination).where(Nomination.dossier_id == second)).all()}
    result = services.act(session, dossier_id=second, actor=reviewer, verdicts=verdicts, now=at(7))
    assert result.to_stage == "noivu_verification"


def test_a_campaign_overrides_its_rule_set(session: Session) -> None:
    """The campaign's quy chế lifts the cap: the same second approval passes."""
    district, first, second = _two_schools_at_phong(session, overrides={"caps": []})
    reviewer = district.people["phong_reviewer"]
    for dossier_id in (first, second):
        assert services.act(session, dossier_id=dossier_id, actor=reviewer, action="approve",
                            now=at(7)).to_stage == "noivu_verification"


def test_override_of_the_vote_share_and_a_broken_override(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    campaign = session.exec(select(Campaign)).one()
    campaign.rule_overrides = json.dumps({"council": {"vote": {"share": 0.9, "article": "Quy chế 12/QC-UBND Điều 5"}}})
    session.commit()
    assert campaign_rules(campaign).council.vote.share == 0.9
    assert campaign_rules(campaign).council.quorum == 0.6667  # untouched values stay
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    nom = services.add_nomination(session, dossier_id=dossier.id or 0, full_name="Đinh Thị Hoa",
                                  kind=SubjectKind.individual, title_code="LDTT")
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=date(2022, 10, 28), members_total=12,
                         members_present=12, tallies={nom.id or 0: (10, 2)})
    session.commit()
    refusal = _refusal(session, district, school, dossier.id or 0)
    assert "chưa đạt trên 90%" in refusal.message and "Quy chế 12/QC-UBND Điều 5" in refusal.message

    campaign = session.exec(select(Campaign)).one()
    campaign.rule_overrides = json.dumps({"caps": [{"title": "CSTDCS", "of": "NOPE", "max_share": 0.1,
                                                    "article": "x"}]})
    with pytest.raises(ConfigError) as broken:
        campaign_rules(campaign)
    assert "giá trị ghi đè của phong trào" in str(broken.value.problems) and "NOPE" in str(broken.value.problems)


def test_a_decision_writes_the_award_history(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, noms = _dossier(session, district, school, [("Lò Văn Quý", "LDTT", None)])
    _submit(session, district, school, dossier_id)
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(4))
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve", now=at(7))
    [decision] = verify_and_decide(session, district, [dossier_id], number="3/QĐ-UBND", signed_on=date(2022, 11, 20),
                                 now=at(12))
    record = session.exec(select(AwardRecord)).one()
    assert (record.nominee_id, record.title_code, record.year) == (noms[0].nominee_id, "LDTT", 2022)
    assert (record.decision_id, record.decision_number) == (decision.id, "3/QĐ-UBND")


def test_a_rule_file_naming_an_unknown_title_is_refused_with_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = (CONFIG_DIR / "rules" / "nd91-2017.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "nd91-2017.yaml"
    broken.write_text(text.replace("- with_title: LDTT", "- with_title: LDTX", 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(broken)
    assert "'LDTX' không có trong bộ quy tắc" in str(error.value.problems) and "dòng" in str(error.value.problems)


def test_the_province_councils_ballot_is_not_asked_of_the_school(session: Session) -> None:
    """CSTĐ cấp tỉnh's 90 % of all members by secret ballot (Nghị định 91/2017 Điều 45 khoản 8) is the province
    council's vote: the school's council votes for it by its own rule, openly if it likes."""
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, noms = _dossier(session, district, school, [("Hoàng Thị Lan", "CSTD_TINH", "Sáng kiến cấp tỉnh")],
                                with_papers=("bao_cao_thanh_tich", "sang_kien"))
    session.add_all([AwardRecord(nominee_id=noms[0].nominee_id, title_code="CSTDCS", year=y) for y in (2020, 2021)])
    services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 10, 28), members_total=12,
                         members_present=12, tallies={noms[0].id or 0: (12, 0)}, secret_ballot=False)
    session.commit()
    refusal = _refusal(session, district, school, dossier_id)
    assert [v.code for v in refusal.violations] == ["precondition"]
    assert "bỏ phiếu kín" not in refusal.message and "ba lần liên tục" in refusal.message
    rules = campaign_rules(session.exec(select(Campaign)).one())
    assert rules.titles["CSTD_TINH"].grantor_vote is not None and rules.titles["CSTD_TINH"].grantor_vote.share == 0.9


@pytest.mark.parametrize("together", [True, False], ids=["one-batch", "two-batches"])
def test_the_phase_ratio_cap_counts_the_batchs_own_approvals(session: Session, together: bool) -> None:
    """The cap reads the phase's tally with the transaction's own changes not yet committed: whether the two
    approvals share a batch (one transaction) or not, the second CSTĐCS is refused."""
    district, first, second = _two_schools_at_phong(session)
    reviewer = district.people["phong_reviewer"].email
    reviews = [Review(dossier_id=d, actor_email=reviewer, action="approve") for d in (first, second)]
    batches = [reviews] if together else [[r] for r in reviews]
    reports = [each(batch, _review, at(7)) for batch in batches]
    approved = [r["dossier_id"] for report in reports for r in report["results"]]
    refused = [r for report in reports for r in report["refused"]]
    assert approved == [first]
    assert [r["dossier_id"] for r in refused] == [second] and "2 được duyệt" in refused[0]["message"]
    assert "tối đa 1" in refused[0]["message"]
    session.expire_all()
    assert [session.get(Dossier, d).stage for d in (first, second)] == ["noivu_verification", "phong_review"]


@pytest.mark.parametrize("together", [True, False], ids=["one-batch", "two-batches"])
def test_a_title_needed_from_another_dossier_counts_as_the_batch_has_left_it(session: Session, together: bool) -> None:
    """A teacher's CSTĐCS (phase 2) rests on her LĐTT in the school's phase-1 dossier. The Phòng rejects that
    LĐTT, then approves the phase-2 dossier: refused, whether both actions share a batch (one transaction,
    the batch's rows read at once) or not."""
    district = make_district(session, blocks=1, schools_per_block=1)
    school, block = district.schools[0], district.blocks[0]
    first_phase = session.get(Phase, district.phase_id)
    assert first_phase is not None
    second_phase = Phase(campaign_id=first_phase.campaign_id, number=2, name="Đợt 2", starts_on=first_phase.starts_on,
                         year_end=True,
                         ends_on=first_phase.ends_on)
    session.add(second_phase)
    session.flush()
    session.add_all([StageDeadline(phase_id=second_phase.id or 0, key=d.key, due_at=d.due_at) for d in session.exec(
        select(StageDeadline).where(StageDeadline.phase_id == district.phase_id)).all()])
    session.commit()
    first, (lan, other) = _dossier(session, district, school, [("Đào Thị Lan", "LDTT", None),
                                                                ("Vũ Văn Hải", "LDTT", None)])
    second, _ = _dossier(session, district, school, [("Đào Thị Lan", "CSTDCS", "Sáng kiến C")],
                         with_papers=("bao_cao_thanh_tich", "sang_kien"), phase_id=second_phase.id)
    for dossier_id, phase_id in ((first, district.phase_id), (second, second_phase.id or 0)):
        _submit(session, district, school, dossier_id)
        services.forward_block(session, block_id=block.id or 0, phase_id=phase_id, actor=district.leader_of(block),
                               now=at(4))
    session.commit()
    reviewer = district.people["phong_reviewer"].email
    reviews = [Review(dossier_id=first, actor_email=reviewer, verdicts={
                   lan.id or 0: Verdict("reject", "Chưa đủ tiêu chuẩn"), other.id or 0: Verdict("approve")}),
               Review(dossier_id=second, actor_email=reviewer, action="approve")]
    reports = [each(batch, _review, at(7)) for batch in ([reviews] if together
                                                                                 else [[r] for r in reviews])]
    assert [r["dossier_id"] for report in reports for r in report["results"]] == [first]
    refused = [r for report in reports for r in report["refused"]]
    assert [r["dossier_id"] for r in refused] == [second]
    assert "precondition" in [v["code"] for v in refused[0]["violations"]]
    assert "cần đồng thời đạt danh hiệu Lao động tiên tiến" in refused[0]["message"]
