"""The route carried out by real Prefect flows, with every email delivered to a real SMTP server."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName, FlowRunFilterStartTime
from prefect.client.schemas.sorting import FlowRunSort
from sqlmodel import Session, select

from flows.aggregation import aggregation_flow
from flows.decision import decision_flow
from flows.review import review_flow
from flows.runtime import run
from flows.submission import submission_flow
from models.dossier import Dossier, DossierStatus
from models.outbox import OutboxMessage, OutboxStatus
from tdkt.errors import Refused
from tests.conftest import SmtpServer
from tests.factories import at, make_district, prepare_dossier


def _run_states(name: str, since: datetime) -> list[str]:
    """States of the flow runs of that name started after `since` (one Prefect server serves both databases)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name]),
                                          start_time=FlowRunFilterStartTime(after_=since)),
            sort=FlowRunSort.START_TIME_ASC, limit=50,
        )
    return [r.state.type.value for r in runs if r.state]


def test_phase_through_flows(session: Session, smtp: SmtpServer) -> None:
    started = datetime.now(UTC)
    district = make_district(session, blocks=2, schools_per_block=2)
    dossiers = {}
    for school in district.schools:
        dossiers[school.id], _ = prepare_dossier(session, district, school)
        run(submission_flow, dossiers[school.id], district.heads[school.id].email, at(1))
    for block in district.blocks:
        result = run(aggregation_flow, block.id, district.phase_id, district.leader_of(block).email, at(2))
        assert len(result["results"]) == 2
    for dossier_id in dossiers.values():
        run(review_flow, dossier_id, "phong_reviewer@qh.test", "approve", now=at(3))
        run(review_flow, dossier_id, "noivu_officer@qh.test", "verify", now=at(12))
    decision = run(decision_flow, district.phase_id, "chairman@qh.test", date(2022, 11, 18), "1234/QĐ-UBND", at(18))
    assert decision["number"] == "1234/QĐ-UBND"

    session.expire_all()
    assert {d.status for d in session.exec(select(Dossier)).all()} == {DossierStatus.decided}
    rows = session.exec(select(OutboxMessage)).all()
    assert rows and all(r.status == OutboxStatus.sent for r in rows)
    assert sorted(smtp.inbox.message_ids()) == sorted(f"<tdkt-outbox-{r.id}@tdkt.invalid>" for r in rows)
    first = dossiers[district.schools[0].id]
    assert _run_states(f"submit-dossier-{first}", started) == ["COMPLETED"]
    assert _run_states(f"review-dossier-{first}", started) == ["COMPLETED", "COMPLETED"]


def test_refusal_is_an_answer_not_a_failed_run(session: Session, smtp: SmtpServer) -> None:
    started = datetime.now(UTC)
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, _ = prepare_dossier(session, district, school, votes_for=3)
    with pytest.raises(Refused) as refused:
        run(submission_flow, dossier_id, district.heads[school.id].email, at(1))
    assert "chưa đạt 50%" in refused.value.message
    assert {v.code for v in refused.value.violations} == {"below_threshold"}
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "school_vote"
    assert smtp.inbox.messages == []
    assert _run_states(f"submit-dossier-{dossier_id}", started) == ["COMPLETED"]
