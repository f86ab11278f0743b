"""`move`: a transition's values written to several dossiers in one UPDATE, each only from the version it was
read at."""

from __future__ import annotations

import pytest
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, col, select

from models.dossier import Dossier, DossierStatus, get_or_create_dossier, move
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


def test_dossiers_at_the_version_read_move_together(session: Session) -> None:
    first, second, third = _dossiers(session, 3)
    move(session, [first, third], was=0, values={"stage": "block_aggregation", "status": DossierStatus.in_review,
                                                 "version": 1})
    session.commit()
    assert _stages(session, [first, second, third]) == {first: ("block_aggregation", 1), second: ("school_vote", 0),
                                                        third: ("block_aggregation", 1)}


def test_a_dossier_moved_on_meanwhile_fails_the_move(session: Session) -> None:
    """One of them is no longer at the version it was read at (another transaction acted on it): StaleDataError,
    as the ORM raises for a versioned row, and the caller's rollback leaves every dossier where it was."""
    first, second = _dossiers(session, 2)
    move(session, [second], was=0, values={"stage": "block_aggregation", "version": 1})
    session.commit()
    with pytest.raises(StaleDataError, match="1 of 2 dossiers moved on"):
        move(session, [first, second], was=0, values={"stage": "phong_review", "version": 1})
    session.rollback()
    assert _stages(session, [first, second]) == {first: ("school_vote", 0), second: ("block_aggregation", 1)}
