"""The pages that list a whole phase read it in a fixed number of queries, however many dossiers it holds:
a province's Phòng GD&ĐT has a thousand dossiers in its queue at once. Each page is read with the process's
cache of reference rows empty (models.cache), as after a change to them."""

from __future__ import annotations

from sqlmodel import Session

from benchmarks.plans import recorded
from config.route import default_route
from models.db import new_session
from tdkt import services
from tdkt.services.worklist import worklist
from tests.factories import District, at, make_district, submit_school


def _send_block(session: Session, district: District, block_index: int) -> None:
    block = district.blocks[block_index]
    for school in [s for s in district.schools if s.block_id == block.id]:
        submit_school(session, district, school, now=at(1))
    services.forward_block(session, block_id=block.id or 0, phase_id=district.phase_id,
                           actor=district.heads[block.leader_school_id or 0], now=at(7))
    session.commit()


def _reviewer_queue(district: District, db_url: str) -> tuple[int, int]:
    """(dossiers the Phòng reviewer can act on, statements it took), read in a fresh session as a page would."""
    with new_session(db_url) as fresh, recorded(fresh.get_bind().engine) as statements:
        person = services.person(fresh, email=district.people["phong_reviewer"].email)
        items = worklist(fresh, person=person, route=default_route(), today=at(8).date()).items
        return sum(1 for i in items if i.can_act), len(statements)


def test_the_reviewers_queue_takes_the_same_queries_for_one_block_or_two(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=2, schools_per_block=3)
    _send_block(session, district, 0)
    waiting_one, queries_one = _reviewer_queue(district, db_url)
    _send_block(session, district, 1)
    waiting_two, queries_two = _reviewer_queue(district, db_url)
    assert (waiting_one, waiting_two) == (3, 6)
    assert queries_two == queries_one


def test_status_rows_take_the_same_queries_and_count_approved_nominations(session: Session, db_url: str) -> None:
    district = make_district(session, blocks=2, schools_per_block=3)
    _send_block(session, district, 0)
    with new_session(db_url) as fresh, recorded(fresh.get_bind().engine) as statements:
        services.status_rows(fresh, phase_id=district.phase_id, now=at(8))
    queries_one = len(statements)
    _send_block(session, district, 1)
    first = next(s for s in district.schools if s.block_id == district.blocks[1].id)
    dossier_id = next(r.dossier_id for r in services.status_rows(session, phase_id=district.phase_id, now=at(8))
                      if r.school == first.name)
    services.act(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve", now=at(8))
    session.commit()
    with new_session(db_url) as fresh, recorded(fresh.get_bind().engine) as statements:
        rows = {r.school: r for r in services.status_rows(fresh, phase_id=district.phase_id, now=at(8))}
    assert len(statements) == queries_one
    assert (rows[first.name].nominations, rows[first.name].approved) == (3, 3)
    assert {(r.nominations, r.approved) for name, r in rows.items() if name != first.name} == {(3, 0)}
