"""`move`: a transition's values written to a dossier only from the version it was read at."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from config.vocabulary import DossierStatus
from models.db import get_engine
from models.dossier import Dossier, get_or_create_dossier, move
from tests.factories import make_district


def _dossiers(session: Session, count: int) -> list[int]:
    district = make_district(session, blocks=1, schools_per_block=count)
    ids = [get_or_create_dossier(session, phase_id=district.phase_id, school_id=school.id or 0,
                                 stage="school_vote").id or 0 for school in district.schools]
    session.commit()
    return ids


def _stages(session: Session, ids: list[int]) -> dict[int, tuple[str, int]]:
    session.expire_all()
    return {d.id or 0: (d.stage, d.version) for d in session.exec(select(Dossier).where(col(Dossier.id).in_(ids)))}


def test_a_dossier_at_the_version_read_moves(session: Session) -> None:
    first, second = _dossiers(session, 2)
    dossier = session.get(Dossier, first)
    move(session, dossier, values={"stage": "block_aggregation", "status": DossierStatus.in_review, "version": 1})
    session.commit()
    assert dossier.stage == "block_aggregation"
    assert _stages(session, [first, second]) == {first: ("block_aggregation", 1), second: ("school_vote", 0)}


def test_a_dossier_moved_on_meanwhile_fails_the_move(session: Session, db_url: str) -> None:
    """It is no longer at the version it was read at (another transaction acted on it): StaleDataError, as the
    ORM raises for a versioned row, and the caller's rollback leaves it where the other left it."""
    (first,) = _dossiers(session, 1)
    as_read = session.get(Dossier, first)
    session.expunge(as_read)
    session.rollback()  # SQLite: one writer at a time
    with Session(get_engine(db_url)) as other:
        move(other, other.get(Dossier, first), values={"stage": "block_aggregation", "version": 1})
        other.commit()
    session.add(as_read)
    with pytest.raises(StaleDataError, match="moved on from version 0"):
        move(session, as_read, values={"stage": "phong_review", "version": 1})
    session.rollback()
    assert _stages(session, [first]) == {first: ("block_aggregation", 1)}
