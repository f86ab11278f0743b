"""Recording the council's vote: a second record replaces the first, counts included, in the session that holds
the first one's tallies as in a new one; the tallies are written in one statement."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session

from models.db import get_engine, new_session
from models.vote import tallies_for
from tdkt import services
from tdkt.common.errors import Refused
from tests.factories import make_district, prepare_dossier


def test_a_second_record_replaces_the_counts_everywhere(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=1)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0], individuals=19, votes_for=10)
    ids = [n.id or 0 for n in noms]
    held = tallies_for(session, nomination_ids=ids)  # the first record's tallies, now held by the session
    assert {t.votes_for for t in held.values()} == {10} and len(held) == 20
    statements: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(get_engine(), "before_cursor_execute", seen)
    try:
        services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 10, 29), members_total=15,
                             members_present=14, tallies={i: (13, 1) for i in ids})
    finally:
        event.remove(get_engine(), "before_cursor_execute", seen)
    session.commit()
    assert sum(s.lstrip().upper().startswith("INSERT INTO VOTETALLY") for s in statements) == 1
    assert {(t.votes_for, t.votes_against) for t in tallies_for(session, nomination_ids=ids).values()} == {(13, 1)}
    assert held[ids[0]].votes_for == 13  # the object the session held reads the new count
    session.rollback()  # its read transaction ends (SQLite: one writer, and every transaction is one)
    with new_session() as other:
        assert {t.votes_for for t in tallies_for(other, nomination_ids=ids).values()} == {13}
        assert len(tallies_for(other, nomination_ids=ids)) == 20  # replaced, not added


def test_a_count_that_does_not_fit_the_meeting_or_the_dossier_is_refused_and_nothing_changes(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    dossier_id, noms = prepare_dossier(session, district, district.schools[0], individuals=2, votes_for=10)
    _, others = prepare_dossier(session, district, district.schools[1], individuals=1, votes_for=10)
    services.withdraw_nomination(session, nomination_id=noms[1].id or 0)
    session.commit()
    ids = [n.id or 0 for n in noms]

    def refusal(tallies: dict[int, tuple[int, int]]) -> Refused:
        with pytest.raises(Refused) as refused:
            services.record_vote(session, dossier_id=dossier_id, held_on=date(2022, 10, 29), members_total=15,
                                 members_present=12, tallies=tallies)
        session.rollback()
        return refused.value

    too_many = refusal({ids[0]: (9, 4), ids[2]: (12, 0)})  # 13 counted of 12 present
    assert too_many.code == "bad_tally"
    assert too_many.message == (f"Giáo viên 0 {district.schools[0].code}: 9 đồng ý + 4 không đồng ý vượt quá 12 "
                                "thành viên có mặt.")
    elsewhere = refusal({ids[0]: (11, 1), others[0].id or 0: (11, 1)})  # another school's nominee
    assert (elsewhere.code, elsewhere.message) == (
        "unknown_nomination", f"Đề nghị số {others[0].id} không thuộc hồ sơ này.")
    assert refusal({ids[1]: (11, 1)}).code == "unknown_nomination"  # withdrawn: no longer voted on
    counts = tallies_for(session, nomination_ids=[*ids, others[0].id or 0])
    assert {(t.votes_for, t.votes_against) for t in counts.values()} == {(10, 1)} and len(counts) == 4
