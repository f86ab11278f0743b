"""Delegation (ủy quyền): a person away for a date range names a substitute, who receives their links and
reminders and acts for them; the audit records both who acted and for whom."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, Select, and_, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.orm import aliased
from sqlmodel import Field, Session, SQLModel, col, select

from models.unit import Person, holds_in


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


def _recipients_statement(*, any_role: bool) -> Select[Person, Person]:
    stand_in = aliased(Person, name="stand_in")
    on = bindparam("on", type_=Date)
    query = (sa_select(Person, stand_in)
             .outerjoin(Delegation, and_(col(Delegation.person_id) == Person.id, col(Delegation.starts_on) <= on,
                                         col(Delegation.ends_on) >= on))
             .outerjoin(stand_in, col(stand_in.id) == Delegation.substitute_id)
             .where(col(Person.unit_id) == bindparam("unit_id"), col(Person.active) == True))  # noqa: E712
    if not any_role:
        query = query.where(col(Person.role).in_(bindparam("roles", expanding=True)))
    return query.order_by(col(Person.id), col(Delegation.id))


# Built once, with bound parameters: every transition tells two or three offices, and building this join afresh
# was a sixth of an approval's CPU in the web worker (benchmarks/README.md).
RECIPIENTS_OF_ANY_ROLE, RECIPIENTS_IN_ROLES = (_recipients_statement(any_role=True),
                                               _recipients_statement(any_role=False))


def recipients(session: Session, *, unit_id: int, roles: list[str], on: date,
               school_year: str | None = None) -> list[Person]:
    """The unit's active people in these roles (any, when none are named) — in `school_year`'s, when given —
    each away one replaced by their substitute on day `on` (the latest delegation wins), everyone once; in one
    query."""
    params: dict[str, Any] = {"unit_id": unit_id, "on": on}
    if roles:
        params["roles"] = roles
    latest: dict[int, Person] = {}
    for person, substitute in session.execute(RECIPIENTS_IN_ROLES if roles else RECIPIENTS_OF_ANY_ROLE, params):
        if school_year is None or holds_in(person, school_year):
            latest[person.id or 0] = substitute or person
    chosen: dict[int, Person] = {}
    for person in latest.values():
        chosen.setdefault(person.id or 0, person)
    return list(chosen.values())
