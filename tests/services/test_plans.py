"""A district that is not in the repository, set up and run for a phase from the command line (#39): its units and
staff from its own lists, its plan from a YAML file, then a dossier routed to the decision by the people just
imported; the plan written back and copied to the next school year."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path

import yaml
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from models.audit import AuditEvent
from models.campaign import Campaign, Phase, PhaseQuota, StageDeadline
from models.decision import Decision
from models.unit import Person
from models.vote import CouncilVote
from tdkt.cli import app
from tdkt.common.timefmt import local, local_today
from tdkt.documents.papers import decision_document, school_proposal
from tdkt.services import plans
from tests.documents.test_papers import docx_text
from tests.security.test_imports import _xlsx
from tests.services.test_setup_imports import UNITS

runner = CliRunner()


def tdkt(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, f"tdkt {' '.join(args)}:\n{result.output}"
    return result.output


def _plan(today: date) -> dict[str, object]:
    def day(n: int) -> str:
        return (today + timedelta(days=n)).isoformat()

    return {"code": "lam-binh-2026-2027", "number": "45/KH-UBND", "issued_on": "2026-09-05",
            "theme": "Dạy tốt – học tốt", "school_year": "2026-2027", "rule_set": "luat-2022",
            "phases": [
                {"number": 1, "name": "Đợt 1 năm học 2026-2027", "starts_on": day(-30), "ends_on": day(40),
                 "deadlines": {"school_submission": day(5), "block_forward": day(8), "phong_review": day(12),
                               "noivu_verification": day(20)},
                 "quotas": [{"subject": "individual", "title_code": "GK_HUYEN", "max_count": 20}]},
                {"number": 2, "name": "Tổng kết năm học 2026-2027", "year_end": True, "starts_on": day(200),
                 "ends_on": day(260), "deadlines": {"school_submission": day(220)}}],
            "reports": [{"name": "Báo cáo sơ kết học kỳ I", "due": day(120)}]}


def _set_up(tmp_path: Path) -> None:
    (tmp_path / "donvi.xlsx").write_bytes(_xlsx(UNITS))
    tdkt("units", "import", "--file", str(tmp_path / "donvi.xlsx"))
    staff = {"th-na-hang": "Ma Thị Hường,ht.nahang@lb.test,Hiệu trưởng",
             "thcs-thuong-lam": "Hoàng Văn Sinh,ht.thuonglam@lb.test,Hiệu trưởng",
             "pgd-lam-binh": "Ma Văn Kiên,kien.pgd@lb.test,Chuyên viên Phòng GD&ĐT",
             "pnv-lam-binh": "Hà Thị Lan,lan.pnv@lb.test,Chuyên viên Phòng Nội vụ",
             "ubnd-lam-binh": "Nông Văn Quân,chutich@lb.test,Chủ tịch UBND huyện"}
    for unit, line in staff.items():
        (tmp_path / f"{unit}.csv").write_text(f"Họ và tên,Email,Vai trò\n{line}\n", encoding="utf-8")
        tdkt("staff", "import", "--unit", unit, "--file", str(tmp_path / f"{unit}.csv"))
    (tmp_path / "kehoach.yaml").write_text(yaml.safe_dump(_plan(local_today()), allow_unicode=True), encoding="utf-8")
    assert "Đã tạo phong trào lam-binh-2026-2027 (2026-2027) với 2 đợt." in tdkt(
        "campaign", "create", "--file", str(tmp_path / "kehoach.yaml"), "--issuer", "ubnd-lam-binh")


def test_a_new_district_is_set_up_and_runs_a_phase_from_the_command_line(session: Session, tmp_path: Path) -> None:
    _set_up(tmp_path)
    dossiers = []
    for school, head, name in (("th-na-hang", "ht.nahang@lb.test", "Lò Thị Sen"),
                               ("thcs-thuong-lam", "ht.thuonglam@lb.test", "Hoàng Văn Páo")):
        added = tdkt("nominate", "--school", school, "--name", name, "--title", "GK_HUYEN", "--position", "Giáo viên")
        found = re.search(r"Hồ sơ số (\d+): đã thêm đề nghị số (\d+)", added)
        assert found is not None
        dossier, nomination = found.groups()
        tdkt("vote", "--dossier", dossier, "--held-on", local_today().strftime("%d/%m/%Y"), "--members", "9",
             "--present", "9", "--tally", f"{nomination}:9:0", "--time", "8h", "--place", "Phòng họp",
             "--chair", head, "--secretary", "Thư ký của trường")
        tdkt("submit", "--dossier", dossier, "--as", head)
        dossiers.append(dossier)
    tdkt("forward", "--block", "khoi-a", "--as", "ht.nahang@lb.test")  # Nà Hang leads the block (the units list)
    for dossier in dossiers:
        tdkt("act", "--dossier", dossier, "--as", "kien.pgd@lb.test", "--action", "approve")
        tdkt("act", "--dossier", dossier, "--as", "lan.pnv@lb.test", "--action", "verify")
    signed = tdkt("decide", "--as", "chutich@lb.test", "--signed-on", local_today().strftime("%d/%m/%Y"))
    assert "Đã ban hành quyết định số 1/QĐ-UBND." in signed
    decision = session.exec(select(Decision)).one()
    assert decision.form == "GK_HUYEN"
    # the papers cite the plan by its number, the day it was signed and who issued it
    cited = "Kế hoạch số 45/KH-UBND ngày 05/09/2026 của Ủy ban nhân dân huyện Lâm Bình về Dạy tốt – học tốt"
    assert f"Căn cứ {cited};" in docx_text(decision_document(session, decision_id=decision.id or 0))
    assert f"Căn cứ {cited}; căn cứ kết quả" in docx_text(school_proposal(session, dossier_id=int(dossiers[0])))
    meetings = session.exec(select(CouncilVote)).all()
    assert [(v.starts_at, v.place, v.secretary) for v in meetings] == [
        (time(8, 0), "Phòng họp", "Thư ký của trường")] * 2
    session.rollback()


def test_bad_plan_files_name_the_field_and_the_line(session: Session, tmp_path: Path) -> None:
    (tmp_path / "donvi.xlsx").write_bytes(_xlsx(UNITS))
    tdkt("units", "import", "--file", str(tmp_path / "donvi.xlsx"))
    plan = _plan(local_today())
    plan["phases"][0]["starts_on"] = "31/02/2026"  # type: ignore[index]
    (tmp_path / "sai.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["campaign", "create", "--file", str(tmp_path / "sai.yaml"), "--issuer",
                                 "ubnd-lam-binh"], env={"COLUMNS": "200"})
    assert result.exit_code == 2 and "phases.0.starts_on" in result.output and "dòng" in result.output, result.output
    plan = _plan(local_today())
    plan["phases"][0]["forms"] = ["LDTT"]  # type: ignore[index]
    (tmp_path / "sai.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["campaign", "create", "--file", str(tmp_path / "sai.yaml"), "--issuer",
                                 "ubnd-lam-binh"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "Lao động tiên tiến xét tặng hằng năm, chỉ đề nghị ở đợt tổng kết" in \
        result.output
    result = runner.invoke(app, ["campaign", "create", "--file", str(tmp_path / "sai.yaml"), "--issuer",
                                 "th-na-hang"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "không phải cơ quan ban hành kế hoạch" in result.output
    assert session.exec(select(Campaign)).all() == []


def test_the_plan_is_written_back_and_copied_to_the_next_year(session: Session, tmp_path: Path) -> None:
    _set_up(tmp_path)
    tdkt("campaign", "export", "--out", str(tmp_path / "ra.yaml"))
    written = yaml.safe_load((tmp_path / "ra.yaml").read_text(encoding="utf-8"))
    assert (written["number"], written["issued_on"]) == ("45/KH-UBND", "2026-09-05")
    assert written["phases"][0]["deadlines"]["phong_review"] == (local_today() + timedelta(days=12)).isoformat()
    assert written["phases"][0]["quotas"] == [{"subject": "individual", "max_count": 20, "title_code": "GK_HUYEN"}]
    assert written["reports"] == [{"name": "Báo cáo sơ kết học kỳ I",
                                   "due": (local_today() + timedelta(days=120)).isoformat(), "by": "phong_gddt"}]
    assert "Đã tạo phong trào lam-binh-2027-2028 năm học 2027-2028 từ lam-binh-2026-2027." in tdkt(
        "campaign", "copy", "--campaign", "lam-binh-2026-2027", "--code", "lam-binh-2027-2028",
        "--as", "kien.pgd@lb.test")  # the plan created without --as left none
    copied_by = session.exec(select(AuditEvent).where(AuditEvent.action == "create_campaign")).one()
    assert copied_by.detail["campaign"] == "lam-binh-2027-2028" and copied_by.phase_id is None
    assert session.get(Person, copied_by.actor_id).email == "kien.pgd@lb.test"
    copied = session.exec(select(Campaign).where(Campaign.code == "lam-binh-2027-2028")).one()
    assert copied.issued_on is None  # next year's plan is signed on a day of its own
    phases = session.exec(select(Phase).where(Phase.campaign_id == copied.id).order_by(col(Phase.number))).all()
    assert [p.name for p in phases] == ["Đợt 1 năm học 2027-2028", "Tổng kết năm học 2027-2028"]
    assert phases[0].starts_on == plans.a_year_later(local_today() - timedelta(days=30)) and phases[1].year_end
    due = session.exec(select(StageDeadline).where(StageDeadline.phase_id == phases[0].id,
                                                   StageDeadline.key == "school_submission")).one()
    assert local(due.due_at).date() == plans.a_year_later(local_today() + timedelta(days=5))
    assert session.exec(select(PhaseQuota).where(PhaseQuota.phase_id == phases[0].id)).one().max_count == 20
    assert plans.a_year_later(date(2028, 2, 29)) == date(2029, 2, 28)
    session.rollback()
