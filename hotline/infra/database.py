"""The database inside the Flask application: one session per request, and `hotline db`."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, g, request
from sqlalchemy import orm

from hotline import db
from hotline.infra import context, deadlines
from hotline.settings import Settings

MIGRATIONS = Path(__file__).parents[1] / "migrations"
PROBE = "hotline.database_probe"


def init_app(app: Flask) -> None:
    settings = context.settings(app)
    engine = create_engine(settings)
    autocommit = _autocommit_engine(engine, settings)
    context.provide(app, context.ENGINE, engine)
    context.provide(app, context.AUTOCOMMIT_ENGINE, autocommit)
    context.provide(app, context.SESSIONS, db.session_factory(engine))
    context.provide(app, PROBE, DatabaseProbe(engine))
    app.before_request(_start_deadline)
    app.teardown_request(_end_deadline)
    app.teardown_appcontext(_close_session)


def waits(settings: Settings) -> db.Waits:
    """How long the application's connections wait for the database (the settings)."""
    return db.Waits(
        connect=settings.db_connect_timeout_seconds,
        statement=settings.db_statement_timeout_seconds,
        lock=settings.db_lock_timeout_seconds,
        pool=settings.db_pool_timeout_seconds,
        sqlite_busy=settings.sqlite_busy_timeout_seconds,
    )


def create_engine(settings: Settings, **kwargs) -> sa.Engine:
    """An engine on the settings' database with their waits, its connections under the
    deadlines of the threads that use them."""
    engine = db.create_engine(
        settings.database_url,
        sqlite_synchronous=settings.sqlite_synchronous,
        waits=waits(settings),
        **kwargs,
    )
    deadlines.watch(engine)
    return engine


DEADLINE_KEY = "hotline.db_deadline"  # WSGI environ: the request's deadline token
OWN_SESSION_KEY = "hotline.db_own_session"  # WSGI environ: the session is the request's own


def _start_deadline() -> None:
    """Every request is done with the database within its budget: a Twilio webhook well
    within the 15 seconds Twilio waits, any other request (console, APIs) within a longer
    one, so that a frozen database never holds a server thread for ever."""
    settings = context.settings()
    webhook = request.path.startswith("/twilio/")
    budget = settings.webhook_budget_seconds if webhook else settings.request_budget_seconds
    request.environ[OWN_SESSION_KEY] = "db_session" not in g
    request.environ[DEADLINE_KEY] = deadlines.start(budget)


def _end_deadline(_exc: BaseException | None) -> None:
    token = request.environ.pop(DEADLINE_KEY, None)
    if token is None:
        return
    # The request's session is closed (its connection rolled back and returned to the
    # pool) while the deadline still holds: that too waits for the database. (A session
    # opened before the request, in an application context around it, is left to it.)
    if request.environ.pop(OWN_SESSION_KEY, False):
        _close_session(None)
    deadlines.end(token)


def get_session() -> orm.Session:
    """The session of the current request (or CLI command), opened on first use."""
    if "db_session" not in g:
        g.db_session = context.sessions()()
    return g.db_session


@contextmanager
def new_session():
    """A session of its own (for jobs and the gateway), committed when the block succeeds."""
    session = context.sessions()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def engine() -> sa.Engine:
    return context.engine()


def autocommit_connection() -> sa.Connection:
    """A pooled connection on which each statement commits by itself (no BEGIN/COMMIT)."""
    return context.autocommit_engine().connect()


def _autocommit_engine(main: sa.Engine, settings: Settings) -> sa.Engine:
    if main.dialect.name == "postgresql":
        # A pool of its own whose connections stay in autocommit: switching a pooled
        # connection there and back costs more than the statement itself.
        return create_engine(settings, isolation_level="AUTOCOMMIT")
    # SQLite: our connections leave transactions to us anyway; skipping BEGIN is enough.
    return main.execution_options(isolation_level="AUTOCOMMIT")


def allow_long_statements(session: orm.Session) -> None:
    """Maintenance (the report roll-ups over many days): for the rest of this transaction,
    statements and lock waits may last up to the maintenance limit instead of a request's."""
    if session.get_bind().dialect.name != "postgresql":
        return
    limit = str(round(context.settings().db_maintenance_timeout_seconds * 1000))
    session.execute(
        sa.text(
            "SELECT set_config('statement_timeout', :limit, true),"
            " set_config('lock_timeout', :limit, true)"
        ),
        {"limit": limit},
    )


class DatabaseProbe:
    """``SELECT 1`` in a thread of its own with a short deadline, for the health check: it
    answers in time whatever the database does, and only one probe waits at a time."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._busy = False

    def start(self, seconds: float) -> ProbeResult:
        result = ProbeResult(seconds)
        with self._lock:
            if self._busy:
                result.finish("error: the database has not answered the previous check yet")
                return result
            self._busy = True
        threading.Thread(
            target=self._run, args=(result, seconds), name="hotline-health-probe", daemon=True
        ).start()
        return result

    def _run(self, result: ProbeResult, seconds: float) -> None:
        token = deadlines.start(seconds)
        try:
            with self._engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            result.finish("ok")
        except sa.exc.SQLAlchemyError as exc:
            result.finish(f"error: {type(exc).__name__}")
        finally:
            deadlines.end(token)
            with self._lock:
                self._busy = False


class ProbeResult:
    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._started = time.monotonic()
        self._done = threading.Event()
        self._outcome = ""

    def finish(self, outcome: str) -> None:
        self._outcome = outcome
        self._done.set()

    def outcome(self) -> str:
        """'ok', or why not: waits until the probe's time is up at the latest."""
        left = self._seconds - (time.monotonic() - self._started)
        if not self._done.wait(max(0.0, left)):
            return f"error: the database did not answer within {self._seconds:g} s"
        return self._outcome


def probe() -> DatabaseProbe:
    return context.part(PROBE)


def dispose_engines(app: Flask) -> None:
    """Close every pooled connection (before forking, and when an app is thrown away)."""
    context.autocommit_engine(app).dispose()
    context.engine(app).dispose()


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def schema_revisions(connection: sa.Connection) -> tuple[str | None, str | None]:
    """The schema revision the database is at, and the one this code needs."""
    current = MigrationContext.configure(connection).get_current_revision()
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    return current, head


def upgrade(database_url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the project's Alembic migrations."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(database_url), revision)
