"""What changed since the return: the reviewer who gets a returned dossier back sees a changed vote tally, a
removed nominee, a new nominee and a new paper, against the version returned."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from config.route import default_route
from config.vocabulary import SubjectKind
from models.dossier import Dossier
from tdkt import services
from tdkt.common.timefmt import local_today
from tdkt.services import attachments as papers
from tdkt.services import links
from tdkt.workflow.engine import Verdict
from tests.factories import District, submit_school
from tests.web.test_home_and_results import _district
from web.app import create_app


def _back_at_phong(session: Session) -> tuple[District, int, str]:
    district = _district(session)
    dossier_id, noms = submit_school(session, district, district.schools[0])
    submit_school(session, district, district.schools[1])
    leader = district.leader_of(district.blocks[0])
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id, actor=leader)
    reviewer = district.people["phong_reviewer"]
    verdicts = {n.id: Verdict("approve") for n in noms}
    verdicts[noms[0].id] = Verdict("return_for_revision", "Biên bản chưa đủ chữ ký")
    verdicts[noms[2].id] = Verdict("reject", "Tập thể chưa đủ tiêu chuẩn")
    services.act(session, dossier_id=dossier_id, actor=reviewer, verdicts=verdicts)
    session.commit()
    school = district.schools[0]
    added = services.add_nomination(session, dossier_id=dossier_id, full_name="Đinh Thị Hoa",
                                    kind=SubjectKind.individual, title_code="LDTT")
    services.withdraw_nomination(session, nomination_id=noms[1].id)
    services.record_vote(session, dossier_id=dossier_id, held_on=local_today(), members_total=15, members_present=13,
                         tallies={noms[0].id: (13, 0), added.id: (12, 1)})
    papers.attach(session, dossier=session.get(Dossier, dossier_id), person=district.heads[school.id],
                  kind="bien_ban", filename="bien-ban-du-chu-ky.pdf", content=b"%PDF-1.7\n% ky\n",
                  start_stage="school_vote")
    services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id])
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id, actor=leader)
    token = links.issue(session, person=reviewer, dossier=session.get(Dossier, dossier_id), route=default_route())
    session.commit()
    return district, dossier_id, token


def test_the_reviewer_sees_what_changed(session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import get_settings

    monkeypatch.setenv("TDKT_FILES_DIR", str(tmp_path / "files"))
    get_settings.cache_clear()
    district, dossier_id, token = _back_at_phong(session)
    changes = services.dossier_view(session, dossier_id=dossier_id)["changes"]
    school = district.schools[0]
    assert changes == [
        "Thêm đề nghị: Đinh Thị Hoa – Lao động tiên tiến",
        f"Rút đề nghị: Giáo viên 1 {school.code} – Lao động tiên tiến",
        f"Phiếu của Giáo viên 0 {school.code} – Lao động tiên tiến: 10/1 → 13/0",
        "Biên bản họp xét: có mặt 12/15 → 13/15 thành viên",
        "Thêm giấy tờ: bien-ban-du-chu-ky.pdf",
    ]  # the collective rejected at the return is not reported as withdrawn
    session.rollback()
    page = TestClient(create_app()).get(f"/l/{token}").text
    assert "Thay đổi kể từ lần trả lại" in page and "10/1 → 13/0" in page
