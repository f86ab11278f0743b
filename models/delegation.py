"""Delegation (ủy quyền): a person away for a date range names a substitute, who receives their links and
reminders and acts for them; the audit records both who acted and for whom."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, Session, SQLModel, col, select

from models.unit import Person, people_of


class Delegation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    substitute_id: int = Field(foreign_key="person.id", index=True)
    starts_on: date
    ends_on: date


def principals_of(session: Session, *, substitute_id: int, on: date) -> list[Person]:
    """Everyone `substitute_id` stands in for on day `on`."""
    rows = session.exec(select(Person).join(Delegation, col(Delegation.person_id) == Person.id)
                        .where(Delegation.substitute_id == substitute_id, col(Delegation.starts_on) <= on,
                               col(Delegation.ends_on) >= on).order_by(col(Person.id))).all()
    return list(rows)


def substitutes(session: Session, *, person_ids: list[int], on: date) -> dict[int, Person]:
    """Who stands in for each of these people on day `on` (the latest delegation wins), in one query."""
    query = (select(Delegation.person_id, Person).join(Person, col(Delegation.substitute_id) == Person.id)
             .where(col(Delegation.person_id).in_(person_ids), col(Delegation.starts_on) <= on,
                    col(Delegation.ends_on) >= on).order_by(col(Delegation.id)))
    return dict(session.exec(query).all())


def recipients(session: Session, *, unit_id: int, roles: list[str], on: date) -> list[Person]:
    """The unit's people in these roles, each away one replaced by their substitute (once)."""
    people = people_of(session, unit_id=unit_id, roles=roles)
    away = substitutes(session, person_ids=[p.id or 0 for p in people], on=on) if people else {}
    chosen: dict[int, Person] = {}
    for person in people:
        stand_in = away.get(person.id or 0, person)
        chosen.setdefault(stand_in.id or 0, stand_in)
    return list(chosen.values())
