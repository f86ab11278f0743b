"""The decision grants only what its signer may grant: a title whose grantors (the rule set's `granted_by`) do
not include the decision step's role is refused at the step into the decision, and proposed higher instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from config.route import default_route
from config.rules import load_rules
from config.settings import CONFIG_DIR
from config.yaml_source import ConfigError
from models.award import AwardRecord
from models.nomination import Nomination, NominationDecision, NominationStatus
from models.outbox import OutboxMessage
from notifications.render import render
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.documents import papers as documents
from tdkt.workflow.engine import Verdict
from tests.documents.test_papers import docx_text
from tests.factories import at, at_noivu_with_a_title_beyond_the_district
from tests.workflow.test_refusals import assert_refused

GK_SO = "Giấy khen của Giám đốc Sở GD&ĐT"


def test_deciders_are_the_decision_steps_actors() -> None:
    assert default_route().deciders() == {"chairman": "Chủ tịch UBND huyện"}


def test_a_title_beyond_the_chairman_s_authority_is_not_verified_for_his_decision(session: Session) -> None:
    district, dossier_id, _ = at_noivu_with_a_title_beyond_the_district(session)
    assert_refused(session, lambda: services.act(session, dossier_id=dossier_id, action="verify", now=at(4),
                                                 actor=district.people["noivu_officer"]),
                   "checks_failed", f"Hoàng Thị Lan: {GK_SO} do Giám đốc Sở GD&ĐT quyết định",
                   "không thuộc thẩm quyền của Chủ tịch UBND huyện", "hãy đề nghị cấp trên khen thưởng",
                   "Luật TĐKT 2003")


def test_that_nominee_is_proposed_higher_and_the_rest_goes_to_the_decision(session: Session) -> None:
    """Nội vụ verifies the LĐTT and proposes the Giấy khen higher, one verdict each: the decision grants the
    LĐTT alone; the school is told which was proposed higher."""
    district, dossier_id, noms = at_noivu_with_a_title_beyond_the_district(session)
    tai, lan = noms["LDTT"].id or 0, noms["GK_SO"].id or 0
    result = services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], now=at(4),
                          verdicts={tai: Verdict("approve"), lan: Verdict("forward_higher")})
    assert result.to_stage == "awaiting_decision"
    services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                    signed_on=date(2022, 11, 20), now=at(5))
    session.commit()
    assert [r.title_code for r in session.exec(select(AwardRecord)).all()] == ["LDTT"]
    assert {n: session.get(Nomination, n).status for n in (tai, lan)} == {
        tai: NominationStatus.granted, lan: NominationStatus.forwarded}
    assert session.exec(select(NominationDecision.verdict).where(
        NominationDecision.nomination_id == lan, NominationDecision.stage == "noivu_verification")).all() \
        == [NominationStatus.forwarded]
    [row] = services.status_rows(session, phase_id=district.phase_id)
    assert (row.nominations, row.approved, row.forwarded) == (2, 1, 1)
    told = session.exec(select(OutboxMessage).where(OutboxMessage.event == "dossier_verified")).one()
    body = render(told.event, told.context, to_email=told.recipient_email, to_name=told.recipient_name).text
    assert "Hoàng Thị Lan – Giấy khen của Giám đốc Sở GD&ĐT – Đề nghị cấp trên khen thưởng" in body


def test_the_proposal_to_the_level_above_lists_what_was_proposed_higher(session: Session) -> None:
    district, dossier_id, noms = at_noivu_with_a_title_beyond_the_district(session)
    with pytest.raises(Refused) as nothing:
        documents.higher_proposal(session, phase_id=district.phase_id)
    assert nothing.value.code == "nothing_forwarded" and "chưa có đề nghị nào trình cấp trên" in nothing.value.message
    services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], now=at(4), verdicts={
        noms["LDTT"].id or 0: Verdict("approve"), noms["GK_SO"].id or 0: Verdict("forward_higher")})
    session.commit()
    text = docx_text(documents.higher_proposal(session, phase_id=district.phase_id))
    assert "TỜ TRÌNH" in text and "Kính gửi: Giám đốc Sở GD&ĐT." in text
    assert "UBND huyện Quảng Hòa kính trình xem xét, khen thưởng 1 tập thể, cá nhân" in text
    assert "Hoàng Thị Lan" in text and GK_SO in text and "Nông Văn Tài" not in text
    assert "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH\n" in text and "Nguyễn Thành Hải" in text  # the chairman, for the UBND
    assert "Quảng Hòa, ngày 04 tháng 11 năm 2022" in text  # dated by the proposal higher, at(4), not today


def test_the_whole_dossier_may_be_proposed_higher(session: Session) -> None:
    district, dossier_id, noms = at_noivu_with_a_title_beyond_the_district(session)
    result = services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"],
                          action="forward_higher", now=at(4))
    session.commit()
    assert result.to_stage == "forwarded_higher"
    assert {session.get(Nomination, n.id).status for n in noms.values()} == {NominationStatus.forwarded}


def test_a_grantor_the_rule_set_does_not_declare_names_its_line(tmp_path: Path) -> None:
    text = (CONFIG_DIR / "rules" / "nd91-2017.yaml").read_text(encoding="utf-8")
    old = "    granted_by: [so_director]\n"
    assert text.count(old) == 1
    broken = tmp_path / "nd91-2017.yaml"
    broken.write_text(text.replace(old, "    granted_by: [so_directr]\n"), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_rules(broken)
    assert any("người khen thưởng 'so_directr' chưa được khai báo trong 'authorities'" in p and "dòng" in p
               for p in error.value.problems), error.value.problems
