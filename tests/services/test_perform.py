"""One entry for every action (`services.perform`): the route's `scope` says what one use of an action moves —
the dossier, every dossier of its block waiting at the block's step, or the phase's decision."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from config.route import load_route
from config.yaml_source import ConfigError
from models.audit import AuditEvent
from models.dossier import Dossier
from tdkt import services
from tdkt.common.errors import Refused
from tests.factories import at, make_district, submit_school

ROUTE = Path(__file__).resolve().parents[2] / "config" / "route.yaml"


def _stages(session: Session, ids: list[int]) -> set[str]:
    session.expire_all()
    return set(session.exec(select(Dossier.stage).where(col(Dossier.id).in_(ids))).all())


def test_forward_on_one_members_dossier_forwards_the_block(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=3)
    ids = [submit_school(session, district, school, now=at(1))[0] for school in district.schools]
    session.commit()
    done = services.perform(session, dossier_id=ids[1], actor=district.leader_of(district.blocks[0]),
                            action="forward", now=at(2))
    session.commit()
    assert sorted(r.dossier_id for r in done.results) == sorted(ids) and done.decisions == []
    assert _stages(session, ids) == {"phong_review"}


def test_decide_on_one_dossier_signs_the_phases_decision(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    ids = [submit_school(session, district, school, now=at(1))[0] for school in district.schools]
    services.forward_block(session, block_id=district.blocks[0].id or 0, phase_id=district.phase_id,
                           actor=district.leader_of(district.blocks[0]), now=at(2))
    for dossier_id in ids:
        services.perform(session, dossier_id=dossier_id, actor=district.people["phong_reviewer"], action="approve",
                         now=at(3))
        services.perform(session, dossier_id=dossier_id, actor=district.people["noivu_officer"], action="verify",
                         now=at(4))
    session.commit()
    done = services.perform(session, dossier_id=ids[0], actor=district.people["chairman"], action="decide",
                            now=at(5), signed_on=date(2022, 11, 5), number="7/QĐ-UBND")
    session.commit()
    assert [d.number for d in done.decisions] == ["7/QĐ-UBND", "8/QĐ-UBND"]  # LĐTT, then TTLĐTT
    assert _stages(session, ids) == {"decided"}


def test_an_action_on_a_dossier_that_moved_on_is_refused_and_writes_nothing(session: Session) -> None:
    district = make_district(session, blocks=1, schools_per_block=2)
    ids = [submit_school(session, district, school, now=at(1))[0] for school in district.schools]
    session.commit()
    events = session.exec(select(func.count()).select_from(AuditEvent)).one()
    with pytest.raises(Refused) as refused:
        services.perform(session, dossier_id=ids[0], actor=district.leader_of(district.blocks[0]), action="forward",
                         expected_stage="phong_review", now=at(2))
    assert refused.value.code == "moved_on"
    session.rollback()
    assert session.exec(select(func.count()).select_from(AuditEvent)).one() == events
    assert _stages(session, ids) == {"block_aggregation"}


def test_a_route_with_two_decisions_or_a_block_action_elsewhere_is_refused(tmp_path: Path) -> None:
    text = ROUTE.read_text(encoding="utf-8")
    two = tmp_path / "two.yaml"
    decide = "      decide:\n        label: Ký quyết định khen thưởng\n        to: decided\n        scope: phase\n"
    two.write_text(text.replace(decide, decide + decide.replace("decide:", "decide_again:"), 1), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_route(two)
    problems = "\n".join(error.value.problems)
    assert "mỗi bước chỉ một hành động ra quyết định (scope 'phase')" in problems
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text(text.replace("        scope: block\n", "").replace(
        "        to: noivu_verification\n", "        to: noivu_verification\n        scope: block\n", 1),
        encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_route(elsewhere)
    assert "hành động cả khối chỉ dành cho trường trưởng khối" in "\n".join(error.value.problems)
