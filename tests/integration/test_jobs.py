"""Jobs run after commit: in-process by default, by a real rq worker when Redis is set."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue

from hotline.infra import context, jobs
from tests.conftest import PUBLIC_URL, TWILIO_TOKEN, app_with, empty_transactional_tables
from tests.factories import open_order
from workorders import services
from workorders.models import WorkOrder

HOTLINE = Path(sys.executable).parent / "hotline"


def file_order(session) -> WorkOrder:
    """A work order whose citizen is to be texted its number once it is committed."""
    order = open_order(session, actor=services.SYSTEM)
    jobs.enqueue(session, "notify_work_order_filed", order.id)
    return order


def test_a_job_runs_in_process_once_its_transaction_commits(app, session, gateway):
    order = file_order(session)
    assert gateway.sent() == []  # not before the commit
    session.commit()
    (sms,) = gateway.sent()
    assert sms["to"] == "+8613800138000"
    assert order.number in sms["body"]


def test_a_job_is_dropped_when_its_transaction_rolls_back(app, session, gateway):
    file_order(session)
    session.rollback()
    session.commit()
    assert gateway.sent() == []


def test_an_unknown_job_is_refused_at_once(session):
    with pytest.raises(KeyError):
        jobs.enqueue(session, "no_such_job", 1)


@pytest.mark.redis
@pytest.mark.slow
def test_a_real_rq_worker_runs_the_job_exactly_once(database_url, redis_url, tmp_path):
    app = app_with(database_url, tmp_path, redis_url=redis_url, public_url=PUBLIC_URL)
    connection = Redis.from_url(redis_url)
    try:
        with app.app_context():
            with context.sessions(app)() as session:
                order = file_order(session)
                session.commit()
            queue = Queue("messages", connection=connection)
            assert queue.count == 1  # queued on Redis, not run in this process
            gateway = context.gateway(app)
            assert gateway.sent() == []

            env = {
                **os.environ,
                "HOTLINE_DATABASE_URL": database_url,
                "HOTLINE_REDIS_URL": redis_url,
                "HOTLINE_INSTANCE_PATH": str(tmp_path),
                "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            }
            worker = subprocess.run(
                [str(HOTLINE), "worker", "--burst"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert worker.returncode == 0, worker.stderr
            assert queue.count == 0
            (sms,) = gateway.sent()
            assert order.number in sms["body"]
            with context.sessions(app)() as session:
                stored = session.scalar(sa.select(WorkOrder).where(WorkOrder.id == order.id))
                assert stored.notified_at is not None

            # The same job delivered again (a retry) sends nothing more.
            queue.enqueue_call("hotline.tasks.workorders.notify_work_order_filed", args=(order.id,))
            again = subprocess.run(
                [str(HOTLINE), "worker", "--burst"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert again.returncode == 0, again.stderr
            assert len(gateway.sent()) == 1
    finally:
        connection.flushdb()
        connection.close()
        engine = context.engine(app)
        empty_transactional_tables(engine)
        engine.dispose()


def test_the_worker_command_explains_that_redis_is_needed(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "HOTLINE_REDIS_URL is not set" in result.output


def test_a_savepoint_inside_the_transaction_does_not_release_the_job(app, session, gateway):
    order = file_order(session)
    with session.begin_nested():
        order.address = "天河路 1 号"
    assert gateway.sent() == []  # the savepoint is not the commit
    session.commit()
    assert len(gateway.sent()) == 1
