"""The second route preset, two-tier-2025, with the 2022 Law's rule set: a commune-level chain that exists
only as configuration. A teacher's LĐTT is decided by the Chủ tịch UBND xã; a Bằng khen goes on through the
Sở GD&ĐT and the Sở Nội vụ to the province."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from config.route import default_route, load_route
from config.settings import CONFIG_DIR, get_settings
from config.vocabulary import SubjectKind, UnitKind
from models.award import AwardRecord
from models.campaign import Campaign, Phase, StageDeadline
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus
from models.outbox import OutboxMessage
from models.unit import Person, Unit
from tdkt import services
from tdkt.cli import app
from tdkt.common.errors import TransitionRefused
from tdkt.common.timefmt import end_of_day, local_today
from tdkt.documents import papers as documents
from tdkt.services import attachments as papers
from tdkt.workflow.engine import Verdict
from tests.documents.test_papers import docx_text

ROUTE = load_route(CONFIG_DIR / "routes" / "two-tier-2025.yaml")


def _add(session: Session, obj):  # type: ignore[no-untyped-def]
    session.add(obj)
    session.flush()
    return obj


def _commune(session: Session) -> dict[str, Person]:
    """UBND tỉnh (Sở GD&ĐT, Sở Nội vụ) above UBND xã (Phòng Văn hóa – Xã hội) above a primary school."""
    province = _add(session, Unit(code="ubnd-lc", name="UBND tỉnh Lào Cai", kind=UnitKind.ubnd_tinh))
    so = _add(session, Unit(code="so-gd", name="Sở GD&ĐT Lào Cai", kind=UnitKind.so_gddt, parent_id=province.id))
    so_nv = _add(session, Unit(code="so-nv", name="Sở Nội vụ Lào Cai", kind=UnitKind.so_noi_vu, parent_id=province.id))
    commune = _add(session, Unit(code="xa-mk", name="UBND xã Mường Khương", kind=UnitKind.ubnd_xa,
                                 parent_id=province.id))
    vhxh = _add(session, Unit(code="vhxh-mk", name="Phòng Văn hóa – Xã hội xã Mường Khương",
                              kind=UnitKind.phong_vhxh, parent_id=commune.id))
    school = _add(session, Unit(code="th-mk", name="Trường Tiểu học Mường Khương", kind=UnitKind.school,
                                level="TH", parent_id=commune.id))
    people = {role: _add(session, Person(full_name=name, email=f"{role}@lc.test", role=role, unit_id=unit.id))
              for role, name, unit in [("school_head", "Lù Thị Dung", school), ("vhxh_officer", "Tráng A Sử", vhxh),
                                       ("commune_chairman", "Vàng Văn Pao", commune),
                                       ("so_reviewer", "Nguyễn Thị Mai", so),
                                       ("so_noivu_officer", "Đỗ Văn Hải", so_nv)]}
    campaign = _add(session, Campaign(code="mk-2025", number="15/KH-UBND", theme="Dạy tốt, học tốt",
                                      school_year="2025-2026", issuer_unit_id=commune.id, rule_set="luat-2022"))
    today = local_today()
    phase = _add(session, Phase(campaign_id=campaign.id, number=1, name="Năm học 2025-2026", year_end=True,
                                starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60)))
    for key, days in (("school_submission", 5), ("commune_review", 10), ("so_review", 20),
                      ("so_noivu_verification", 30)):
        session.add(StageDeadline(phase_id=phase.id, key=key, due_at=end_of_day(today + timedelta(days=days))))
    session.commit()
    return people


def _dossier(session: Session, people: dict[str, Person], wanted: list[tuple[str, str]]) -> tuple[int, int]:
    head = people["school_head"]
    phase = session.exec(select(Phase)).one()
    dossier = services.open_dossier(session, phase_id=phase.id or 0, school_id=head.unit_id, route=ROUTE)
    noms = [services.add_nomination(session, dossier_id=dossier.id or 0, full_name=name, kind=SubjectKind.individual,
                                    title_code=title, route=ROUTE) for name, title in wanted]
    services.record_vote(session, dossier_id=dossier.id or 0, held_on=local_today(), members_total=7,
                         members_present=7, tallies={n.id or 0: (7, 0) for n in noms}, route=ROUTE)
    return dossier.id or 0, phase.id or 0


def test_commune_chain_to_the_commune_chairman_s_decision(session: Session) -> None:
    people = _commune(session)
    dossier_id, phase_id = _dossier(session, people, [("Giàng Thị Dua", "LDTT"), ("Lò Văn Quý", "GK_XA")])
    now = datetime.now(get_settings().tz)
    assert services.submit(session, dossier_id=dossier_id, actor=people["school_head"], now=now,
                           route=ROUTE).to_stage == "commune_review"
    assert services.act(session, dossier_id=dossier_id, actor=people["vhxh_officer"], action="approve", now=now,
                        route=ROUTE).to_stage == "awaiting_decision"
    decisions = services.decide(session, phase_id=phase_id, actor=people["commune_chairman"], signed_on=local_today(),
                                now=now, route=ROUTE)
    session.commit()
    assert [d.form for d in decisions] == ["LDTT", "GK_XA"] and all(d.number.endswith("/QĐ-UBND") for d in decisions)
    paper = docx_text(documents.decision_document(session, decision_id=decisions[0].id or 0))
    # signed after 01/07/2025: the commune's authority under the 2025 law, on its Phòng Văn hóa – Xã hội's proposal;
    # no abolished district office named
    assert "Căn cứ Luật Tổ chức chính quyền địa phương số 72/2025/QH15" in paper and "năm 2015" not in paper
    assert "Theo đề nghị của Phòng Văn hóa – Xã hội tại Tờ trình ngày" in paper
    assert "phòng giáo dục và đào tạo" not in paper.lower() and "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ" in paper
    assert "Điều 3. Chánh Văn phòng HĐND và UBND xã, Trưởng phòng Văn hóa – Xã hội, Hiệu trưởng các trường" in paper
    assert {r.title_code for r in session.exec(select(AwardRecord)).all()} == {"LDTT", "GK_XA"}
    told = {m.recipient_email for m in session.exec(select(OutboxMessage)).all()}
    assert {"vhxh_officer@lc.test", "commune_chairman@lc.test", "school_head@lc.test"} <= told


def _bang_khen(session: Session, people: dict[str, Person]) -> int:
    """A teacher's dossier for the province chairman's Bằng khen (two years of CSTĐCS behind her), submitted."""
    dossier_id, _ = _dossier(session, people, [("Hoàng Thị Lan", "BK_TINH")])
    nominee_id = session.exec(select(Nomination)).one().nominee_id
    session.add_all([AwardRecord(nominee_id=nominee_id, title_code="CSTDCS", year=y) for y in (2023, 2024)])
    head = people["school_head"]
    papers.attach(session, dossier=session.get(Dossier, dossier_id), person=head, kind="bao_cao_thanh_tich",
                  filename="bao-cao.pdf", content=b"%PDF-1.7\n", start_stage=ROUTE.start)
    services.submit(session, dossier_id=dossier_id, actor=head, now=datetime.now(get_settings().tz), route=ROUTE)
    session.commit()
    return dossier_id


def test_a_bang_khen_is_not_for_the_commune_chairman_s_decision(session: Session) -> None:
    people = _commune(session)
    dossier_id = _bang_khen(session, people)
    with pytest.raises(TransitionRefused) as refused:
        services.act(session, dossier_id=dossier_id, actor=people["vhxh_officer"], action="approve",
                     now=datetime.now(get_settings().tz), route=ROUTE)
    session.rollback()
    assert [v.code for v in refused.value.violations] == ["beyond_authority"]
    assert ("Hoàng Thị Lan: Bằng khen của Chủ tịch UBND tỉnh do Chủ tịch UBND tỉnh quyết định, không thuộc thẩm "
            "quyền của Chủ tịch UBND xã") in refused.value.message
    assert "Luật TĐKT 2022 Điều 80" in refused.value.message
    assert session.get(Dossier, dossier_id).stage == "commune_review"


def test_a_bang_khen_goes_on_to_the_province(session: Session) -> None:
    people = _commune(session)
    dossier_id = _bang_khen(session, people)
    now = datetime.now(get_settings().tz)
    steps = [("vhxh_officer", "forward_higher", "so_review"), ("so_reviewer", "approve", "so_noivu_verification"),
             ("so_noivu_officer", "forward_higher", "forwarded_higher")]
    for role, action, stage in steps:
        result = services.act(session, dossier_id=dossier_id, actor=people[role], action=action, now=now, route=ROUTE)
        assert result.to_stage == stage, (role, action)
    session.commit()
    assert session.exec(select(Nomination)).one().status == NominationStatus.forwarded


def test_one_nominee_is_forwarded_on_its_own_and_the_others_decided_by_the_commune(session: Session) -> None:
    """A commune school's LĐTT is the Chủ tịch UBND xã's; its CSTĐCS is not (Luật 2022 Điều 80 khoản 3): the
    reviewer is told who grants it, with the article, proposes that one nominee higher, and the rest goes on."""
    people = _commune(session)
    dossier_id, phase_id = _dossier(session, people, [("Giàng Thị Dua", "LDTT"), ("Lò Văn Quý", "LDTT")])
    cstdcs = services.add_nomination(session, dossier_id=dossier_id, full_name="Lò Văn Quý",
                                     kind=SubjectKind.individual, title_code="CSTDCS", initiative="Sáng kiến dạy đọc",
                                     route=ROUTE)
    services.record_vote(session, dossier_id=dossier_id, held_on=local_today(), members_total=7, members_present=7,
                         tallies={n.id or 0: (7, 0) for n in session.exec(select(Nomination)).all()}, route=ROUTE)
    for kind in ("bao_cao_thanh_tich", "sang_kien"):
        papers.attach(session, dossier=session.get(Dossier, dossier_id), person=people["school_head"], kind=kind,
                      filename=f"{kind}.pdf", content=b"%PDF-1.7\n", start_stage=ROUTE.start)
    now = datetime.now(get_settings().tz)
    services.submit(session, dossier_id=dossier_id, actor=people["school_head"], now=now, route=ROUTE)
    session.commit()
    with pytest.raises(TransitionRefused) as refused:
        services.act(session, dossier_id=dossier_id, actor=people["vhxh_officer"], action="approve", now=now,
                     route=ROUTE)
    session.rollback()
    assert {v.nomination_id for v in refused.value.violations} == {cstdcs.id}
    assert "beyond_authority" in {v.code for v in refused.value.violations}
    assert ("Chiến sĩ thi đua cơ sở do Chủ tịch UBND huyện hoặc Giám đốc Sở GD&ĐT quyết định, không thuộc thẩm quyền "
            "của Chủ tịch UBND xã") in refused.value.message and "Điều 80" in refused.value.message
    verdicts = {n.id or 0: Verdict("forward_higher" if n.id == cstdcs.id else "approve")
                for n in session.exec(select(Nomination)).all()}
    result = services.act(session, dossier_id=dossier_id, actor=people["vhxh_officer"], verdicts=verdicts, now=now,
                          route=ROUTE)
    assert result.to_stage == "awaiting_decision"
    services.decide(session, phase_id=phase_id, actor=people["commune_chairman"], signed_on=local_today(), now=now,
                    route=ROUTE)
    session.commit()
    statuses = {(n.title_code, n.status) for n in session.exec(select(Nomination)).all()}
    assert statuses == {("LDTT", NominationStatus.granted), ("CSTDCS", NominationStatus.forwarded)}


def test_the_commune_s_papers_come_from_its_phong_van_hoa_xa_hoi(session: Session, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    """With the commune preset as the deployment's route, the report and the tờ trình are the Phòng Văn hóa – Xã
    hội's, by default from the command line: under the UBND xã, to its chairman, dated at the commune."""
    monkeypatch.setenv("TDKT_ROUTE_FILE", str(CONFIG_DIR / "routes" / "two-tier-2025.yaml"))
    get_settings.cache_clear()
    default_route.cache_clear()
    people = _commune(session)
    dossier_id, phase_id = _dossier(session, people, [("Giàng Thị Dua", "LDTT")])
    now = datetime.now(get_settings().tz)
    services.submit(session, dossier_id=dossier_id, actor=people["school_head"], now=now, route=ROUTE)
    services.act(session, dossier_id=dossier_id, actor=people["vhxh_officer"], action="approve", now=now, route=ROUTE)
    session.commit()
    vhxh = session.exec(select(Unit).where(Unit.kind == UnitKind.phong_vhxh)).one()
    proposal = docx_text(documents.office_proposal(session, phase_id=phase_id, office=vhxh))
    assert "Kính gửi: Chủ tịch UBND xã Mường Khương." in proposal and "Số:      /TTr-VHXH" in proposal
    assert "UBND XÃ MƯỜNG KHƯƠNG\nPHÒNG VĂN HÓA – XÃ HỘI XÃ MƯỜNG KHƯƠNG" in proposal and "Giàng Thị Dua" in proposal
    assert f"Mường Khương, ngày {local_today():%d} tháng {local_today():%m} năm {local_today():%Y}" in proposal
    session.rollback()
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "so-ket.docx"), "--phase", "1"])
    assert result.exit_code == 0, result.output
    report = docx_text((tmp_path / "so-ket.docx").read_bytes())
    assert "PHÒNG VĂN HÓA – XÃ HỘI XÃ MƯỜNG KHƯƠNG" in report and "Số:      /BC-VHXH" in report
    assert "TRƯỞNG PHÒNG\n" in report and "Phòng GD" not in report and "PHÒNG GIÁO DỤC" not in report
