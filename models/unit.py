"""Units (schools, blocks, offices) and the people who act for them."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import bindparam
from sqlmodel import Field, Session, SQLModel, col, select

from models.cache import lasting
from models.db import AnyOf


class UnitKind(StrEnum):
    school = "school"
    block = "block"
    phong_gddt = "phong_gddt"
    phong_noi_vu = "phong_noi_vu"
    ubnd_huyen = "ubnd_huyen"
    ubnd_xa = "ubnd_xa"
    phong_vhxh = "phong_vhxh"
    so_gddt = "so_gddt"
    so_noi_vu = "so_noi_vu"
    ubnd_tinh = "ubnd_tinh"

    @property
    def is_office(self) -> bool:
        """An administrative office (Phòng, Sở, UBND): neither a school nor an emulation block."""
        return self not in (UnitKind.school, UnitKind.block)


class Unit(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=80)
    name: str = Field(max_length=200)
    kind: UnitKind = Field(index=True)
    level: str | None = Field(default=None, max_length=20, description="MN, TH, THCS, TH&THCS, PTDTBT, THPT")
    email: str | None = Field(default=None, max_length=200)
    parent_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    block_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    leader_school_id: int | None = Field(default=None, foreign_key="unit.id")


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    full_name: str = Field(max_length=120)
    email: str = Field(unique=True, index=True, max_length=200)
    role: str = Field(index=True, max_length=40)
    title: str | None = Field(default=None, max_length=120, description="chức vụ shown in documents")
    unit_id: int = Field(foreign_key="unit.id", index=True)
    active: bool = True
    digest: bool = Field(default=False, description="one daily email of waiting dossiers instead of one per dossier")


def get_unit_by_code(session: Session, *, code: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.code == code)).first()


def get_person_by_email(session: Session, *, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email.strip().lower())).first()


def block_members(session: Session, *, block_id: int) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.block_id == block_id).order_by(Unit.name)).all())


def find_office(session: Session, *, start: Unit, kind: UnitKind) -> Unit | None:
    """The nearest unit of `kind` found by walking up from `start`, looking at each ancestor and its children.

    A school's parent is its Phòng GD&ĐT; the Phòng's parent is the UBND, whose children include Nội vụ.
    The answer for each ancestor lasts in the process (models.cache.lasting): the schools under one Phòng share
    it, so a request for a school never seen before walks no further than its parent.
    """
    found_id = _office_id(session, start, kind)
    return session.get(Unit, found_id) if found_id is not None else None


def _office_id(session: Session, unit: Unit, kind: UnitKind) -> int | None:
    if unit.kind == kind:
        return unit.id
    parents = lasting(session, ("parents of", kind), lambda: set(  # units with a child of `kind`: few
        session.exec(select(Unit.parent_id).where(Unit.kind == kind, col(Unit.parent_id).is_not(None))).all()))
    if unit.id in parents:
        child_id = _child_of_kind(session, unit.id or 0, kind)
        if child_id is not None:
            return child_id
    if unit.parent_id is None:
        return None
    parent_id = unit.parent_id
    return lasting(session, ("office", parent_id, kind), lambda: _parent_office_id(session, parent_id, kind))


def _parent_office_id(session: Session, parent_id: int, kind: UnitKind) -> int | None:
    parent = session.get(Unit, parent_id)
    return _office_id(session, parent, kind) if parent is not None else None


def _child_of_kind(session: Session, parent_id: int, kind: UnitKind) -> int | None:
    return lasting(session, ("child of kind", parent_id, kind), lambda: session.exec(
        select(Unit.id).where(Unit.parent_id == parent_id, Unit.kind == kind).order_by(col(Unit.id))).first())


_ACTIVE = select(Person).where(Person.unit_id == bindparam("unit_id"), Person.active == True)  # noqa: E712
_PEOPLE = {False: _ACTIVE.order_by(col(Person.id)),  # by whether roles are asked for; built once (models.db)
           True: _ACTIVE.where(AnyOf(Person.role, "roles")).order_by(col(Person.id))}


def people_of(session: Session, *, unit_id: int, roles: list[str]) -> list[Person]:
    return list(session.exec(_PEOPLE[bool(roles)], params={"unit_id": unit_id, "roles": roles}).all())


def district_schools(session: Session, *, issuer_unit_id: int) -> list[Unit]:
    """The schools under the Phòng GD&ĐT of the district that issued a campaign."""
    issuer = session.get(Unit, issuer_unit_id)
    office = find_office(session, start=issuer, kind=UnitKind.phong_gddt) if issuer else None
    if office is None:
        return []
    query = select(Unit).where(Unit.kind == UnitKind.school, Unit.parent_id == office.id).order_by(col(Unit.name))
    return list(session.exec(query).all())
