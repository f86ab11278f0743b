"""Numbers and dates out of any sane range are refused with their message, writing nothing: a council of
99,999,999,999 members, a meeting in 2099, a deadline in 2000 — through the service layer and the CLI."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session
from typer.testing import CliRunner

from tdkt import services
from tdkt.cli import app
from tdkt.common.errors import Refused
from tests.factories import make_district, prepare_dossier
from tests.workflow.test_refusals import assert_refused


def test_a_council_beyond_any_size_is_refused(session: Session) -> None:
    district = make_district(session)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])
    assert_refused(session, lambda: services.record_vote(
        session, dossier_id=dossier_id, held_on=date(2022, 10, 29), members_total=99_999_999_999,
        members_present=12, tallies={noms[0].id: (10, 1)}), "bad_count", "phải từ 1 đến 500", kind=Refused)


def test_a_meeting_or_a_deadline_years_away_from_the_phase_is_refused(session: Session) -> None:
    district = make_district(session)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])
    assert_refused(session, lambda: services.record_vote(
        session, dossier_id=dossier_id, held_on=date(2099, 10, 29), members_total=15, members_present=12,
        tallies={noms[0].id: (10, 1)}), "bad_date", "Ngày họp 29/10/2099 không thuộc", kind=Refused)
    assert_refused(session, lambda: services.set_deadline(
        session, phase_id=district.phase_id, key="phong_review", due_on=date(2000, 1, 1)),
        "bad_date", "Hạn mới 01/01/2000 không thuộc", kind=Refused)


def test_the_command_line_says_so_in_one_line(session: Session) -> None:
    district = make_district(session)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0])
    result = CliRunner().invoke(app, ["vote", "--dossier", str(dossier_id), "--held-on", "29/10/2022",
                                      "--members", "99999999999", "--present", "12", "--tally",
                                      f"{noms[0].id}:10:1"], env={"COLUMNS": "200"})
    assert result.exit_code == 1 and "Số thành viên Hội đồng (99999999999) phải từ 1 đến 500" in result.output
    assert "Traceback" not in result.output


def test_odd_numbers_in_urls_and_figures_are_refusals_not_errors(session: Session) -> None:
    """"²" passes str.isdigit and fails int(); 5,000 digits overflow int(): a sign-in stamp, a paper's number and
    a collective's figure so written are answered as not found, forged or refused — never a 500."""
    from fastapi.testclient import TestClient

    from web.app import create_app

    district = make_district(session)
    dossier_id, _ = prepare_dossier(session, district, district.schools[0])
    session.rollback()
    client = TestClient(create_app())
    for path in ("/s/%C2%B2.1.x", f"/s/1.{'9' * 5000}.x", "/s/1.%C2%B2.x"):
        page = client.get(path)
        assert page.status_code == 404 and "không hợp lệ" in page.text, path  # forged, as any bad link
    assert client.get("/l/x/papers/99999999999999999999").status_code in (400, 403, 404)
    with __import__("pytest").raises(Refused) as refused:
        services.add_nomination(session, dossier_id=dossier_id, full_name="Tổ Toán", kind="collective",  # type: ignore[arg-type]
                                title_code="TTLDTT", figures={"total": "²⁴", "LDTT": "9" * 5000})  # type: ignore[dict-item]
    assert refused.value.code in ("bad_figures", "bad_figure")


def test_a_number_past_the_databases_integers_on_the_command_line(session: Session) -> None:
    """`tdkt history --dossier 99999999999999999999`: one line, exit 1 — not PostgreSQL's DataError nor the
    SQLite driver's OverflowError as a traceback."""
    import os
    import subprocess
    import sys

    make_district(session)
    session.commit()
    done = subprocess.run([sys.executable, "-m", "tdkt.cli", "history", "--dossier", "9" * 20], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    output = done.stdout + done.stderr
    assert done.returncode == 1 and "lớn quá giới hạn" in output and "Traceback" not in output, output
