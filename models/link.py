"""Action links (links, not passwords): one row per link sent, stored by the hash of its token only."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, Session, SQLModel, col, select

from models.db import UTCDateTime, utcnow
from models.dossier import Dossier
from models.unit import Unit


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


def link_by_hash(session: Session, *, token_hash: str, lock: bool = False) -> tuple[ActionLink, Dossier] | None:
    """The link and its dossier (with its school, which every page of a link shows). With `lock` the dossier is
    locked until the transaction ends and read afresh: a link about to be used waits here for another use of
    its dossier."""
    query = (select(ActionLink, Dossier, Unit).join(Dossier, col(Dossier.id) == ActionLink.dossier_id)
             .join(Unit, col(Unit.id) == Dossier.school_id).where(ActionLink.token_hash == token_hash))
    if lock:
        query = query.with_for_update(of=Dossier).execution_options(populate_existing=True)
    row = session.exec(query).first()
    return (row[0], row[1]) if row is not None else None
