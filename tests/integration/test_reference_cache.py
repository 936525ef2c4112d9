"""The number plan and menus kept per process: fresh after a change, and in sync with SQLite."""

import pytest
import sqlalchemy as sa

from hotline.infra import context, reference
from hotline.infra.database import autocommit_connection
from routing.models import Call, LegacyLine
from tests.voice_flow import Caller

pytestmark = pytest.mark.changes_reference_data
LINE = "12333"  # social security's old number


def skill_of_new_call(client, observer, sid: str) -> str:
    caller = Caller(client, observer, call_sid=sid)
    caller.dial(to=LINE)
    return observer.scalar(sa.select(Call.skill_code).where(Call.call_sid == sid))


def set_line_skill(connection_or_session, skill: str) -> None:
    connection_or_session.execute(
        sa.update(LegacyLine).where(LegacyLine.number == LINE).values(skill_code=skill)
    )


def test_a_change_committed_in_this_process_is_seen_by_the_next_call(client, observer, session):
    first = skill_of_new_call(client, observer, "CA" + "1" * 32)
    other = "housing" if first != "housing" else "transport"
    line = session.get(LegacyLine, LINE)  # a session of the application, as its pages use
    line.skill_code = other  # through the ORM: noted at flush, forgotten at commit
    session.commit()
    assert skill_of_new_call(client, observer, "CA" + "2" * 32) == other
    set_line_skill(session, first)  # a bulk UPDATE through a session counts as well
    session.commit()
    assert skill_of_new_call(client, observer, "CA" + "3" * 32) == first


def test_a_rolled_back_change_keeps_the_copy(app, client, observer, session):
    skill_of_new_call(client, observer, "CA" + "4" * 32)
    with app.app_context():
        cache = reference.cache()
        generation = reference._current
        set_line_skill(session, "housing")
        session.rollback()
        assert reference._current == generation
        assert cache.get("number_plan", lambda: pytest.fail("reloaded")) is not None


def test_another_process_change_is_seen_once_the_copy_expires(app, client, observer, monkeypatch):
    first = skill_of_new_call(client, observer, "CA" + "5" * 32)
    other = "housing" if first != "housing" else "transport"
    # Another process: a plain connection, no session of ours sees the change.
    with app.app_context(), autocommit_connection() as connection:
        set_line_skill(connection, other)
    assert skill_of_new_call(client, observer, "CA" + "6" * 32) == first  # still the copy
    clock = reference.time.monotonic() + context.settings(app).reference_cache_seconds + 1
    monkeypatch.setattr(reference.time, "monotonic", lambda: clock)
    assert skill_of_new_call(client, observer, "CA" + "7" * 32) == other


def test_a_zero_lifetime_reads_the_database_every_time(app, client, observer):
    context.provide(app, context.REFERENCE, reference.ReferenceCache(0))
    first = skill_of_new_call(client, observer, "CA" + "8" * 32)
    other = "housing" if first != "housing" else "transport"
    with app.app_context(), autocommit_connection() as connection:
        set_line_skill(connection, other)
    assert skill_of_new_call(client, observer, "CA" + "9" * 32) == other


def test_sqlite_connections_keep_their_own_transactions_after_autocommit_use(app, backend):
    if backend != "sqlite":
        pytest.skip("SQLite's transaction handling")
    engine = context.engine(app)
    with app.app_context():
        for _ in range(3):  # the pool hands the same connection back
            with autocommit_connection() as connection:
                connection.execute(sa.text("SELECT 1"))
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
                raw = connection.connection.dbapi_connection
                # BEGIN IMMEDIATE was ours, the driver does not manage transactions.
                assert raw.isolation_level is None and raw.in_transaction
                assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
