"""The scheduler lease: one holder at a time, renewable, taken over only after it expires."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from models.db import utcnow
from models.lease import acquire, release


def test_one_holder_at_a_time(session: Session) -> None:
    now, ttl = utcnow(), timedelta(seconds=60)
    assert acquire(session, name="scheduler", holder="a", now=now, ttl=ttl)
    assert not acquire(session, name="scheduler", holder="b", now=now + timedelta(seconds=30), ttl=ttl)
    assert acquire(session, name="scheduler", holder="a", now=now + timedelta(seconds=45), ttl=ttl)  # renewed
    assert not acquire(session, name="scheduler", holder="b", now=now + timedelta(seconds=90), ttl=ttl)
    assert acquire(session, name="scheduler", holder="b", now=now + timedelta(seconds=106), ttl=ttl)  # expired
    release(session, name="scheduler", holder="a")  # not a's any more: nothing happens
    assert not acquire(session, name="scheduler", holder="a", now=now + timedelta(seconds=110), ttl=ttl)
    release(session, name="scheduler", holder="b")
    assert acquire(session, name="scheduler", holder="a", now=now + timedelta(seconds=111), ttl=ttl)
