"""A browser's sign-in (phiên đăng nhập), kept on the server: it expires, and signing out ends it for good."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from models.db import UTCDateTime, utcnow


class WebSession(SQLModel, table=True):
    """Stored by the hash of the cookie's token only; a copied cookie dies with the session."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64, description="sha256 of the cookie's token")
    person_id: int = Field(foreign_key="person.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime, description="signed out")
