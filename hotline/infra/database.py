"""The database inside the Flask application: one session per request, and `hotline db`."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, g
from sqlalchemy import orm

from hotline import db
from hotline.infra import context

MIGRATIONS = Path(__file__).parents[1] / "migrations"


def init_app(app: Flask) -> None:
    settings = context.settings(app)
    engine = db.create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    factory = db.session_factory(engine)
    context.provide(app, context.ENGINE, engine)
    context.provide(
        app, context.AUTOCOMMIT_ENGINE, _autocommit_engine(engine, settings.database_url)
    )
    context.provide(app, context.SESSIONS, factory)
    app.teardown_appcontext(_close_session)


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


def _autocommit_engine(main: sa.Engine, url: str) -> sa.Engine:
    if main.dialect.name == "postgresql":
        # A pool of its own whose connections stay in autocommit: switching a pooled
        # connection there and back costs more than the statement itself.
        return db.create_engine(url, isolation_level="AUTOCOMMIT")
    # SQLite: our connections leave transactions to us anyway; skipping BEGIN is enough.
    return main.execution_options(isolation_level="AUTOCOMMIT")


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
