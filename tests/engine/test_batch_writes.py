"""A batch of transitions writes its audit events and emails when it commits, all of them in one statement
each, chained; its verdict rows follow, linked to their events. A transition undone with its savepoint leaves
no verdict row behind. A phase's decision, read part by part, is still written as one. A block's batch reads
who has sent once, its own dossiers as its transitions left them."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session, col, select

from models.audit import AuditEvent, verify
from models.award import AwardRecord
from models.db import get_engine
from models.decision import decision_entries
from models.dossier import Dossier
from models.nomination import Nomination, NominationDecision, NominationStatus
from models.outbox import OutboxMessage
from tasks.transition import Review, _review, each
from tdkt import services
from tdkt.engine import Verdict
from tests.engine.test_award_rules import _two_schools_at_phong
from tests.factories import District, at, make_district, submit_school


def _at_phong(session: Session) -> tuple[District, dict[int, list[int]]]:
    """Three dossiers of one block waiting for the Phòng: dossier id -> its nominations."""
    district = make_district(session, blocks=1, schools_per_block=3)
    dossiers = {}
    for school in district.schools:
        dossier_id, noms = submit_school(session, district, school, now=at(1))
        dossiers[dossier_id] = [n.id or 0 for n in noms]
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(4))
    session.commit()
    return district, dossiers


@contextmanager
def _statements() -> Iterator[Counter[str]]:
    """The statements sent to the database meanwhile, by their first three words (INSERT INTO auditevent), and
    the tables they read (FROM paper)."""
    seen: Counter[str] = Counter()

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen[" ".join(statement.split()[:3]).lower()] += 1
        seen.update(f"from {table.lower()}" for table in re.findall(r"\bFROM (\w+)", statement))

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_batch_writes_its_events_and_emails_in_one_statement_each(session: Session) -> None:
    district, dossiers = _at_phong(session)
    session.rollback()
    reviewer = district.people["phong_reviewer"].email
    first, *others = dossiers
    rejected = dossiers[first][0]
    items = [Review(dossier_id=first, actor_email=reviewer,
                    verdicts={n: ("reject", "Chưa đủ tiêu chuẩn") if n == rejected else ("approve", None)
                              for n in dossiers[first]})]
    items += [Review(dossier_id=d, actor_email=reviewer, action="approve") for d in others]

    with _statements() as seen:
        report = each(items, _review, at(7))

    assert not report["refused"]
    assert seen["update auditevent set"] == 0  # inserted with their place in the chain
    assert seen["insert into nominationdecision"] == 1
    # the three moves write the same values: one UPDATE; the nominations' new statuses: one per status
    assert seen["update dossier set"] == 1 and seen["update nomination set"] == 2
    if session.get_bind().dialect.name == "postgresql":  # SQLite cannot return the ids of a multi-row INSERT
        assert seen["insert into auditevent"] == 1 and seen["insert into outboxmessage"] == 1
    # the award rules read the papers and the award history once for the batch; no check here reads the votes
    assert seen["from paper"] == seen["from awardrecord"] == 1
    assert seen["from councilvote"] == seen["from votetally"] == 0
    events = {e.id: e for e in session.exec(select(AuditEvent).where(AuditEvent.action == "approve")).all()}
    assert sorted(r["audit_event_id"] for r in report["results"]) == sorted(events)
    assert {events[r["audit_event_id"]].dossier_id for r in report["results"]} == set(dossiers)
    queued = session.exec(select(OutboxMessage.id).where(col(OutboxMessage.id).in_(report["outbox_ids"]))).all()
    assert len(queued) == len(report["outbox_ids"]) > 0
    verdicts = session.exec(select(NominationDecision).where(NominationDecision.stage == "phong_review")).all()
    assert {v.nomination_id for v in verdicts} == {n for noms in dossiers.values() for n in noms}
    assert all(events[v.audit_event_id].dossier_id == d  # each verdict names its own dossier's transition
               for d, noms in dossiers.items() for v in verdicts if v.nomination_id in noms)
    assert next(v.verdict for v in verdicts if v.nomination_id == rejected) == NominationStatus.rejected
    session.rollback()
    assert verify(session) == []
    written = session.exec(select(Dossier).where(col(Dossier.id).in_(dossiers))).all()
    assert {(d.stage, d.version) for d in written} == {("noivu_verification", 3)}  # submitted, forwarded, approved
    statuses = dict(session.exec(select(Nomination.id, Nomination.status)
                                 .where(col(Nomination.dossier_id).in_(dossiers))).all())
    assert statuses == {n: NominationStatus.rejected if n == rejected else NominationStatus.approved
                        for noms in dossiers.values() for n in noms}


def test_a_dossier_acted_on_twice_in_one_batch_is_read_again_as_the_first_action_left_it(session: Session) -> None:
    """Its second transition reads it afresh, once the batch's gathered writes are written: the Nội vụ verifies
    in the batch where the Phòng approved, and the dossier ends where both took it, moved twice."""
    district, dossiers = _at_phong(session)
    session.rollback()
    dossier_id = next(iter(dossiers))
    items = [Review(dossier_id=dossier_id, actor_email=district.people["phong_reviewer"].email, action="approve"),
             Review(dossier_id=dossier_id, actor_email=district.people["noivu_officer"].email, action="verify")]
    report = each(items, _review, at(7))
    assert not report["refused"]
    assert [(r["from_stage"], r["to_stage"]) for r in report["results"]] == [
        ("phong_review", "noivu_verification"), ("noivu_verification", "awaiting_decision")]
    session.rollback()
    dossier = session.get(Dossier, dossier_id)
    assert dossier is not None and (dossier.stage, dossier.version) == ("awaiting_decision", 4)
    assert set(session.exec(select(Nomination.status).where(Nomination.dossier_id == dossier_id)).all()) == {
        NominationStatus.approved}
    assert verify(session) == []


def test_an_event_id_asked_before_the_commit_is_there_and_the_chain_still_holds(session: Session) -> None:
    district, dossiers = _at_phong(session)
    dossier_id = next(iter(dossiers))
    result = services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"],
                          action="approve", now=at(7))
    written = session.get(AuditEvent, result.audit_event_id)
    assert written is not None and written.dossier_id == dossier_id and written.seq is None  # chained at commit
    assert all(i > 0 for i in result.outbox_ids)
    session.commit()
    assert written.seq is not None and verify(session) == []


def test_verdicts_and_emails_of_a_transition_undone_with_its_savepoint_are_not_written(session: Session) -> None:
    district, dossiers = _at_phong(session)
    phong = district.people["phong_reviewer"]
    undone, kept, _ = dossiers
    session.commit()
    queued_before = set(session.exec(select(OutboxMessage.id)).all())
    savepoint = session.begin_nested()
    services.act(session, dossier_id=undone, actor=phong, now=at(7),
                 verdicts={n: Verdict("approve") for n in dossiers[undone]})
    savepoint.rollback()
    result = services.act(session, dossier_id=kept, actor=phong, now=at(7),
                          verdicts={n: Verdict("approve") for n in dossiers[kept]})
    session.commit()
    verdicts = session.exec(select(NominationDecision).where(NominationDecision.stage == "phong_review")).all()
    assert sorted(v.nomination_id for v in verdicts) == sorted(dossiers[kept])
    assert all(v.audit_event_id is not None for v in verdicts)
    queued = session.exec(select(OutboxMessage).where(col(OutboxMessage.id).not_in(queued_before))).all()
    assert {m.dossier_id for m in queued} == {kept}  # the undone approval's emails went with it
    assert sorted(m.id for m in queued) == sorted(result.outbox_ids) and len(queued) == result.outbox.count > 0


def test_a_single_transition_writes_its_event_once_already_chained(session: Session) -> None:
    """Its own reads (who receives the emails) do not write its rows early: no event is updated afterwards."""
    district, dossiers = _at_phong(session)
    dossier_id = next(iter(dossiers))
    with _statements() as seen:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(7))
        session.commit()
    assert seen["insert into auditevent"] == 1 and seen["update auditevent set"] == 0
    if session.get_bind().dialect.name == "postgresql":
        assert seen["insert into outboxmessage"] == 1  # both notifications' rows together
    assert verify(session) == []


def test_a_decision_reads_its_dossiers_part_by_part_and_writes_them_as_one(session: Session,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Its dossiers' rows are loaded a few at a time (memory), its annex inserted in slices; still one decision
    over them all, its events chained and inserted together at the end."""
    monkeypatch.setattr(services, "LOADED_AT_ONCE", 2)
    monkeypatch.setattr(services, "ANNEX_ROWS_AT_ONCE", 4)
    district, dossiers = _at_phong(session)
    for dossier_id in dossiers:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(7))
        services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify",
                     now=at(14))
    session.commit()
    with _statements() as seen:
        decision = services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                                   signed_on=date(2022, 11, 18), now=at(18))
        session.commit()

    nominations = {n for noms in dossiers.values() for n in noms}
    assert {e.nomination_id for e in decision_entries(session, decision_id=decision.id or 0)} == nominations
    assert len(session.exec(select(AwardRecord).where(AwardRecord.decision_id == decision.id)).all()) == 9
    assert seen["insert into decisionentry"] == seen["insert into awardrecord"] == 3  # 9 rows, 4 at a time
    # each part's moves and nominations granted in one UPDATE each, not one per dossier
    assert seen["update dossier set"] == seen["update nomination set"] == 2
    assert {d.stage for d in session.exec(select(Dossier).where(col(Dossier.id).in_(dossiers))).all()} == {"decided"}
    decided = session.exec(select(AuditEvent).where(AuditEvent.action == "decide")).all()
    assert sorted(e.dossier_id for e in decided) == sorted(dossiers)
    assert decision.audit_event_id == min(e.id or 0 for e in decided)
    assert seen["update auditevent set"] == 0
    if session.get_bind().dialect.name == "postgresql":
        assert seen["insert into auditevent"] == 1
    # the decision step has no check: none of its parts reads votes, tallies, papers or award history
    assert seen["from councilvote"] == seen["from votetally"] == seen["from paper"] == 0
    assert seen["from awardrecord"] == 0
    assert verify(session) == []


def test_in_one_batch_a_school_returned_a_moment_ago_leaves_its_block_incomplete(session: Session) -> None:
    """A batch of the block's dossiers reads who has sent once, and counts its own dossiers as its transitions
    left them: the leader returns one school's dossier, then cannot forward the others in the same batch."""
    district = make_district(session, blocks=1, schools_per_block=3)
    dossiers = [submit_school(session, district, school, now=at(1))[0] for school in district.schools]
    session.commit()
    session.rollback()  # the batch's own transaction, as a flow's task run has it
    leader = district.leader_of(district.blocks[0]).email
    returned, *forwarded = dossiers
    items = [Review(dossier_id=returned, actor_email=leader, action="return_for_revision", reason="Thiếu biên bản")]
    items += [Review(dossier_id=d, actor_email=leader, action="forward") for d in forwarded]
    report = each(items, _review, at(2))
    assert [r["dossier_id"] for r in report["results"]] == [returned]
    assert sorted(r["dossier_id"] for r in report["refused"]) == sorted(forwarded)
    assert all("Khối còn 1 trường chưa gửi hồ sơ" in r["message"] for r in report["refused"])
    assert session.get(Dossier, forwarded[0]).stage == "block_aggregation"
    # Sent again, the whole block goes on in one batch
    services.submit(session, dossier_id=returned, actor=district.heads[district.schools[0].id], now=at(3))
    session.commit()
    session.rollback()
    with _statements() as seen:
        report = each([Review(dossier_id=d, actor_email=leader, action="forward") for d in dossiers],
                      _review, at(4))
    assert not report["refused"] and len(report["results"]) == 3
    assert seen["select dossier.school_id from"] == 1  # once for the batch, not once per dossier


def test_a_batch_takes_its_phases_lock_once(session: Session) -> None:
    """Two CSTĐCS approvals under the phase's ratio cap in one batch: the first takes the phase's lock for the
    transaction, the second (refused by the cap, as one after the other) does not ask for it again."""
    district, first, second = _two_schools_at_phong(session)
    session.rollback()
    reviewer = district.people["phong_reviewer"].email
    with _statements() as seen:
        report = each([Review(dossier_id=d, actor_email=reviewer, action="approve") for d in (first, second)],
                      _review, at(7))
    assert [r["dossier_id"] for r in report["results"]] == [first]
    assert [r["dossier_id"] for r in report["refused"]] == [second]
    locks = sum(n for statement, n in seen.items() if "pg_advisory_xact_lock" in statement)
    assert locks == (1 if session.get_bind().dialect.name == "postgresql" else 0)
