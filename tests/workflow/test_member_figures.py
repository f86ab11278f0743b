"""A collective's members: Tập thể lao động tiên tiến / xuất sắc judged on the figures the school reports, figures
that cannot be true refused at entry, corrected after a return (the reviewer sees the change), and the
conditions as rule-set data a campaign overrides."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from config.rules import campaign_rules, load_rules, rule_set
from config.settings import CONFIG_DIR, get_settings
from config.vocabulary import SubjectKind
from config.yaml_source import ConfigError
from models.audit import AuditEvent
from models.campaign import Campaign
from models.dossier import Dossier
from models.nomination import Nomination, Nominee, active_nominations
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.services import attachments as papers
from tdkt.workflow import members
from tdkt.workflow.eligibility import for_dossier
from tdkt.workflow.engine import Verdict
from tests.factories import SCHOOL_FIGURES, District, at, make_district, prepare_dossier

ARTICLE = "Luật TĐKT 2003 Điều 28 khoản 1 điểm c"


def _voted(session: Session, figures: dict[str, int] | None) -> tuple[District, int, Nomination]:
    """A school's voted dossier whose collective (TTLĐTT) reports `figures`."""
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])
    services.set_member_figures(session, nomination_id=noms[-1].id or 0, figures=figures)
    session.commit()
    return district, dossier_id, noms[-1]


def _submit(session: Session, district: District, dossier_id: int) -> None:
    services.submit(session, dossier_id=dossier_id, actor=district.heads[district.schools[0].id or 0], now=at(1))


def _refused(session: Session, district: District, dossier_id: int) -> Refused:
    with pytest.raises(Refused) as refused:
        _submit(session, district, dossier_id)
    session.rollback()
    return refused.value


SHARE = f"{ARTICLE}: có trên 50% cá nhân trong tập thể đạt danh hiệu Lao động tiên tiến"
NOBODY = f"{ARTICLE}: không có cá nhân bị kỷ luật từ hình thức cảnh cáo trở lên"


@pytest.mark.parametrize(("figures", "missing", "cited"), [
    ({"total": 20, "LDTT": 10, "disciplined": 0},
     "cần trên 50% cá nhân trong tập thể đạt danh hiệu Lao động tiên tiến; số liệu: 10/20 cá nhân", SHARE),
    ({"total": 20, "LDTT": 15, "disciplined": 1},
     "cần không có cá nhân nào bị kỷ luật từ hình thức cảnh cáo trở lên; số liệu: 1/20 cá nhân", NOBODY),
    (None, "cần ghi số liệu cá nhân trong tập thể (tổng số cá nhân trong tập thể, số cá nhân đạt LĐTT, số cá nhân "
           "bị kỷ luật từ hình thức cảnh cáo trở lên)", "Luật TĐKT 2003 Điều 28"),
    ({"total": 20, "LDTT": 15}, "cần ghi số liệu cá nhân trong tập thể (số cá nhân bị kỷ luật từ hình thức cảnh cáo "
                                "trở lên)", "Luật TĐKT 2003 Điều 28"),
])
def test_ttldtt_is_refused_on_its_members_and_nothing_is_written(session: Session, figures: dict[str, int] | None,
                                                                  missing: str, cited: str) -> None:
    district, dossier_id, collective = _voted(session, figures)
    refusal = _refused(session, district, dossier_id)
    wanted = [v for v in refusal.violations if v.nomination_id == collective.id]
    assert [v.code for v in wanted] == ["precondition"]  # the missing figures: one line, not one per condition
    assert wanted[0].message == f"{district.schools[0].name}: Tập thể lao động tiên tiến {missing} ({cited})."
    assert session.get(Dossier, dossier_id).stage == "school_vote"
    assert session.exec(select(AuditEvent)).all() == []


def test_ttldtt_passes_with_more_than_half_ldtt(session: Session) -> None:
    district, dossier_id, _ = _voted(session, {"total": 20, "LDTT": 11, "disciplined": 0})
    _submit(session, district, dossier_id)
    session.commit()
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"


def test_ttldxs_conditions_at_their_boundaries() -> None:
    rules = rule_set("nd91-2017")
    requires = [need for need in rules.titles["TTLDXS"].requires if need.members]
    good = {"total": 10, "completed": 10, "LDTT": 7, "CSTDCS": 1, "disciplined": 0}
    assert [members.unmet(rules, need, good) for need in requires] == [None] * 4

    def misses(**changed: int) -> list[str]:
        return [m for need in requires if (m := members.unmet(rules, need, {**good, **changed}))]

    assert misses(LDTT=6) == ["cần ít nhất 70% cá nhân trong tập thể đạt danh hiệu Lao động tiên tiến; số liệu: "
                              "6/10 cá nhân"]
    assert misses(completed=9) == ["cần 100% cá nhân trong tập thể hoàn thành nhiệm vụ; số liệu: 9/10 cá nhân"]
    assert misses(CSTDCS=0) == ["cần ít nhất 1 cá nhân đạt danh hiệu Chiến sĩ thi đua cơ sở; số liệu: 0/10 cá nhân"]
    assert misses(total=30, completed=30, LDTT=21) == []  # 70% of 30 exactly: a float would have said 20.999…


def test_ttldxs_is_chosen_among_the_years_ttldtt(session: Session, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TDKT_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    district, dossier_id, collective = _voted(session, SCHOOL_FIGURES)
    school = district.schools[0]
    services.withdraw_nomination(session, nomination_id=collective.id or 0)
    excellent = services.add_nomination(session, dossier_id=dossier_id, full_name=school.name,
                                        kind=SubjectKind.collective, title_code="TTLDXS", figures=SCHOOL_FIGURES)
    services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 10, 28), members_total=15,
                         members_present=12, tallies={excellent.id or 0: (11, 1)})
    papers.attach(session, dossier=session.get(Dossier, dossier_id), person=district.heads[school.id or 0],
                  kind="bao_cao_thanh_tich", filename="bao-cao.pdf", content=b"%PDF-1.7\n% bc\n",
                  start_stage="school_vote")
    session.commit()
    refusal = _refused(session, district, dossier_id)
    assert [v.message for v in refusal.violations if v.nomination_id == excellent.id] == [
        f"{school.name}: Tập thể lao động xuất sắc cần đồng thời đạt danh hiệu Tập thể lao động tiên tiến trong năm "
        "học (Luật TĐKT 2003 Điều 27: tập thể tiêu biểu, được lựa chọn trong số các tập thể đạt danh hiệu Tập thể "
        "lao động tiên tiến)."]
    services.add_nomination(session, dossier_id=dossier_id, full_name=school.name, kind=SubjectKind.collective,
                            title_code="TTLDTT", figures=SCHOOL_FIGURES)  # proposed for both, as schools do
    _submit(session, district, dossier_id)
    session.commit()
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"


@pytest.mark.parametrize(("figures", "message"), [
    ({"total": 20, "LDTT": 25}, "Số cá nhân đạt LĐTT (25) nhiều hơn tổng số cá nhân trong tập thể (20)."),
    ({"total": 20, "LDTT": 4, "CSTDCS": 5}, "Số cá nhân đạt CSTĐCS (5) nhiều hơn số cá nhân đạt LĐTT (4): người "
                                            "đạt Chiến sĩ thi đua cơ sở phải đạt Lao động tiên tiến."),
    ({"LDTT": 4}, "Cần ghi tổng số cá nhân trong tập thể (ít nhất 1)."),
    ({"total": 20, "ldtt": 4}, "Không có số liệu 'ldtt'. Các số liệu: total (Tổng số cá nhân trong tập thể); "
                               "completed (Số cá nhân hoàn thành nhiệm vụ)"),
])
def test_figures_that_cannot_be_true_are_refused_at_entry(session: Session, figures: dict[str, int],
                                                          message: str) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier = services.open_dossier(session, phase_id=district.phase_id, school_id=school.id or 0)
    session.commit()
    with pytest.raises(Refused) as refused:
        services.add_nomination(session, dossier_id=dossier.id or 0, full_name=school.name,
                                kind=SubjectKind.collective, title_code="TTLDTT", figures=figures)
    session.rollback()
    assert refused.value.code == "bad_figures" and refused.value.message.startswith(f"{school.name}: {message}")
    assert session.exec(select(Nominee)).all() == []  # nothing half-written


def test_figures_belong_to_collectives_and_to_dossiers_still_at_the_school(session: Session) -> None:
    district, dossier_id, collective = _voted(session, SCHOOL_FIGURES)
    with pytest.raises(Refused) as individual:
        services.add_nomination(session, dossier_id=dossier_id, full_name="Đinh Thị Hoa", kind=SubjectKind.individual,
                                title_code="LDTT", figures={"total": 3})
    assert individual.value.code == "figures_for_individual"
    session.rollback()
    _submit(session, district, dossier_id)
    session.commit()
    with pytest.raises(Refused) as sent:
        services.set_member_figures(session, nomination_id=collective.id or 0, figures={"total": 20, "LDTT": 20})
    assert sent.value.code == "not_editable"
    session.rollback()
    assert session.get(Nomination, collective.id).member_figures == SCHOOL_FIGURES


def test_corrected_figures_after_a_return_are_shown_to_the_reviewer(session: Session) -> None:
    district, dossier_id, collective = _voted(session, SCHOOL_FIGURES)
    school, block = district.schools[0], district.blocks[0]
    _submit(session, district, dossier_id)
    services.forward_block(session, block_id=block.id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(block), now=at(4))
    noms = [n for n, _ in active_nominations(session, dossier_id=dossier_id)]
    verdicts = {n.id or 0: Verdict("approve") for n in noms}
    verdicts[collective.id or 0] = Verdict("return_for_revision", "Số LĐTT không khớp báo cáo thành tích")
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], verdicts=verdicts, now=at(7))
    session.commit()
    services.set_member_figures(session, nomination_id=collective.id or 0, figures={**SCHOOL_FIGURES, "LDTT": 16})
    _submit(session, district, dossier_id)
    services.forward_block(session, block_id=block.id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(block), now=at(5))
    session.commit()
    changes = services.dossier_view(session, dossier_id=dossier_id)["changes"]
    assert changes == [f"Số liệu của {school.name} – Tập thể lao động tiên tiến: 20 cá nhân: 20 hoàn thành nhiệm vụ, "
                       "15 đạt LĐTT, 2 đạt CSTĐCS, 0 bị kỷ luật từ hình thức cảnh cáo trở lên → 20 cá nhân: 20 "
                       "hoàn thành nhiệm vụ, 16 đạt LĐTT, 2 đạt CSTĐCS, 0 bị kỷ luật từ hình thức cảnh cáo trở lên"]


def test_the_standing_names_what_a_collective_misses_and_what_more_it_may_seek(session: Session) -> None:
    district, dossier_id, collective = _voted(session, {"total": 20, "completed": 20, "LDTT": 14, "CSTDCS": 1,
                                                        "disciplined": 0})
    standing = for_dossier(session, dossier_id=dossier_id)[collective.id or 0]
    assert standing.eligible and standing.also_eligible == ["Tập thể lao động xuất sắc"]  # 70% of 20 LĐTT
    services.set_member_figures(session, nomination_id=collective.id or 0,
                                figures={"total": 20, "completed": 20, "LDTT": 10, "disciplined": 0})
    standing = for_dossier(session, dossier_id=dossier_id)[collective.id or 0]
    assert standing.missing == ["cần trên 50% cá nhân trong tập thể đạt danh hiệu Lao động tiên tiến; số liệu: "
                                "10/20 cá nhân"] and standing.also_eligible == []


def test_a_campaign_sets_its_own_share(session: Session) -> None:
    """A province's quy chế asks 60 % LĐTT for TTLĐTT: the campaign overrides the rule set, no code changes."""
    district, dossier_id, collective = _voted(session, {"total": 20, "LDTT": 11, "disciplined": 0})
    campaign = session.exec(select(Campaign)).one()
    campaign.rule_overrides = json.dumps({"titles": {"TTLDTT": {"requires": [
        {"members": "LDTT", "at_least_share": 0.6, "article": "Quy chế 05/QC-UBND Điều 7"}]}}})
    session.commit()
    assert members.asked(campaign_rules(campaign)) == ["total", "completed", "LDTT", "CSTDCS", "disciplined"]
    refusal = _refused(session, district, dossier_id)
    assert "cần ít nhất 60% cá nhân trong tập thể đạt danh hiệu Lao động tiên tiến; số liệu: 11/20 cá nhân " \
           "(Quy chế 05/QC-UBND Điều 7)" in refusal.message
    services.set_member_figures(session, nomination_id=collective.id or 0,
                                figures={"total": 20, "LDTT": 12, "disciplined": 1})  # the override dropped that one
    _submit(session, district, dossier_id)
    session.commit()
    assert session.get(Dossier, dossier_id).stage == "block_aggregation"


@pytest.mark.parametrize(("old", "new", "problem"), [
    ("      - members: disciplined\n        at_most: 0\n        article: \"Luật TĐKT 2003 Điều 28",
     "      - members: disciplined\n        at_most: 0\n        at_least: 1\n        article: \"Luật TĐKT 2003 Điều 28",
     "điều kiện members ghi đúng một phép so sánh trong: more_than_share, at_least_share, at_least, at_most"),
    ("      - members: LDTT\n        more_than_share: 0.5", "      - members: LĐTT\n        more_than_share: 0.5",
     "'LĐTT' không phải danh hiệu trong bộ quy tắc, cũng không phải completed hay disciplined"),
    ("      - members: CSTDCS\n", "      - members: TTLDTT\n",
     "'TTLDTT' là danh hiệu của tập thể, không phải của cá nhân trong tập thể"),
    ("      - with_title: TTLDTT\n", "      - with_title: LDTT\n",
     "danh hiệu 'LDTT' xét cho đối tượng khác (cá nhân / tập thể) với 'TTLDXS'"),
    ("    requires:\n      - with_title: LDTT\n", "    requires:\n      - members: LDTT\n        at_least: 1\n"
                                                "        article: x\n      - with_title: LDTT\n",
     "điều kiện về cá nhân trong tập thể chỉ dùng cho danh hiệu của tập thể"),
])
def test_a_rule_file_with_a_wrong_members_condition_names_its_line(tmp_path: Path, old: str, new: str,
                                                                   problem: str) -> None:
    text = (CONFIG_DIR / "rules" / "nd91-2017.yaml").read_text(encoding="utf-8")
    assert old in text
    broken = tmp_path / "nd91-2017.yaml"
    broken.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(broken)
    assert any(problem in p and "dòng" in p for p in error.value.problems), error.value.problems
