"""Logging in and staying logged in: passwords checked behind a throttle of failed tries,
and each login a revocable record on the server that ends on logout, on a new password,
after an idle spell and at the latest after a fixed lifetime."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from hotline.db import utcnow
from hotline.infra import context, logins
from hotline.infra.passwords import password_matches
from hotline.models import User

# However active, a login ends this long after it was made: the next shift logs in again.
ABSOLUTE_LIFETIME = timedelta(hours=12)
# The last-seen time is written at most this often (consoles poll every few seconds).
SEEN_EVERY = timedelta(seconds=30)
# Failed logins: so many within the window lock the username (or the client address) for
# a period that doubles with each lockout, up to the longest.
USER_FAILURES = 5
# An address is a whole call centre behind its NAT: it is locked by spraying many names.
ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=5)
FIRST_LOCK = timedelta(minutes=5)
LONGEST_LOCK = timedelta(hours=1)
# A day without failures or lockouts and the next lockout is again the first.
FORGET_AFTER = timedelta(days=1)
# Tests may put a fake clock here.
clock = utcnow


class LoginRefused(Exception):
    """Wrong username or password (which of the two is never said)."""


class LoginLocked(Exception):
    """Too many failed logins for this username or address: refused without a check."""

    def __init__(self, wait_seconds: int):
        super().__init__(f"too many failed logins; try again in {wait_seconds} s")
        self.wait_seconds = wait_seconds


def log_in(session: orm.Session, username: str, password: str, address: str) -> tuple[User, str]:
    """The user and the token of a new login for them; committed (failures are counted too)."""
    now = clock()
    name = username.strip()
    keys = [_user_key(name), _address_key(address)]
    until = logins.locked_until(session, keys, now)
    if until is not None:
        raise LoginLocked(max(1, math.ceil((until - now).total_seconds())))
    user = session.scalar(sa.select(User).where(User.username == name))
    # An unknown or inactive user is checked against no hash, so timing reveals nothing.
    password_hash = user.password_hash if user is not None and user.active else None
    if not password_matches(password_hash, password):
        _count_failure(session, keys[0], USER_FAILURES, now)
        _count_failure(session, keys[1], ADDRESS_FAILURES, now)
        session.commit()
        raise LoginRefused()
    assert user is not None
    logins.forget(session, keys[0])
    token = secrets.token_urlsafe(32)
    logins.open_record(session, user, token, now)
    session.commit()
    return user, token


def resume(session: orm.Session, token: str) -> User | None:
    """The user a login token stands for while its login lasts, else None (and it ends)."""
    record = logins.record_of(session, token)
    if record is None or record.ended_at is not None:
        return None
    now = clock()
    user = session.get(User, record.user_id)
    idle = timedelta(minutes=context.settings().session_idle_minutes)
    if (
        user is None
        or not user.active
        or logins.password_stamp(user) != record.password_stamp
        or now - record.last_seen_at > idle
        or now - record.created_at > ABSOLUTE_LIFETIME
    ):
        record.ended_at = now
        session.commit()
        return None
    if now - record.last_seen_at >= min(SEEN_EVERY, idle / 4):
        record.last_seen_at = now
        session.commit()
    return user


def log_out(session: orm.Session, token: str) -> None:
    record = logins.record_of(session, token)
    if record is not None and record.ended_at is None:
        record.ended_at = clock()
        session.commit()


def _count_failure(session: orm.Session, key: str, limit: int, now: datetime) -> None:
    logins.count_failure(
        session,
        key,
        now,
        limit=limit,
        window=FAILURE_WINDOW,
        lock_for=lambda lockouts: min(FIRST_LOCK * 2 ** (lockouts - 1), LONGEST_LOCK),
        forget_after=FORGET_AFTER,
    )


def _user_key(username: str) -> str:
    # Digests: the table holds no name an attacker typed, and every key has one length.
    return "user:" + logins.digest(username.casefold())[:60]


def _address_key(address: str) -> str:
    return "addr:" + logins.digest(address)[:60]
