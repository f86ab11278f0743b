"""`tdkt demo` (what `make run` shows a newcomer) routes a whole phase of the sample district.

On the embedded default only: it runs ~80 flow runs one dossier at a time (~50 s); the same flows run on
PostgreSQL in tests/flows/test_flows.py, the season benchmark's test and the distributed test."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, func, select
from typer.testing import CliRunner

from config.vocabulary import DossierStatus, SubjectKind
from models.audit import AuditEvent
from models.decision import Decision, DecisionEntry
from models.dossier import Dossier
from models.nomination import Nomination, NominationStatus, Nominee
from models.outbox import OutboxMessage, OutboxStatus
from tdkt.cli import app


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_demo_routes_a_phase_to_the_decision(session: Session, smtp: object) -> None:
    result = CliRunner().invoke(app, ["demo"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Trường Mầm non Bản Xen chưa gửi được" in result.output
    assert "Vượt chỉ tiêu" in result.output and "Hoàn tất." in result.output

    dossiers = session.exec(select(Dossier)).all()
    assert len(dossiers) == 19 and {d.status for d in dossiers} == {DossierStatus.decided}
    assert [d.round for d in dossiers if d.round > 1] == [2]
    decision = session.exec(select(Decision)).one()
    entries = session.exec(select(DecisionEntry)).all()
    granted = session.exec(select(Nomination).where(Nomination.status == NominationStatus.granted)).all()
    assert {e.nomination_id for e in entries} == {n.id for n in granted}
    individuals = session.exec(select(func.count()).select_from(Nomination)
                               .join(Nominee, col(Nominee.id) == Nomination.nominee_id)
                               .where(Nomination.status == NominationStatus.granted,
                                      Nominee.kind == SubjectKind.individual)).one()
    assert 15 <= individuals <= 20  # the phase quota was hit (see "Vượt chỉ tiêu" above) and respected
    titles = [n.title_code for n in granted]
    assert 0 < titles.count("CSTDCS") <= 0.15 * titles.count("LDTT")  # the rule set's ratio cap
    assert "vượt 15% số Lao động tiên tiến" in result.output and "Điều 9 khoản 3" in result.output
    assert decision.number in result.output
    # the third school's teacher for the Giám đốc Sở's Giấy khen: beyond the district chairman, proposed higher
    assert "không thuộc thẩm quyền của Chủ tịch UBND huyện" in result.output
    assert "1 đề nghị trình cấp trên khen thưởng" in result.output
    higher = session.exec(select(Nomination).where(Nomination.status == NominationStatus.forwarded)).all()
    assert [n.title_code for n in higher] == ["GK_SO"] and "GK_SO" not in titles
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() > 19 * 5
    assert {m.status for m in session.exec(select(OutboxMessage)).all()} == {OutboxStatus.sent}
