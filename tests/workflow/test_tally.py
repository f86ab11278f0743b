"""The phase tally that the ratio caps read stays equal to a count of the nominations themselves: after every
transition of a route with a return, a rejection, a resubmission and the decision; after a savepoint that
rolled a transition back; and when the migration fills it for a database that had nominations already."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from alembic.config import Config
from sqlmodel import Session

from config.route import default_route
from models.db import MIGRATIONS_DIR
from models.tally import recount, stored
from tdkt import services
from tdkt.workflow.engine import Verdict
from tests.factories import District, at, make_district, prepare_dossier

START = "school_vote"


def _agrees(session: Session, district: District) -> int:
    """Asserts the stored tally is the recount; returns how many nominations it counts."""
    counted = recount(session, start=START, phase_id=district.phase_id)
    assert stored(session, phase_id=district.phase_id) == counted
    return sum(counted.values())


def _route_a_phase(session: Session) -> tuple[District, list[int]]:
    """Three schools through submission, forward, a mixed review, resubmission, verification and the decision,
    checking the tally after every commit; returns the district and the dossiers."""
    district = make_district(session, blocks=1, schools_per_block=3)
    prepared = [prepare_dossier(session, district, school, individuals=2) for school in district.schools]
    dossiers = [d for d, _ in prepared]
    assert _agrees(session, district) == 0  # nothing has left the schools yet
    for school, dossier_id in zip(district.schools, dossiers, strict=True):
        services.submit(session, dossier_id=dossier_id, actor=district.heads[school.id or 0], now=at(1))
        session.commit()
        _agrees(session, district)
    leader = district.leader_of(district.blocks[0])
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id, actor=leader,
                           now=at(1, hour=15))
    session.commit()
    assert _agrees(session, district) == 9
    phong = district.people["phong_reviewer"]
    (first, first_noms), (second, second_noms) = prepared[0], prepared[1]
    services.act(session, dossier_id=first, actor=phong, now=at(2), verdicts={
        n.id or 0: Verdict("return_for_revision", "Thiếu minh chứng") if i == 0 else Verdict("approve")
        for i, n in enumerate(first_noms)})
    session.commit()
    assert _agrees(session, district) == 6  # the returned dossier is back at its school
    services.act(session, dossier_id=second, actor=phong, now=at(2), verdicts={
        n.id or 0: Verdict("reject", "Chưa đủ tiêu chuẩn") if i == 0 else Verdict("approve")
        for i, n in enumerate(second_noms)})
    services.act(session, dossier_id=dossiers[2], actor=phong, action="approve", now=at(2))
    session.commit()
    assert _agrees(session, district) == 5  # the rejected nominee is out of play
    services.submit(session, dossier_id=first, actor=district.heads[district.schools[0].id or 0], now=at(3))
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id, actor=leader,
                           now=at(3, hour=10))
    services.act(session, dossier_id=first, actor=phong, action="approve", now=at(8))
    session.commit()
    assert _agrees(session, district) == 8
    for dossier_id in dossiers:
        services.act(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify",
                     now=at(14))
    services.decide(session, phase_id=district.phase_id, actor=district.people["chairman"],
                    signed_on=date(2022, 11, 18), now=at(18))
    session.commit()
    assert _agrees(session, district) == 8
    return district, dossiers


def test_the_tally_follows_every_transition(session: Session) -> None:
    district, _ = _route_a_phase(session)
    assert set(stored(session, phase_id=district.phase_id)) == {
        (district.phase_id, "LDTT", "granted"), (district.phase_id, "TTLDTT", "granted")}


def test_a_transition_rolled_back_with_its_savepoint_leaves_the_tally_alone(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    (kept, _), (undone, _) = [prepare_dossier(session, district, school) for school in district.schools]
    heads = [district.heads[school.id or 0] for school in district.schools]
    services.submit(session, dossier_id=kept, actor=heads[0], now=at(1))
    with pytest.raises(RuntimeError), session.begin_nested():
        services.submit(session, dossier_id=undone, actor=heads[1], now=at(1))
        raise RuntimeError("the caller gave up after the transition")
    session.commit()
    assert _agrees(session, district) == 3  # the kept dossier's three nominations, not the undone one's


def test_the_migration_fills_the_tally_from_the_nominations(session: Session, db_url: str) -> None:
    district, _ = _route_a_phase(session)
    before = stored(session, phase_id=district.phase_id)
    session.close()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", db_url)
    try:
        command.downgrade(config, "0009")
    finally:
        command.upgrade(config, "head")
    assert default_route().start == START
    assert stored(session, phase_id=district.phase_id) == before and _agrees(session, district) == 8
