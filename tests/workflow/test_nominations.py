"""The school's list of nominees: one withdrawn by mistake comes back with its vote, one entered twice or rejected
by a reviewer is refused in Vietnamese (the database's unique constraint is never what answers)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from config.vocabulary import SubjectKind
from models.nomination import Nomination
from models.vote import tallies_for
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.workflow.engine import Verdict
from tests.factories import at, make_district, prepare_dossier, submit_school


def _add(session: Session, dossier_id: int, name: str) -> Nomination:
    return services.add_nomination(session, dossier_id=dossier_id, full_name=name, kind=SubjectKind.individual,
                                   title_code="LDTT", achievements="Dạy giỏi cấp huyện")


def test_a_withdrawn_nominee_comes_back_and_a_second_entry_is_refused(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])
    teacher = noms[0]
    name = f"Giáo viên 0 {district.schools[0].code}"
    services.withdraw_nomination(session, nomination_id=teacher.id or 0)
    session.commit()
    back = _add(session, dossier_id, f"  {name} ")  # typed again, with stray spaces
    session.commit()
    assert back.id == teacher.id and not back.withdrawn and back.achievements == "Dạy giỏi cấp huyện"
    assert tallies_for(session, nomination_ids=[back.id or 0])[back.id or 0].votes_for == 10  # its vote kept
    with pytest.raises(Refused) as twice:
        _add(session, dossier_id, name)
    session.rollback()
    assert twice.value.code == "duplicate"
    assert twice.value.message == f"{name} đã có trong hồ sơ với danh hiệu Lao động tiên tiến."
    assert session.exec(select(func.count()).select_from(Nomination)).one() == len(noms)


def test_a_nominee_rejected_by_a_reviewer_is_not_proposed_again_in_the_dossier(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school, block = district.schools[0], district.blocks[0]
    dossier_id, noms = submit_school(session, district, school, now=at(1))
    services.forward_block(session, block_id=block.id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(block), now=at(4))
    verdicts = {n.id or 0: Verdict("approve") for n in noms}
    verdicts[noms[0].id or 0] = Verdict("reject", "Chưa đủ tiêu chuẩn")
    verdicts[noms[1].id or 0] = Verdict("return_for_revision", "Thiếu báo cáo thành tích")
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], verdicts=verdicts, now=at(7))
    session.commit()
    with pytest.raises(Refused) as refused:
        _add(session, dossier_id, f"Giáo viên 0 {school.code}")
    session.rollback()
    assert refused.value.code == "rejected_before" and "không được cấp trên đồng ý" in refused.value.message
