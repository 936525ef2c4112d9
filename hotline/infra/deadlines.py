"""Deadlines on waiting for the database, kept by one watchdog thread per process.

PostgreSQL enforces statement_timeout and lock_timeout itself: a server that does not run
(stopped, frozen, swapping, its disk hung) or a network that drops packets enforces
nothing, and the driver waits on its socket for ever. A request that must answer in time
(a Twilio webhook, the health check) gives its thread a deadline; once it passes, the
watchdog breaks every database connection the thread holds: the driver raises at once (a
lost connection, which the pool throws away) and the request answers without the
database (the caller's apology, the spool). A connection checked out or opened after the
deadline fails at once; one opened before it waits no longer than the time left.

Connections are counted per thread: the ones it checked out of a watched engine's pool.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)
THREAD_KEY = "hotline.deadline_thread"  # in a pool entry's info: the thread that holds it


@dataclass
class _Thread:
    deadline: float | None = None  # time.monotonic()
    held: dict[Any, Any] = field(default_factory=dict)  # pool entry -> DBAPI connection


@dataclass(frozen=True)
class Token:
    """What :func:`start` replaced, for :func:`end` to put back (deadlines nest)."""

    previous: float | None


class _Watchdog:
    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        # A forked child has none of the parent's threads: it starts afresh.
        self.changed = threading.Condition()
        self.threads: dict[int, _Thread] = {}
        self.running = False

    def start(self, seconds: float) -> Token:
        with self.changed:
            state = self.threads.setdefault(threading.get_ident(), _Thread())
            previous = state.deadline
            deadline = time.monotonic() + seconds
            state.deadline = deadline if previous is None else min(deadline, previous)
            if not self.running:
                self.running = True
                threading.Thread(target=self._watch, name="hotline-deadlines", daemon=True).start()
            self.changed.notify()
        return Token(previous)

    def end(self, token: Token) -> None:
        ident = threading.get_ident()
        with self.changed:
            state = self.threads.get(ident)
            if state is None:
                return
            state.deadline = token.previous
            if state.deadline is None and not state.held:
                del self.threads[ident]
            self.changed.notify()

    def remaining(self) -> float | None:
        state = self.threads.get(threading.get_ident())
        if state is None or state.deadline is None:
            return None
        return state.deadline - time.monotonic()

    def checked_out(self, dbapi_connection, record, _proxy) -> None:
        ident = threading.get_ident()
        record.info[THREAD_KEY] = ident
        with self.changed:
            state = self.threads.setdefault(ident, _Thread())
            if state.deadline is not None and state.deadline <= time.monotonic():
                # The pool takes the connection back (and closes it).
                raise sa.exc.TimeoutError("the request's time for the database is up")
            state.held[record] = dbapi_connection

    def checked_in(self, _dbapi_connection, record) -> None:
        ident = record.info.pop(THREAD_KEY, None)
        with self.changed:
            state = self.threads.get(ident) if ident is not None else None
            if state is None:
                return
            state.held.pop(record, None)
            if state.deadline is None and not state.held:
                del self.threads[ident]

    def _watch(self) -> None:
        with self.changed:
            while True:
                now = time.monotonic()
                wake: float | None = None
                for state in self.threads.values():
                    if state.deadline is None:
                        continue
                    if state.deadline > now:
                        wake = state.deadline if wake is None else min(wake, state.deadline)
                    elif state.held:
                        log.warning(
                            "database: %d connection(s) broken, their request's time is up",
                            len(state.held),
                        )
                        for connection in state.held.values():
                            _break(connection)
                        state.held.clear()
                self.changed.wait(None if wake is None else wake - now)


def _break(dbapi_connection) -> None:
    """Make the connection's current and next wait fail at once."""
    try:
        pgconn = getattr(dbapi_connection, "pgconn", None)
        if pgconn is not None:
            # psycopg: shut the socket down (a copy of its descriptor; the driver still owns
            # and closes the original). The driver's wait wakes up to a closed connection.
            with socket.socket(fileno=os.dup(pgconn.socket)) as copy:
                copy.shutdown(socket.SHUT_RDWR)
        elif hasattr(dbapi_connection, "interrupt"):
            dbapi_connection.interrupt()  # sqlite3: the running statement stops
    except Exception:  # already closed: nothing waits on it
        log.debug("database connection already closed", exc_info=True)


_watchdog = _Watchdog()


def start(seconds: float) -> Token:
    """Give the current thread ``seconds`` from now to be done with the database (or keep
    the earlier deadline it has); hand the token to :func:`end`."""
    return _watchdog.start(seconds)


def end(token: Token) -> None:
    """Back to the deadline the thread had before :func:`start` (usually none)."""
    _watchdog.end(token)


def remaining() -> float | None:
    """Seconds left before the current thread's deadline (negative once it passed), or None."""
    return _watchdog.remaining()


def watch(engine: sa.Engine) -> None:
    """Keep the deadlines on ``engine``'s connections: break those of a thread whose time is
    up, and open none for it."""
    # First among the checkout listeners: the ping of an idle connection may wait too.
    sa.event.listen(engine.pool, "checkout", _watchdog.checked_out, insert=True)
    sa.event.listen(engine.pool, "checkin", _watchdog.checked_in)
    sa.event.listen(engine, "do_connect", _connect_within_deadline)


def _connect_within_deadline(dialect, _record, _cargs, cparams) -> None:
    left = remaining()
    if left is None:
        return
    if left <= 0:
        raise dialect.loaded_dbapi.OperationalError("the request's time for the database is up")
    if dialect.name == "postgresql":
        # libpq counts whole seconds, at least 2.
        configured = int(cparams.get("connect_timeout") or 0) or math.inf
        cparams["connect_timeout"] = max(2, min(configured, math.ceil(left)))
