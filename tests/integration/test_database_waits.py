"""How long anything waits for the database: the limits every connection carries, the
deadline that breaks off a wait the server never ends, and /healthz, which answers in time
whatever the database does."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from hotline.infra import context, deadlines, spool
from hotline.infra.database import allow_long_statements, dispose_engines
from routing.models import Call
from tests.conftest import PUBLIC_URL, app_with, signed_post

CALL = "CA" + "7" * 32


def show(connection: sa.Connection, name: str) -> str:
    return connection.exec_driver_sql(f"SHOW {name}").scalar()


def test_every_connection_of_the_app_carries_the_limits(app, backend):
    for engine in (context.engine(app), context.autocommit_engine(app)):
        assert engine.pool.timeout() == 2  # type: ignore[attr-defined]
        with engine.connect() as connection:
            if backend == "postgresql":
                assert show(connection, "statement_timeout") == "5s"
                assert show(connection, "lock_timeout") == "2s"
            else:
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


def test_the_limits_follow_the_settings(database_url, backend, tmp_path):
    tuned = app_with(
        database_url,
        tmp_path,
        db_statement_timeout_seconds=1.5,
        db_lock_timeout_seconds=0.25,
        db_pool_timeout_seconds=0.5,
        sqlite_busy_timeout_seconds=0.75,
    )
    engine = context.engine(tuned)
    try:
        assert engine.pool.timeout() == 0.5  # type: ignore[attr-defined]
        with engine.connect() as connection:
            if backend == "postgresql":
                assert show(connection, "statement_timeout") == "1500ms"
                assert show(connection, "lock_timeout") == "250ms"
            else:
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 750
    finally:
        dispose_engines(tuned)


def test_maintenance_may_take_longer_for_its_own_transaction(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has no statement limit")
    with app.app_context(), context.sessions(app)() as session:
        allow_long_statements(session)
        assert session.execute(sa.text("SHOW statement_timeout")).scalar() == "10min"
        assert session.execute(sa.text("SHOW lock_timeout")).scalar() == "10min"
        session.commit()
        assert session.execute(sa.text("SHOW statement_timeout")).scalar() == "5s"


def test_a_wait_the_server_never_ends_is_broken_off_at_the_deadline(app, backend):
    """The server keeps the statement running (SQLite: a long count; PostgreSQL: asleep,
    as a frozen server would be): the deadline breaks it off, well before it ends."""
    engine = context.engine(app)
    endless = (
        "SELECT pg_sleep(4)"
        if backend == "postgresql"
        else "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 1e8) "
        "SELECT count(*) FROM n"
    )
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")  # checked out before the deadline starts
        token = deadlines.start(0.5)
        began = time.monotonic()
        try:
            with pytest.raises(sa.exc.OperationalError):
                connection.exec_driver_sql(endless)
        finally:
            deadlines.end(token)
        assert time.monotonic() - began < 2.0
    with engine.connect() as connection:  # the pool hands out a working connection after
        assert connection.exec_driver_sql("SELECT 7").scalar() == 7


def test_no_connection_is_opened_or_handed_out_once_the_time_is_up(app):
    engine = context.engine(app)
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")  # one waits in the pool
    token = deadlines.start(0.0)
    try:
        began = time.monotonic()
        with pytest.raises(sa.exc.TimeoutError, match="time for the database is up"):
            engine.connect()
        dispose_engines(app)  # none left: one would have to be opened
        with pytest.raises(sa.exc.OperationalError, match="time for the database is up"):
            engine.connect()
        assert time.monotonic() - began < 0.5
    finally:
        deadlines.end(token)
    assert deadlines.remaining() is None
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT 1").scalar() == 1


def test_a_request_gives_its_connection_back_while_its_deadline_holds(app, client):
    """Giving a connection back rolls it back: that too waits for the database, and must
    not wait for ever on a frozen one."""
    left_at_checkin: list[float | None] = []
    sa.event.listen(
        context.engine(app).pool,
        "checkin",
        lambda *_: left_at_checkin.append(deadlines.remaining()),
    )
    assert client.get("/open311/v2/requests.json").status_code == 200
    assert left_at_checkin, "the request used no pooled connection"
    assert all(left is not None and left > 0 for left in left_at_checkin), left_at_checkin
    assert deadlines.remaining() is None  # and the deadline ended with the request


def lock_holder(database_url: str, tables: str) -> sa.Connection:
    """Another client's transaction holding ``tables`` (its engine none of the app's: the
    app's deadlines are not its business)."""
    connection = sa.create_engine(database_url, poolclass=sa.pool.NullPool).connect()
    connection.exec_driver_sql("BEGIN")
    connection.exec_driver_sql(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
    return connection


def test_a_lock_held_elsewhere_costs_a_caller_seconds_not_the_whole_budget(app, backend, observer):
    """lock_timeout: a new call whose row waits on a lock someone holds (a migration, a
    stuck maintenance job) hears the apology after the lock limit, and is kept."""
    if backend != "postgresql":
        pytest.skip("SQLite has one writer at a time: its busy timeout is tested above")
    holder = lock_holder(context.settings(app).database_url, "calls")
    try:
        began = time.monotonic()
        arrived = {"CallSid": CALL, "From": "+8613700137000", "To": "12345"}
        answer = signed_post(app.test_client(), "/twilio/voice", arrived)
        took = time.monotonic() - began
    finally:
        holder.exec_driver_sql("ROLLBACK")
        holder.close()
    assert b"<Hangup" in answer.data and answer.headers[spool.SPOOLED_HEADER] == "1"
    assert 1.5 < took < 4.0, took  # the 2 s lock limit, not the 8 s budget
    assert spool.replay(app) == (1, 0)
    assert observer.scalar(sa.select(Call.status).where(Call.call_sid == CALL)) == "ivr"


def test_every_request_is_done_with_the_database_within_its_budget(database_url, backend, tmp_path):
    """A wait the server's own limits would let last (here a lock held elsewhere, the limits
    set long) ends at the request's budget: a webhook's, or a page's, so that no server
    thread waits for ever."""
    if backend != "postgresql":
        pytest.skip("PostgreSQL's locks")
    patient = app_with(
        database_url,
        tmp_path,
        public_url=PUBLIC_URL,
        db_statement_timeout_seconds=60,
        db_lock_timeout_seconds=60,
        webhook_budget_seconds=1,
        request_budget_seconds=2.5,
    )
    client = patient.test_client()
    holder = lock_holder(database_url, "calls, work_orders")
    try:
        began = time.monotonic()
        arrived = {"CallSid": CALL, "From": "+8613700137000", "To": "12345"}
        answer = signed_post(client, "/twilio/voice", arrived)
        webhook_took = time.monotonic() - began
        began = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):  # a 500 page (tests see the error)
            client.get("/open311/v2/requests.json")
        page_took = time.monotonic() - began
    finally:
        holder.exec_driver_sql("ROLLBACK")
        holder.close()
    assert b"<Hangup" in answer.data and 0.9 < webhook_took < 2.0, webhook_took
    assert 2.4 < page_took < 4.0, page_took
    spool.spool_path(patient).unlink(missing_ok=True)
    dispose_engines(patient)


@contextmanager
def silent_database():
    """A port that accepts connections and never answers, as a frozen server does."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        port = listener.getsockname()[1]
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/hotline"


def test_health_answers_within_its_timeout_while_the_database_is_silent(tmp_path):
    with silent_database() as url:
        app = app_with(url, tmp_path)
        client = app.test_client()
        for _ in range(2):  # the second while the first probe still waits to connect
            began = time.monotonic()
            response = client.get("/healthz")
            assert time.monotonic() - began < 1.2
            assert response.status_code == 503
            assert response.get_json()["database"].startswith("error: the database ")
        dispose_engines(app)


def test_webhooks_answer_in_time_while_the_database_is_silent(tmp_path):
    with silent_database() as url:
        app = app_with(url, tmp_path, public_url=PUBLIC_URL)
        answers: list[tuple[float, bytes]] = []

        def call(n: int) -> None:
            began = time.monotonic()
            arrived = {"CallSid": f"CA{n:032x}", "From": "+8613700137000", "To": "12345"}
            response = signed_post(app.test_client(), "/twilio/voice", arrived)
            answers.append((time.monotonic() - began, response.data))

        threads = [threading.Thread(target=call, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(answers) == 4
        assert all(took < 4.0 and b"<Hangup" in body for took, body in answers), answers
        assert len(spool.spool_path(app).read_text().splitlines()) == 4
        dispose_engines(app)
