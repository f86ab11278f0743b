"""The route carried out by real Prefect flows, with every email delivered to a real SMTP server."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterId,
    FlowRunFilterName,
    FlowRunFilterStartTime,
)
from prefect.client.schemas.sorting import FlowRunSort, TaskRunSort
from sqlmodel import Session, select

from benchmarks.smtp_sink import SmtpServer
from config.settings import get_settings
from config.vocabulary import DossierStatus
from flows.aggregation import aggregation_flow
from flows.decision import decision_flow
from flows.review import review_flow
from flows.runtime import run, run_batch
from flows.submission import submission_flow
from models.dossier import Dossier
from models.nomination import Nomination
from models.outbox import OutboxMessage, OutboxStatus
from tasks.transition import Review, Submission
from tdkt.common.errors import Refused
from tdkt.workflow.engine import Verdict
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


def _task_runs(name: str, since: datetime, expected: int) -> list[tuple[str, str]]:
    """(task, state) of the task runs of that flow run, once the server has recorded `expected` of them in a
    final state: it records them from the client's events in batches, at least every 2 s
    (config/prefect_env.py), so a task run can be seen running before its last event is written."""
    with get_client(sync_client=True) as client:
        run_ids = [r.id for r in client.read_flow_runs(flow_run_filter=FlowRunFilter(
            name=FlowRunFilterName(any_=[name]), start_time=FlowRunFilterStartTime(after_=since)),
            sort=FlowRunSort.START_TIME_ASC, limit=50)]
        deadline = time.monotonic() + 30
        while True:
            runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=run_ids)),
                                         sort=TaskRunSort.EXPECTED_START_TIME_ASC, limit=50)
            settled = len(runs) >= expected and all(r.state and r.state.is_final() for r in runs)
            if settled or time.monotonic() > deadline:
                return sorted((r.name.rsplit("-", 1)[0], r.state.type.value if r.state else "") for r in runs)
            time.sleep(0.5)


def test_phase_through_flows(session: Session, smtp: SmtpServer) -> None:
    started = datetime.now(UTC)
    district = make_district(session, blocks=2, schools_per_block=2)
    dossiers = {}
    for school in district.schools:
        dossiers[school.id], _ = prepare_dossier(session, district, school)
    first = dossiers[district.schools[0].id]
    run(submission_flow, [Submission(dossier_id=first, actor_email=district.heads[district.schools[0].id].email)],
        at(1))
    rest = run(submission_flow, [Submission(dossier_id=dossiers[s.id], actor_email=district.heads[s.id].email)
                                 for s in district.schools[1:]], at(1))
    assert sorted(r["dossier_id"] for r in rest["results"]) == sorted(dossiers[s.id] for s in district.schools[1:])
    for block in district.blocks:
        result = run(aggregation_flow, block.id, district.phase_id, district.leader_of(block).email, at(2))
        assert len(result["results"]) == 2
    for reviewer, action, day in (("phong_reviewer@qh.test", "approve", 3), ("noivu_officer@qh.test", "verify", 12)):
        reviews = [Review(dossier_id=d, actor_email=reviewer, action=action) for d in dossiers.values()]
        run(review_flow, reviews, at(day))
    decision = run(decision_flow, district.phase_id, "chairman@qh.test", date(2022, 11, 18), "1234/QĐ-UBND", at(18))
    assert [(d["form"], d["number"]) for d in decision["decisions"]] == [("LDTT", "1234/QĐ-UBND"),
                                                                         ("TTLDTT", "1235/QĐ-UBND")]

    session.expire_all()
    assert {d.status for d in session.exec(select(Dossier)).all()} == {DossierStatus.decided}
    rows = session.exec(select(OutboxMessage)).all()
    assert rows and all(r.status == OutboxStatus.sent for r in rows)
    assert sorted(smtp.inbox.message_ids()) == sorted(f"<tdkt-outbox-{r.id}@tdkt.invalid>" for r in rows)
    assert _run_states(f"submit-dossiers-{first}", started) == ["COMPLETED"]
    assert _run_states(f"review-dossiers-{first} (+3)", started) == ["COMPLETED", "COMPLETED"]
    assert _task_runs(f"submit-dossiers-{first}", started, expected=2) == [
        ("deliver-notifications", "COMPLETED"), ("submit-dossiers", "COMPLETED")]


def test_refusal_is_an_answer_not_a_failed_run(session: Session, smtp: SmtpServer) -> None:
    started = datetime.now(UTC)
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, _ = prepare_dossier(session, district, school, votes_for=3)
    with pytest.raises(Refused) as refused:
        run(submission_flow, [Submission(dossier_id=dossier_id, actor_email=district.heads[school.id].email)], at(1))
    assert "chưa đạt trên 50%" in refused.value.message
    assert {v.code for v in refused.value.violations} == {"below_threshold"}
    session.expire_all()
    assert session.get(Dossier, dossier_id).stage == "school_vote"
    assert smtp.inbox.messages == []
    assert _run_states(f"submit-dossiers-{dossier_id}", started) == ["COMPLETED"]


@pytest.mark.parametrize("batch_size", ["1", "25"])
def test_batch_refusal_leaves_the_other_dossiers_sent(session: Session, smtp: SmtpServer,
                                                       monkeypatch: pytest.MonkeyPatch, batch_size: str) -> None:
    """The middle school misses the vote threshold, the other two go on: in three chunks of one dossier, and
    inside one chunk (one transaction) of three."""
    monkeypatch.setenv("TDKT_FLOW_BATCH_SIZE", batch_size)
    get_settings.cache_clear()
    district = make_district(session, blocks=1, schools_per_block=3)
    ids = [prepare_dossier(session, district, school, votes_for=3 if i == 1 else 10)[0]
           for i, school in enumerate(district.schools)]
    result = run_batch(submission_flow, [Submission(dossier_id=d, actor_email=district.heads[s.id].email)
                                         for d, s in zip(ids, district.schools, strict=True)], at(1))
    assert [r["dossier_id"] for r in result["results"]] == [ids[0], ids[2]]
    assert [(r["dossier_id"], r["code"]) for r in result["refused"]] == [(ids[1], "checks_failed")]
    session.expire_all()
    assert [session.get(Dossier, d).stage for d in ids] == ["block_aggregation", "school_vote", "block_aggregation"]
    leader = district.heads[district.blocks[0].leader_school_id].email
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp.inbox.messages) == [leader, leader]


def test_a_dossier_twice_in_one_chunk_is_read_afresh_the_second_time(session: Session, smtp: SmtpServer) -> None:
    """In one chunk the Phòng rejects a nominee and approves the rest, then Nội vụ verifies the same dossier:
    the second transition reads the dossier as the first left it (its preloaded rows were dropped once
    written), so the rejected nominee stays rejected instead of being verified with the others."""
    district = make_district(session, blocks=1, schools_per_block=1)
    school = district.schools[0]
    dossier_id, noms = prepare_dossier(session, district, school)
    run(submission_flow, [Submission(dossier_id=dossier_id, actor_email=district.heads[school.id or 0].email)], at(1))
    run(aggregation_flow, district.blocks[0].id, district.phase_id,
        district.heads[district.blocks[0].leader_school_id].email, at(2))
    rejected = noms[0].id or 0
    verdicts = {n.id or 0: Verdict("approve") for n in noms} | {rejected: Verdict("reject", "Chưa đủ tiêu chuẩn")}
    result = run(review_flow, [Review(dossier_id=dossier_id, actor_email=district.people["phong_reviewer"].email,
                                      verdicts=verdicts),
                               Review(dossier_id=dossier_id, actor_email=district.people["noivu_officer"].email,
                                      action="verify")], at(3))
    assert [r["to_stage"] for r in result["results"]] == ["noivu_verification", "awaiting_decision"]
    session.expire_all()
    statuses = {n.id: n.status for n in session.exec(select(Nomination).where(Nomination.dossier_id == dossier_id))}
    assert statuses == {n.id: "rejected" if n.id == rejected else "approved" for n in noms}
