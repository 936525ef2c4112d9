"""Users, roles, API tokens and the job outbox; and the one place that imports every model for
the metadata."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

import knowledge_base.models
import routing.messaging
import routing.models
import workorders.models
from hotline.db import Base, UTCDateTime, utcnow

ROLES = ("agent", "supervisor", "department", "monitor", "admin")
TOKEN_ROLES = ("monitor", "open311", "department")

__all__ = [
    "ROLES",
    "TOKEN_ROLES",
    "ApiToken",
    "AuditEvent",
    "Base",
    "LoginSession",
    "LoginThrottle",
    "OutboxJob",
    "User",
]
# Imported for their side effect of registering tables on Base.metadata.
_MODEL_MODULES = (
    knowledge_base.models,
    routing.messaging,
    routing.models,
    workorders.models,
)


class User(Base):
    __tablename__ = "users"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    username: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    password_hash: orm.Mapped[str] = orm.mapped_column(sa.String(256))
    display_name: orm.Mapped[str] = orm.mapped_column(sa.String(80), default="")
    role: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))
    active: orm.Mapped[bool] = orm.mapped_column(default=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(ROLES), name="role"),)


class ApiToken(Base):
    """A bearer token for the monitor API, Open311 or a department's own case system; only its
    SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    role: orm.Mapped[str] = orm.mapped_column(sa.String(16))
    prefix: orm.Mapped[str] = orm.mapped_column(sa.String(12))
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    revoked_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    last_used_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    # A department token acts for this unit (and the units below it) only.
    unit_code: orm.Mapped[str | None] = orm.mapped_column(sa.ForeignKey("units.code"))

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(TOKEN_ROLES), name="role"),)


class AuditEvent(Base):
    """An administrative change: who changed what, when, from what to what.

    Written once, never updated or deleted (work orders keep their own trail).
    """

    __tablename__ = "audit_events"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: orm.Mapped[str] = orm.mapped_column(sa.String(80))
    actor_id: orm.Mapped[int | None] = orm.mapped_column(sa.ForeignKey("users.id"))
    entity: orm.Mapped[str] = orm.mapped_column(sa.String(40))
    entity_id: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    changes: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)
    note: orm.Mapped[str] = orm.mapped_column(sa.Text, default="")


class ApiRateWindow(Base):
    """How many requests a token has made in the current rate-limit window."""

    __tablename__ = "api_rate_windows"

    token_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("api_tokens.id"), primary_key=True)
    window_index: orm.Mapped[int] = orm.mapped_column(sa.BigInteger)
    requests: orm.Mapped[int] = orm.mapped_column(default=0)


class Open311Ticket(Base):
    """A request filed through Open311: its token, the order it opened, and the client's key."""

    __tablename__ = "open311_tickets"

    token: orm.Mapped[str] = orm.mapped_column(sa.String(40), primary_key=True)
    work_order_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("work_orders.id"), unique=True)
    api_token_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("api_tokens.id"), index=True)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)


class OutboxJob(Base):
    """A job a committed transaction asked for that has not finished yet: waiting to be
    handed over, or handed to rq (``handed_at``, as rq job ``handed_job``) and running."""

    __tablename__ = "job_outbox"

    id: orm.Mapped[str] = orm.mapped_column(sa.String(32), primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    args: orm.Mapped[list] = orm.mapped_column(sa.JSON, default=list)
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, index=True)
    attempts: orm.Mapped[int] = orm.mapped_column(default=0)
    last_error: orm.Mapped[str] = orm.mapped_column(sa.String(300), default="")
    failed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    handed_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    handed_job: orm.Mapped[str | None] = orm.mapped_column(sa.String(64))


class LoginSession(Base):
    """One login of a user: the signed cookie carries its token, only the token's SHA-256 is
    stored, and the login lasts while this row is neither ended nor idle too long."""

    __tablename__ = "login_sessions"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    token_hash: orm.Mapped[str] = orm.mapped_column(sa.String(64), unique=True)
    user_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey("users.id"), index=True)
    # A digest of the password hash the user logged in with: a new password ends the login.
    password_stamp: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    created_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: orm.Mapped[datetime] = orm.mapped_column(UTCDateTime, default=utcnow)
    ended_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Recent failed logins of one username or one client address (``key`` is a digest of
    which), and until when further tries are refused."""

    __tablename__ = "login_throttles"

    key: orm.Mapped[str] = orm.mapped_column(sa.String(80), primary_key=True)
    failures: orm.Mapped[int] = orm.mapped_column(default=0)
    window_started_at: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    locked_until: orm.Mapped[datetime | None] = orm.mapped_column(UTCDateTime)
    lockouts: orm.Mapped[int] = orm.mapped_column(default=0)
