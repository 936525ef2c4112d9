"""Where logins are kept: the server's record of each login session, and the counts of
failed logins per username and per client address, both in the database (shared by every
web worker; failed logins are rare enough that no Redis is needed for them)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.models import LoginSession, LoginThrottle, User


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def password_stamp(user: User) -> str:
    """What a login remembers of the password it was made with (a new hash, even of the
    same password, has a new salt and so a new stamp)."""
    return digest(user.password_hash)


def open_record(session: orm.Session, user: User, token: str, now: datetime) -> LoginSession:
    record = LoginSession(
        token_hash=digest(token),
        user_id=user.id,
        password_stamp=password_stamp(user),
        created_at=now,
        last_seen_at=now,
    )
    session.add(record)
    return record


def record_of(session: orm.Session, token: str) -> LoginSession | None:
    return session.scalar(sa.select(LoginSession).where(LoginSession.token_hash == digest(token)))


def locked_until(session: orm.Session, keys: list[str], now: datetime) -> datetime | None:
    """The latest time any of ``keys`` is locked until, if one is locked now."""
    return session.scalar(
        sa.select(sa.func.max(LoginThrottle.locked_until)).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until > now
        )
    )


def count_failure(
    session: orm.Session,
    key: str,
    now: datetime,
    *,
    limit: int,
    window: timedelta,
    lock_for,
    forget_after: timedelta,
) -> None:
    """Count one failed login of ``key``; the ``limit``-th within ``window`` locks it for
    ``lock_for(lockouts)``, lockouts counting up until ``forget_after`` passes quietly."""
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        try:
            with session.begin_nested():
                row = LoginThrottle(key=key, failures=0, lockouts=0)
                session.add(row)
        except sa.exc.IntegrityError:
            row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
    assert row is not None
    quiet_since = row.locked_until or row.window_started_at
    if quiet_since is not None and now - quiet_since > forget_after:
        row.lockouts = 0
    if row.window_started_at is None or now - row.window_started_at > window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.lockouts += 1
        row.locked_until = now + lock_for(row.lockouts)
        row.failures, row.window_started_at = 0, None


def forget(session: orm.Session, key: str) -> None:
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))
