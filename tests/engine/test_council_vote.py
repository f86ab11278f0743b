"""Recording the council's vote: a second record replaces the first, counts included, in the session that holds
the first one's tallies as in a new one; the tallies are written in one statement."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlmodel import Session

from models.db import get_engine, new_session
from models.vote import tallies_for
from tdkt import services
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
