"""Bulk approval: the Phòng approves a whole block's clean dossiers in one confirmed step — the preview (GET)
changes nothing, the POST approves each clean dossier as its own audited transition with one verdict per
nomination, and leaves the one the phase quota stops, saying why."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from models.audit import AuditEvent
from models.dossier import Dossier
from models.nomination import NominationDecision
from tdkt import services
from tdkt.cli.live import sign_in_url
from tdkt.common.timefmt import local_today
from tests.factories import make_district, submit_school
from tests.web.test_links import _csrf
from web.app import create_app


def _count(session: Session, model: type) -> int:
    value = session.exec(select(func.count()).select_from(model)).one()
    session.rollback()
    return value


def test_bulk_approval_of_a_block(session: Session) -> None:
    today = local_today()
    district = make_district(session, blocks=1, schools_per_block=3, quota=4, deadlines={
        "school_submission": today + timedelta(days=5), "block_forward": today + timedelta(days=8),
        "phong_review": today + timedelta(days=12), "noivu_verification": today + timedelta(days=20)})
    ids = [submit_school(session, district, s)[0] for s in district.schools]  # 2 teachers + the school each
    services.forward_block(session, block_id=district.blocks[0].id, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]))
    session.commit()
    url = sign_in_url(district.people["phong_reviewer"])
    path = f"/dashboard/{district.phase_id}/khoi/{district.blocks[0].id}"  # before a rollback expires the block
    session.rollback()
    client = TestClient(create_app())
    before = _count(session, AuditEvent)
    client.get("/" + url.split("/", 3)[3])

    preview = client.get(path)
    assert preview.status_code == 200 and preview.text.count("Đủ điều kiện duyệt") == 3  # each alone fits the quota
    assert _count(session, AuditEvent) == before
    assert client.post(path, data={"csrf": "forged"}).status_code == 403

    done = client.post(path, data={"csrf": _csrf(preview.text)})
    assert done.status_code == 200 and "Đã duyệt 2 hồ sơ" in done.text
    assert "Cần xem riêng: Vượt chỉ tiêu của Đợt 1: tối đa 4 cá nhân" in done.text
    assert _count(session, AuditEvent) == before + 2
    assert _count(session, NominationDecision) == 6  # one verdict per nomination of the two approved dossiers
    stages = [session.get(Dossier, i).stage for i in ids]
    assert stages == ["noivu_verification", "noivu_verification", "phong_review"]
    assert TestClient(create_app()).get(path).status_code == 403  # nobody signed in
