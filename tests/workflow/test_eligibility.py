"""Eligibility from the rule set and the award history (imported for past years): a nominee with two
consecutive CSTĐCS is shown eligible for Bằng khen, one without is shown what is missing — to the school and
to reviewers, on the dossier page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from config.route import default_route
from config.rules import rule_set
from config.vocabulary import SubjectKind
from models.award import AwardRecord
from models.dossier import Dossier
from tdkt import services
from tdkt.common.errors import Refused
from tdkt.services import links
from tdkt.services.award_history import import_history
from tdkt.workflow.eligibility import for_dossier
from tests.factories import make_district, prepare_dossier
from web.app import create_app

HEADER = "Họ và tên,Đơn vị,Danh hiệu,Năm học,Số quyết định\n"


def test_history_import_then_eligibility_shown(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, noms = prepare_dossier(session, district, school, individuals=2)
    first, second = (f"Giáo viên {i} {school.code}" for i in range(2))
    content = (HEADER + f"{first},{school.name},CSTĐCS,2020-2021,12/QĐ-UBND\n"
               f"{first},{school.code},Chiến sĩ thi đua cơ sở,2021 - 2022,\n"
               f"{second},{school.name},CSTDCS,2019-2020,\n").encode()
    assert import_history(session, rules=rule_set("nd91-2017"), content=content, filename="lich-su.csv") == 3
    session.commit()
    standing = for_dossier(session, dossier_id=dossier_id)
    assert standing[noms[0].id].eligible and standing[noms[0].id].requested == "Lao động tiên tiến"
    assert standing[noms[0].id].also_eligible == ["Bằng khen của Chủ tịch UBND tỉnh"]
    assert standing[noms[1].id].also_eligible == []

    services.withdraw_nomination(session, nomination_id=noms[1].id)
    bk = services.add_nomination(session, dossier_id=dossier_id, full_name=second, kind=SubjectKind.individual,
                                 title_code="BK_TINH")
    session.commit()
    missing = for_dossier(session, dossier_id=dossier_id)[bk.id]
    assert not missing.eligible
    assert missing.missing == ["cần 2 năm liên tục đạt Chiến sĩ thi đua cơ sở; đã ghi nhận: 2019-2020"]
    token = links.issue(session, person=district.heads[school.id], dossier=session.get(Dossier, dossier_id),
                        route=default_route())
    session.commit()
    page = TestClient(create_app()).get(f"/l/{token}").text
    assert "Đủ điều kiện đề nghị thêm: Bằng khen của Chủ tịch UBND tỉnh" in page
    assert "Thiếu: cần 2 năm liên tục đạt Chiến sĩ thi đua cơ sở" in page


def test_a_bad_history_file_loads_nothing(session: Session) -> None:
    make_district(session, blocks=1, schools_per_block=1)
    content = (HEADER + "Lò Văn Quý,Trường Tiểu học Số 1.1,LĐTT,2021-2022,\n"
               "Đinh Thị Hoa,Trường Không Có,LĐTT,2021,\n").encode()
    with pytest.raises(Refused) as refused:
        import_history(session, rules=rule_set("nd91-2017"), content=content, filename="ls.csv")
    session.rollback()
    assert "Dòng 3, cột Đơn vị: 'Trường Không Có' không phải một trường" in refused.value.message
    assert "Dòng 3, cột Năm học: '2021' không đúng dạng 2021-2022" in refused.value.message
    assert session.exec(select(AwardRecord)).first() is None
