"""A batch of transitions is a loop over the engine's `apply` in one transaction: each writes its move, its
verdicts, its chained audit event and its emails at once, so the next one reads what it left. A transition
undone with its savepoint leaves nothing behind; a phase's decision grants every dossier waiting for it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

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
from tdkt.workflow.engine import Verdict
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


def test_a_batch_writes_each_transitions_event_verdicts_and_emails(session: Session) -> None:
    district, dossiers = _at_phong(session)
    session.rollback()
    reviewer = district.people["phong_reviewer"].email
    first, *others = dossiers
    rejected = dossiers[first][0]
    items = [Review(dossier_id=first, actor_email=reviewer,
                    verdicts={n: Verdict("reject", "Chưa đủ tiêu chuẩn") if n == rejected else Verdict("approve")
                              for n in dossiers[first]})]
    items += [Review(dossier_id=d, actor_email=reviewer, action="approve") for d in others]

    report = each(items, _review, at(7))

    assert not report["refused"]
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
    """Its second transition reads it as the first wrote it: the Nội vụ verifies in the batch where the Phòng
    approved, and the dossier ends where both took it, moved twice."""
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


def test_a_transitions_event_is_chained_before_the_commit(session: Session) -> None:
    district, dossiers = _at_phong(session)
    dossier_id = next(iter(dossiers))
    result = services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"],
                          action="approve", now=at(7))
    written = session.get(AuditEvent, result.audit_event_id)
    assert written is not None and written.dossier_id == dossier_id and written.seq is not None
    assert all(i > 0 for i in result.outbox_ids)
    session.commit()
    assert verify(session) == []


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
    assert sorted(m.id for m in queued) == sorted(result.outbox_ids) and len(queued) == len(result.outbox_ids) > 0


def test_a_single_transition_writes_its_event_once_already_chained(session: Session) -> None:
    """The event is inserted with its place in the chain, never updated afterwards."""
    district, dossiers = _at_phong(session)
    dossier_id = next(iter(dossiers))
    with _statements() as seen:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(7))
        session.commit()
    assert seen["insert into auditevent"] == 1 and seen["update auditevent set"] == 0
    assert verify(session) == []


def test_a_decision_grants_every_waiting_dossier_and_reads_no_vote(session: Session) -> None:
    """One signing over every dossier awaiting it, one decision per form (LĐTT, TTLĐTT) numbered one after the
    other; its step has no check, so it reads no vote, tally, paper or award history."""
    district, dossiers = _at_phong(session)
    for dossier_id in dossiers:
        services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                     now=at(7))
        services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify",
                     now=at(14))
    session.commit()
    with _statements() as seen:
        decisions = services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                                    signed_on=date(2022, 11, 18), now=at(18))
        session.commit()

    assert [(d.form, d.number) for d in decisions] == [("LDTT", "1/QĐ-UBND"), ("TTLDTT", "2/QĐ-UBND")]
    entries = {d.form: decision_entries(session, decision_id=d.id or 0) for d in decisions}
    assert {e.title_code for form, listed in entries.items() for e in listed if e.title_code != form} == set()
    nominations = {n for noms in dossiers.values() for n in noms}
    assert {e.nomination_id for listed in entries.values() for e in listed} == nominations
    assert len(session.exec(select(AwardRecord).where(col(AwardRecord.decision_id).in_([d.id for d in decisions])))
               .all()) == 9
    assert {d.stage for d in session.exec(select(Dossier).where(col(Dossier.id).in_(dossiers))).all()} == {"decided"}
    decided = session.exec(select(AuditEvent).where(AuditEvent.action == "decide")).all()
    assert sorted(e.dossier_id for e in decided) == sorted(dossiers)
    assert {d.audit_event_id for d in decisions} == {min(e.id or 0 for e in decided)}
    assert seen["from councilvote"] == seen["from votetally"] == seen["from paper"] == 0
    assert seen["from awardrecord"] == 0
    assert verify(session) == []


def test_in_one_batch_a_school_returned_a_moment_ago_leaves_its_block_incomplete(session: Session) -> None:
    """A batch counts its own dossiers as its transitions left them: the leader returns one school's dossier,
    then cannot forward the others in the same batch."""
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
    # the block's forward moves the whole block, whichever member's dossier it is asked on
    report = each([Review(dossier_id=forwarded[0], actor_email=leader, action="forward")], _review, at(4))
    assert not report["refused"] and sorted(r["dossier_id"] for r in report["results"]) == sorted(dossiers)
