"""Action links (links, not passwords): one row per link sent, stored by the hash of its token only."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Field, Session, SQLModel, col

from models.db import UTCDateTime, utcnow
from models.dossier import Dossier
from models.unit import Person, Unit


class ActionLink(SQLModel, table=True):
    """Bound to one person, one dossier and one stage; single-use; dies when the dossier moves on."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64, description="sha256 of the token; the token is never stored")
    person_id: int = Field(foreign_key="person.id", index=True)
    dossier_id: int = Field(foreign_key="dossier.id", index=True)
    stage: str = Field(max_length=40)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Opened(NamedTuple):
    """A link as its pages use it: with its dossier, the dossier's school and the person it was sent to (held
    here, so that the session keeps them for the request)."""

    link: ActionLink
    dossier: Dossier
    school: Unit
    person: Person


def link_by_hash(session: Session, *, token_hash: str, lock: bool = False) -> Opened | None:
    """The link, its dossier, the dossier's school and the link's person, in one query. With `lock` the dossier is
    locked until the transaction ends and read afresh: a link about to be used waits here for another use of
    its dossier."""
    row = session.execute(LINK_LOCKING_DOSSIER if lock else LINK, {"token_hash": token_hash}).first()
    return Opened(*row) if row is not None else None


# Built once, with bound parameters: every page and action of a link starts here (benchmarks/README.md).
LINK = (sa_select(ActionLink, Dossier, Unit, Person).join(Dossier, col(Dossier.id) == ActionLink.dossier_id)
        .join(Unit, col(Unit.id) == Dossier.school_id).join(Person, col(Person.id) == ActionLink.person_id)
        .where(col(ActionLink.token_hash) == bindparam("token_hash")))
LINK_LOCKING_DOSSIER = LINK.with_for_update(of=Dossier).execution_options(populate_existing=True)
