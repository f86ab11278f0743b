"""The `tdkt` command line on a real database: init, config validate, nominate, vote, submit, status."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from config.settings import CONFIG_DIR, get_settings
from models.campaign import Phase
from models.db import session_scope
from models.dossier import Dossier
from models.nomination import Nomination, Nominee
from models.unit import Unit
from tdkt.cli import app
from tests.factories import at_noivu_with_a_title_beyond_the_district

runner = CliRunner()
WIDE = {"COLUMNS": "200"}


def tdkt(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=WIDE)
    return result.exit_code, result.output


def test_config_validate_passes_and_names_the_broken_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, output = tdkt("config", "validate")
    assert code == 0 and "route.yaml" in output and "nd91-2017.yaml" in output and "muong-khuong" in output
    assert "two-tier-2025.yaml" in output and "luat-2022.yaml" in output
    broken = tmp_path / "route.yaml"
    broken.write_text((CONFIG_DIR / "route.yaml").read_text(encoding="utf-8").replace("to: rejected", "to: nowhere", 1),
                      encoding="utf-8")
    monkeypatch.setenv("TDKT_ROUTE_FILE", str(broken))
    get_settings.cache_clear()
    code, output = tdkt("config", "validate")
    get_settings.cache_clear()
    assert code == 1 and "route.yaml, dòng" in output and "'nowhere' không tồn tại" in output


def test_config_validate_warns_of_a_rule_set_whose_grantors_the_decision_signer_is_not(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The commune preset's signer (Chủ tịch UBND xã) grants nothing under nd91-2017 (the era before communes
    granted): a warning, the files being valid each on its own."""
    code, output = tdkt("config", "validate")
    assert code == 0 and "⚠" not in output
    monkeypatch.setenv("TDKT_ROUTE_FILE", str(CONFIG_DIR / "routes" / "two-tier-2025.yaml"))
    get_settings.cache_clear()
    code, output = tdkt("config", "validate")
    get_settings.cache_clear()
    assert code == 0
    assert ("⚠ tuyến two-tier-2025: người ký quyết định (Chủ tịch UBND xã, vai trò commune_chairman) không có "
            "trong 'authorities' của bộ quy tắc nd91-2017") in output
    assert "luat-2022;" not in output and output.count("⚠") == 1


def test_init_sample_then_a_school_works_from_the_command_line(session: Session) -> None:
    code, output = tdkt("init", "--campaign", "muong-khuong")
    assert code == 0, output
    assert "Đã nạp phong trào mẫu muong-khuong" in output
    assert len(session.exec(select(Unit).where(Unit.kind == "school")).all()) == 19
    session.rollback()  # end the read: SQLite transactions take the write lock (see models.db)
    code, output = tdkt("init", "--campaign", "muong-khuong")
    assert code == 1 and "đã được nạp" in output

    code, output = tdkt("nominate", "--school", "th-ban-lau", "--name", "Nguyễn Thị Lan Anh", "--title", "LDTT",
                        "--position", "Giáo viên")
    assert code == 1 and "xét tặng hằng năm, đề nghị trong đợt tổng kết năm học" in output
    code, output = tdkt("nominate", "--school", "th-ban-lau", "--name", "Nguyễn Thị Lan Anh", "--title", "LDTT",
                        "--position", "Giáo viên", "--phase", "4", "--birth-date", "12/03/1988",
                        "--identity-code", "012188000123", "--recruited-on", "01/09/2010", "--sex", "nữ",
                        "--direct-teaching", "có")
    assert code == 0, output
    nomination = session.exec(select(Nomination)).one()
    assert (session.get(Nominee, nomination.nominee_id).sex, session.get(Nominee, nomination.nominee_id)
            .direct_teaching) == ("female", True)
    session.expunge(nomination)
    session.rollback()
    code, output = tdkt("nominate", "--school", "th-ban-lau", "--name", "Tổ Một", "--title", "LDTT", "--collective")
    assert code == 1 and "Lao động tiên tiến không xét cho tập thể" in output
    code, output = tdkt("vote", "--dossier", str(nomination.dossier_id), "--held-on", "28/10/2020", "--members", "15",
                        "--present", "12", "--tally", f"{nomination.id}:5:7")
    assert code == 0, output
    head = "hieutruong.th-ban-lau@muongkhuong.test"
    code, output = tdkt("submit", "--dossier", str(nomination.dossier_id), "--as", head, "--at", "29/10/2020 09:00")
    assert code == 1 and "Nguyễn Thị Lan Anh (Lao động tiên tiến) chỉ được 5/12 phiếu đồng ý" in output
    code, output = tdkt("vote", "--dossier", str(nomination.dossier_id), "--held-on", "28/10/2020", "--members", "15",
                        "--present", "12", "--tally", f"{nomination.id}:11:1")
    assert code == 0
    code, output = tdkt("submit", "--dossier", str(nomination.dossier_id), "--as", head, "--at", "29/10/2020 09:00")
    assert code == 1 and "chưa đăng ký thi đua danh hiệu Lao động tiên tiến" in output  # nd91: registration required
    _register_the_block(head)
    code, output = tdkt("submit", "--dossier", str(nomination.dossier_id), "--as", head, "--at", "29/10/2020 09:00")
    assert code == 0, output
    assert "Tổng hợp tại khối thi đua" in output
    session.expire_all()
    assert session.get(Dossier, nomination.dossier_id).stage == "block_aggregation"
    session.rollback()

    code, output = tdkt("status")  # piped: a title, then tab-separated lines to cut or sort
    assert code == 0 and "Trường Tiểu học Bản Lầu" in output and "Chưa lập hồ sơ" in output
    lines = output.splitlines()
    assert lines[1].split("\t")[:4] == ["Hồ sơ", "Trường", "Khối", "Bước"]
    ban_lau = next(line.split("\t") for line in lines if "Trường Tiểu học Bản Lầu" in line)
    assert len(ban_lau) == 10 and ban_lau[1] == "Trường Tiểu học Bản Lầu"
    code, output = tdkt("history", "--dossier", str(nomination.dossier_id))
    assert code == 0 and "Nguyễn Thị Lan" in output and "Gửi hồ sơ lên khối thi đua" in output
    assert "submit" not in output  # the route's words, not the action's code


def _register_the_block(head: str) -> None:
    """Bản Lầu registers from the command line; its block's other schools too; the leader forwards — and the
    forward is refused while a member school has not sent its registration, and on 15/10/2020 ("trước 15/10")."""
    code, output = tdkt("registration", "set", "--school", "th-ban-lau", "--individual", "Nguyễn Thị Lan Anh=LDTT",
                        "--collective", "Trường Tiểu học Bản Lầu=TTLDTT", "--pledge", "Dạy tốt, học tốt")
    assert code == 0 and "đã đăng ký 2 tập thể, cá nhân" in output, output
    code, output = tdkt("registration", "submit", "--school", "th-ban-lau", "--as", head, "--at", "12/10/2020 08:00")
    assert code == 0, output
    leader = "hieutruong.th-thi-tran@muongkhuong.test"

    def forward(at: str) -> tuple[int, str]:
        return tdkt("registration", "forward", "--block", "khoi-tieu-hoc", "--as", leader, "--at", at)

    code, output = forward("13/10/2020 08:00")
    assert code == 1 and "chưa gửi đăng ký thi đua" in output and "Trường Tiểu học Thị trấn" in output
    with session_scope() as session:  # read, then let the command line write (SQLite: one writer at a time)
        block = session.exec(select(Unit).where(Unit.code == "khoi-tieu-hoc")).one()
        others = [(u.code, u.name) for u in session.exec(select(Unit).where(Unit.block_id == block.id,
                                                                             Unit.code != "th-ban-lau"))]
    for code_, name in others:
        tdkt("registration", "set", "--school", code_, "--collective", f"{name}=TTLDTT")
        assert tdkt("registration", "submit", "--school", code_, "--as", f"hieutruong.{code_}@muongkhuong.test",
                    "--at", "12/10/2020 09:00")[0] == 0
    code, output = forward("15/10/2020 08:00")
    assert code == 1 and "Đã quá hạn đăng ký thi đua" in output
    code, output = forward("14/10/2020 08:00")
    assert code == 0 and f"đã chuyển đăng ký thi đua của {len(others) + 1} trường" in output, output


def test_refusals_on_the_command_line(session: Session) -> None:
    tdkt("init", "--campaign", "muong-khuong")
    code, output = tdkt("vote", "--dossier", "1", "--held-on", "28/10/2020", "--members", "15", "--present", "12",
                        "--tally", "abc")
    assert code == 1 and "SỐ_ĐỀ_NGHỊ:ĐỒNG_Ý:KHÔNG_ĐỒNG_Ý" in output
    code, output = tdkt("nominate", "--school", "khong-co", "--name", "A", "--title", "LDTT")
    assert code == 1 and "Không có trường mã 'khong-co'" in output


def test_import_from_the_command_line(session: Session, tmp_path: Path) -> None:
    tdkt("init", "--campaign", "muong-khuong")
    good = tmp_path / "ds.csv"
    good.write_text("Họ và tên,Chức vụ,Đơn vị,Danh hiệu đề nghị,Thành tích\n"
                    "Vàng Seo Phử,Giáo viên,Trường Tiểu học Bản Lầu,LĐTT,Dạy giỏi\n", encoding="utf-8")
    code, output = tdkt("import", "--school", "th-ban-lau", "--file", str(good), "--phase", "4")
    assert code == 0 and "đã nhập 1 đề nghị" in output, output
    bad = tmp_path / "bad.csv"
    bad.write_text("Họ và tên,Danh hiệu đề nghị\nA,Không có\n", encoding="utf-8")
    code, output = tdkt("import", "--school", "th-ban-lau", "--file", str(bad), "--phase", "4")
    assert code == 1 and "Dòng 2, cột Danh hiệu đề nghị" in output
    assert len(session.exec(select(Nomination)).all()) == 1
    session.rollback()


def test_a_collectives_figures_from_the_command_line(session: Session) -> None:
    assert tdkt("init", "--campaign", "muong-khuong")[0] == 0
    school = "Trường Tiểu học Bản Lầu"
    code, output = tdkt("nominate", "--school", "th-ban-lau", "--name", school, "--title", "TTLDTT", "--phase", "4",
                        "--collective",
                        "--figure", "total=24", "--figure", "LDTT19")
    assert code == 1 and "Số liệu 'LDTT19' phải có dạng 'MÃ=SỐ NGƯỜI'" in output
    code, output = tdkt("nominate", "--school", "th-ban-lau", "--name", school, "--title", "TTLDTT", "--phase", "4",
                        "--collective",
                        "--figure", "total=24", "--figure", "LDTT=25")
    assert code == 1 and "Số cá nhân đạt LĐTT (25) nhiều hơn tổng số cá nhân trong tập thể (24)" in output
    assert session.exec(select(Nomination)).all() == []  # refused: nothing written, the dossier included
    session.rollback()
    code, output = tdkt("nominate", "--school", "th-ban-lau", "--name", school, "--title", "TTLDTT", "--phase", "4",
                        "--collective",
                        "--figure", "total=24", "--figure", "LDTT=19", "--figure", "disciplined=0")
    assert code == 0, output
    nomination = session.exec(select(Nomination)).one()
    nomination_id = nomination.id
    assert nomination.member_figures == {"total": 24, "LDTT": 19, "disciplined": 0}
    session.rollback()  # end the read: SQLite transactions take the write lock (see models.db)
    code, output = tdkt("figures", "--nomination", str(nomination_id), "--figure", "total=24", "--figure", "LDTT=12",
                        "--figure", "disciplined=0")
    assert code == 0 and f"Đề nghị số {nomination_id}: 24 cá nhân: 12 đạt LĐTT, 0 bị kỷ luật" in output
    assert session.get(Nomination, nomination_id).member_figures == {"total": 24, "LDTT": 12, "disciplined": 0}
    session.rollback()
    code, output = tdkt("figures", "--nomination", str(nomination_id))
    assert code == 0 and "chưa có số liệu" in output
    assert session.get(Nomination, nomination_id).member_figures is None
    session.rollback()
    assert "không tìm thấy đề nghị số 999" in tdkt("figures", "--nomination", "999", "--figure", "total=1")[1].lower()


@pytest.mark.parametrize(("args", "message"), [
    (("vote", "--dossier", "1", "--held-on", "31/02/2020", "--members", "15", "--present", "12", "--tally", "1:10:1"),
     "'31/02/2020' không phải một ngày có thật dạng dd/mm/yyyy"),
    (("submit", "--dossier", "1", "--as", "hieutruong.th-ban-lau@muongkhuong.test", "--at", "29/10/2020 9h"),
     "'29/10/2020 9h' không phải một thời điểm dạng 'dd/mm/yyyy HH:MM'"),
    (("sweep", "--at", "01/10/2020 25:00"), "'01/10/2020 25:00' không phải một thời điểm"),
    (("scheduler", "--from", "hôm qua", "--for", "1"), "'hôm qua' không phải một thời điểm"),
    (("awards", "import", "--file", "/nonexistent/lich-su.xlsx"), "Không tìm thấy tệp /nonexistent/lich-su.xlsx"),
    (("history", "--dossier", "999"), "Không tìm thấy hồ sơ số 999"),
])
def test_malformed_input_is_refused_in_vietnamese(session: Session, args: tuple[str, ...], message: str) -> None:
    assert tdkt("init", "--campaign", "muong-khuong")[0] == 0
    result = runner.invoke(app, list(args), env=WIDE)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit | None), result.exception  # no traceback
    assert "Không thực hiện được" in result.output and message in " ".join(result.output.split())


@pytest.mark.parametrize(("args", "said"), [
    (["nominate", "--school", "th-ban-lau"], "Thiếu tùy chọn '--name' (Họ và tên / tên tập thể)."),
    (["act", "--dossier", "1", "--as", "a@b.vn", "--approve", "ba"],
     "Giá trị của '--approve' không hợp lệ: cần một số nguyên."),
    (["nominat"], "Không có lệnh 'nominat'. Có phải ý bạn là 'nominate'?"),
    (["nominate", "--schol", "x"], "Không có tùy chọn '--schol'. Có phải ý bạn là '--school'"),
    (["vote", "--dossier"], "Tùy chọn '--dossier' cần một giá trị."),
    (["status", "thừa"], "Thừa đối số: thừa."),
])
def test_the_installed_command_words_usage_errors_in_vietnamese(args: list[str], said: str) -> None:
    import subprocess
    import sys

    script = Path(sys.executable).parent / "tdkt"  # the console script pyproject installs, not the Typer app
    done = subprocess.run([str(script), *args], capture_output=True, text=True, env={**os.environ, **WIDE},
                          timeout=120)
    assert done.returncode == 2 and said in done.stderr, done.stderr
    assert "Lỗi" in done.stderr and "Error" not in done.stderr and "Missing" not in done.stderr
    assert "Usage" not in done.stderr and "OPTIONS" not in done.stderr


@pytest.mark.parametrize(("args", "usage"), [
    ([], "Cách dùng: tdkt [TÙY CHỌN] LỆNH [ĐỐI SỐ]..."),
    (["submit", "--help"], "Cách dùng: tdkt submit [TÙY CHỌN]"),
    (["config", "--help"], "Cách dùng: tdkt config [TÙY CHỌN] LỆNH [ĐỐI SỐ]..."),
    (["config", "validate", "--help"], "Cách dùng: tdkt config validate [TÙY CHỌN]"),
])
def test_the_installed_commands_help_is_in_vietnamese(args: list[str], usage: str) -> None:
    """The usage line, the headings and the options every command gets, down to a command of a group."""
    import subprocess
    import sys

    script = Path(sys.executable).parent / "tdkt"
    done = subprocess.run([str(script), *args], capture_output=True, text=True, env={**os.environ, **WIDE},
                          timeout=120)
    assert done.returncode in (0, 2) and usage in done.stdout, done.stdout + done.stderr
    assert "Xem hướng dẫn này rồi thoát." in done.stdout and "Tùy chọn" in done.stdout
    for english in ("Usage", "Show this message", "OPTIONS", "COMMAND", "completion for", "<bool>", "<str>",
                    "<int>"):
        assert english not in done.stdout
    if args[:1] == ["submit"]:  # the kinds of value its options take
        assert "--dossier" in done.stdout and "<số>" in done.stdout and "<chữ>" in done.stdout


def test_act_proposes_one_nominee_higher_and_verifies_the_rest(session: Session) -> None:
    """`tdkt act --approve A --forward B` at Nội vụ: the teacher for the Giám đốc Sở's Giấy khen is proposed
    higher, the other goes on to the chairman's decision; the whole dossier's verification is refused first."""
    district, dossier_id, noms = at_noivu_with_a_title_beyond_the_district(session)
    tai, lan = noms["LDTT"].id, noms["GK_SO"].id
    session.rollback()
    officer = district.people["noivu_officer"].email
    code, output = tdkt("act", "--dossier", str(dossier_id), "--as", officer, "--action", "verify",
                        "--at", "04/11/2022 09:00")
    assert code == 1 and "không thuộc thẩm quyền của Chủ tịch UBND huyện" in output
    code, output = tdkt("act", "--dossier", str(dossier_id), "--as", officer, "--approve", str(tai),
                        "--forward", str(lan), "--at", "04/11/2022 09:00")
    assert code == 0, output
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "awaiting_decision"
    assert [session.get(Nomination, n).status for n in (tai, lan)] == ["approved", "forwarded"]


def test_an_ad_hoc_phase_opened_from_the_command_line(session: Session) -> None:
    assert tdkt("init", "--campaign", "muong-khuong")[0] == 0
    code, output = tdkt("phase", "add", "--name", "Khen thưởng đột xuất tháng 12", "--from", "01/12/2020",
                        "--until", "31/12/2020", "--kind", "bat-chot")
    assert code == 1 and "Loại đợt 'bat-chot' không có; chọn: dot-xuat, chuyen-de, theo-dot" in output
    code, output = tdkt("phase", "add", "--name", "Khen thưởng đột xuất tháng 12", "--from", "01/12/2020",
                        "--until", "31/12/2020", "--deadline", "school_submission:10/12/2020")
    assert code == 1 and "phải ghi dạng mã=dd/mm/yyyy" in output
    code, output = tdkt("phase", "add", "--name", "Khen thưởng đột xuất tháng 12", "--from", "01/12/2020",
                        "--until", "31/12/2020", "--form", "GK_HUYEN", "--deadline", "school_submission=10/12/2020")
    assert code == 0 and "Đã mở đợt 5: Khen thưởng đột xuất tháng 12 (khen thưởng đột xuất)." in output, output
    phase = session.exec(select(Phase).where(Phase.number == 5)).one()
    assert (phase.occasion, phase.forms) == ("ad_hoc", ["GK_HUYEN"])
    session.rollback()  # SQLite: the command's write waits for no read of this session
    code, output = tdkt("nominate", "--school", "th-ban-lau", "--name", "Vàng Seo Phử", "--title", "LDTT",
                        "--phase", "5")
    assert code == 1 and "chỉ đề nghị: Giấy khen của Chủ tịch UBND huyện" in output, output
    session.rollback()
