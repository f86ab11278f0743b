"""Units (schools, blocks, offices) and the people who act for them."""

from __future__ import annotations

from sqlmodel import Field, Session, SQLModel, col, select

from config.route import OfficeRef, UnitRef
from config.vocabulary import UnitKind


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

    A school's parent is its Phòng GD&ĐT; the Phòng's parent is the UBND, whose children include Nội vụ. The
    ancestors come from the session (each read once in it), their children of `kind` in one query."""
    ancestors = [start]
    while ancestors[-1].parent_id is not None and len(ancestors) < 16:  # a loop in bad data stops here
        parent = session.get(Unit, ancestors[-1].parent_id)
        if parent is None:
            break
        ancestors.append(parent)
    children: dict[int, Unit] = {}
    for child in session.exec(select(Unit).where(Unit.kind == kind, col(Unit.parent_id).in_(
            [a.id for a in ancestors])).order_by(col(Unit.id).desc())):
        children[child.parent_id or 0] = child  # the first by id wins, as the walk took it
    for ancestor in ancestors:
        if ancestor.kind == kind:
            return ancestor
        if (ancestor.id or 0) in children:
            return children[ancestor.id or 0]
    return None


def people_of(session: Session, *, unit_id: int, roles: list[str]) -> list[Person]:
    """The unit's active people, in these roles when any are named."""
    query = select(Person).where(Person.unit_id == unit_id, Person.active == True)  # noqa: E712
    if roles:
        query = query.where(col(Person.role).in_(roles))
    return list(session.exec(query.order_by(col(Person.id))).all())


def district_schools(session: Session, *, issuer_unit_id: int) -> list[Unit]:
    """The schools a campaign covers: those under the Phòng GD&ĐT of the district that issued it or, for a plan
    of the province (its Sở GD&ĐT's), those of every district of the province."""
    issuer = session.get(Unit, issuer_unit_id)
    office = find_office(session, start=issuer, kind=UnitKind.phong_gddt) if issuer else None
    if office is not None:
        offices = [office.id]
    elif issuer is not None and issuer.kind in (UnitKind.so_gddt, UnitKind.ubnd_tinh):
        province = issuer.parent_id if issuer.kind == UnitKind.so_gddt else issuer.id
        districts = select(Unit.id).where(Unit.parent_id == province)
        offices = list(session.exec(select(Unit.id).where(Unit.kind == UnitKind.phong_gddt,
                                                          col(Unit.parent_id).in_(districts))).all())
    else:
        return []
    query = select(Unit).where(Unit.kind == UnitKind.school, col(Unit.parent_id).in_(offices)).order_by(col(Unit.name))
    return list(session.exec(query).all())


def resolve_unit(session: Session, ref: UnitRef, school: Unit) -> Unit | None:
    """The unit a route reference names, seen from the dossier's school."""
    if ref == "school":
        return school
    if ref == "block_leader":
        block = session.get(Unit, school.block_id) if school.block_id else None
        return session.get(Unit, block.leader_school_id) if block and block.leader_school_id else None
    assert isinstance(ref, OfficeRef)
    return find_office(session, start=school, kind=ref.kind)
