"""Foundations shared by every package: the declarative base, column types, engines, the time
zone of the hotline's calendar and screens.

This module imports SQLAlchemy only, so that the domain packages may use it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import orm

# The hotline's own time zone: working days, deadlines and every time shown.
TIMEZONE = "Asia/Shanghai"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime.

    SQLite keeps no time zone, PostgreSQL would convert to the session's zone: storing
    naive UTC everywhere gives one behaviour on both.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


def affected_rows(result: sa.Result) -> int:
    """The rows an UPDATE, a DELETE or an INSERT … SELECT through a session matched.

    Session.execute is typed as giving a plain Result, which has no row count; for these
    statements it gives a CursorResult, which has.
    """
    if not isinstance(result, sa.CursorResult):
        raise TypeError(f"{type(result).__name__} has no row count")
    return result.rowcount


SQLITE_SYNCHRONOUS = ("normal", "full")


@dataclass(frozen=True)
class Waits:
    """How long a connection may wait for the database (None: as long as it takes).

    ``connect`` (whole seconds, at least 2: libpq's rule), ``statement`` and ``lock``
    (PostgreSQL's statement_timeout and lock_timeout, which the server enforces),
    ``pool`` (for a connection of the pool when all are in use), ``sqlite_busy`` (for
    SQLite's write lock). The defaults are those of the commands that may take long
    (migrations); the application's engines take theirs from the settings.
    """

    connect: int | None = None
    statement: float | None = None
    lock: float | None = None
    pool: float | None = None
    sqlite_busy: float = 30.0


def create_engine(
    url: str, sqlite_synchronous: str = "normal", waits: Waits | None = None, **kwargs
) -> sa.Engine:
    """An engine with the settings every deployment needs (SQLite: foreign keys, WAL, waits).

    ``sqlite_synchronous``: ``normal`` (WAL's usual setting: a commit survives the crash of
    any process; an operating-system crash or power cut may undo the last moment's commits)
    or ``full`` (every commit also waits for the disk).
    """
    waits = waits or Waits()
    parsed = sa.engine.make_url(url)
    backend = parsed.get_backend_name()
    if waits.pool is not None and parsed.database not in (None, "", ":memory:"):
        # (An in-memory SQLite database has one connection per thread, no pool to wait for.)
        kwargs.setdefault("pool_timeout", waits.pool)
    if backend == "sqlite":
        if sqlite_synchronous not in SQLITE_SYNCHRONOUS:
            raise ValueError(f"sqlite_synchronous must be one of {SQLITE_SYNCHRONOUS}")
        engine = sa.create_engine(url, connect_args={"timeout": waits.sqlite_busy}, **kwargs)
        on_connect = _sqlite_on_connect(sqlite_synchronous, waits.sqlite_busy)
        sa.event.listen(engine, "connect", on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    engine = sa.create_engine(url, connect_args=_postgresql_connect_args(waits), **kwargs)
    sa.event.listen(engine.pool, "checkin", _note_checkin)
    sa.event.listen(engine.pool, "checkout", _ping_if_idle(engine.dialect))
    return engine


def _postgresql_connect_args(waits: Waits) -> dict[str, object]:
    """libpq's connect_timeout, and the server's limits set as the connection starts (no
    round trip of its own)."""
    args: dict[str, object] = {}
    if waits.connect is not None:
        args["connect_timeout"] = waits.connect
    options = [
        f"-c {name}={round(seconds * 1000)}"
        for name, seconds in (("statement_timeout", waits.statement), ("lock_timeout", waits.lock))
        if seconds is not None
    ]
    if options:
        args["options"] = " ".join(options)
    return args


# A pooled connection idle this long is pinged before use (a database restart or a
# firewall may have dropped it); one in steady use is not, which saves a round trip a request.
PING_AFTER_IDLE_SECONDS = 5.0


def _note_checkin(_dbapi_connection, record) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dialect):
    def checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # new, or just used
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            # The pool then discards this connection and checks out (or opens) another.
            raise sa.exc.DisconnectionError(f"a pooled connection was dropped: {exc}") from exc

    return checkout


def _sqlite_on_connect(synchronous: str, busy_seconds: float):
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy issue BEGIN itself (see _sqlite_on_begin) so that writers take the
        # lock up front instead of failing on upgrade from a read lock.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={round(busy_seconds * 1000)}")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.close()

    return on_connect


def _sqlite_on_begin(connection):
    # Writers and readers alike take the write lock at BEGIN: SQLite serialises writers
    # anyway, and a deferred transaction that reads, then writes after another writer
    # committed, fails at once instead of waiting.
    if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return
    # Returning an autocommit connection to the pool hands transactions back to the driver
    # (isolation_level ""); keep issuing BEGIN ourselves.
    connection.connection.dbapi_connection.isolation_level = None
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: sa.Engine) -> orm.sessionmaker[orm.Session]:
    """Sessions that keep loaded objects usable after commit (views render after committing)."""
    return orm.sessionmaker(bind=engine, expire_on_commit=False)
