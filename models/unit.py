"""Units (schools, blocks, offices) and the people who act for them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, Select, and_, bindparam, or_
from sqlalchemy import select as sa_select
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
    school_year: str | None = Field(default=None, max_length=20,
                                    description="the school year its role holds for (2026-2027); every year when none")
    digest: bool = Field(default=False, description="one daily email of waiting dossiers instead of one per dossier")


def holds_in(person: Person, school_year: str) -> bool:
    """Whether the person's role holds in that school year (a role given for one year holds in that year only)."""
    return person.school_year is None or person.school_year == school_year


def get_unit_by_code(session: Session, *, code: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.code == code)).first()


def get_person_by_email(session: Session, *, email: str) -> Person | None:
    return session.exec(select(Person).where(Person.email == email.strip().lower())).first()


def block_members(session: Session, *, block_id: int) -> list[Unit]:
    return list(session.exec(select(Unit).where(Unit.block_id == block_id).order_by(Unit.name)).all())


@dataclass
class Surroundings:
    """The units a route names, seen from one unit (a school, say): its line of ancestors, the offices beside each
    of them, its block and the block's leader school, read in one query and held here, so that a transition
    resolves who acts and who is told without reading a unit again (the session's identity map keeps a unit
    only while something holds it)."""

    start: Unit
    units: dict[int, Unit]

    @classmethod
    def of(cls, session: Session, start: Unit) -> Surroundings:
        params = {"start_id": start.id, "block_id": start.block_id}
        units = {u.id or 0: u for u in session.scalars(SURROUNDINGS, params)}
        units[start.id or 0] = start
        return cls(start=start, units=units)

    def ancestors(self) -> list[Unit]:
        """The start, its parent, and so on up (a loop in bad data stops where it closes)."""
        line, seen = [self.start], {self.start.id}
        while (parent := self.units.get(line[-1].parent_id or 0)) is not None and parent.id not in seen:
            line.append(parent)
            seen.add(parent.id)
        return line

    def office(self, kind: UnitKind) -> Unit | None:
        """The nearest unit of `kind` walking up: each ancestor itself, else its child of that kind (the first
        created, when there are several). A school's parent is its Phòng GD&ĐT; the Phòng's parent is the UBND,
        whose children include Nội vụ."""
        for ancestor in self.ancestors():
            if ancestor.kind == kind:
                return ancestor
            found = next((u for u in self.units.values() if u.parent_id == ancestor.id and u.kind == kind), None)
            if found is not None:
                return found
        return None

    def resolve(self, ref: UnitRef) -> Unit | None:
        """The unit a route reference names."""
        if ref == "school":
            return self.start
        if ref == "block_leader":
            block = self.units.get(self.start.block_id or 0)
            return self.units.get(block.leader_school_id or 0) if block else None
        assert isinstance(ref, OfficeRef)
        return self.office(ref.kind)


def _surroundings_statement() -> Select[Unit]:
    up = select(Unit.id, Unit.parent_id).where(col(Unit.id) == bindparam("start_id")).cte("up", recursive=True)
    up = up.union(select(Unit.id, Unit.parent_id).join(up, col(Unit.id) == up.c.parent_id))  # UNION: no loops
    ancestors = select(up.c.id)
    block_id = bindparam("block_id", type_=Integer)
    return sa_select(Unit).where(or_(
        col(Unit.id).in_(ancestors),
        and_(col(Unit.parent_id).in_(ancestors), col(Unit.kind).not_in([UnitKind.school, UnitKind.block])),
        col(Unit.id) == block_id,
        col(Unit.id) == select(Unit.leader_school_id).where(col(Unit.id) == block_id).scalar_subquery(),
    )).order_by(col(Unit.id))


# Built once, with bound parameters: every transition reads its surroundings, and building the recursive query
# afresh each time cost more than running it (benchmarks/README.md).
SURROUNDINGS = _surroundings_statement()


def find_office(session: Session, *, start: Unit, kind: UnitKind) -> Unit | None:
    """The nearest unit of `kind` above `start` (see Surroundings.office)."""
    return Surroundings.of(session, start).office(kind)


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
    return Surroundings.of(session, school).resolve(ref)
