"""Background jobs under faults: a private Redis killed, restarted empty and paused, a worker
killed whole or only its job process, before and after the provider accepted a text.

A private redis-server on a free port (never the shared one), real `hotline worker`
processes, the real database; the provider is the local gateway, which records every text
it accepted. Every text must reach it exactly once, and the outbox must end empty.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from hotline.infra import context, jobs
from routing import messaging
from routing.messaging import Message
from tests.conftest import override
from tests.integration.test_faults import (
    HOTLINE,
    PHONE,
    ROOT,
    make_app,
    outbox_rows,
    stop,
    texts_to,
    worker_env,
)

DEADLINE = 60
LEASE = "2"  # seconds: a job handed to rq is checked on after this long


def leased(database_url, private_redis, tmp_path, cleanup):
    """A worker's environment and the test's app, both with the short job lease; the
    worker's log."""
    env = {
        **worker_env(database_url, private_redis.url, tmp_path),
        "HOTLINE_JOB_LEASE_SECONDS": LEASE,
    }
    app = make_app(database_url, private_redis.url, tmp_path)
    override(app, job_lease_seconds=int(LEASE))
    cleanup(app)
    return env, app, tmp_path / "worker.log"


def queue_texts(app, bodies: list[str]) -> list[int]:
    ids = []
    with app.app_context(), context.sessions(app)() as session:
        conversation = messaging.conversation_for(session, PHONE)
        for body in bodies:
            message = messaging.queue_reply(session, conversation, body)
            session.flush()
            jobs.enqueue(session, "send_text", message.id)
            ids.append(message.id)
        session.commit()
    return ids


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with log.open("a") as output:
        return subprocess.Popen(
            command,
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_sent(app, ids: list[int], log: Path, worker=None) -> None:
    deadline = time.monotonic() + DEADLINE
    while True:
        with context.sessions(app)() as session:
            statuses = session.scalars(sa.select(Message.status).where(Message.id.in_(ids))).all()
        if all(status == "sent" for status in statuses) and not outbox_rows(app):
            return
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"the worker exited ({worker.returncode}):\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"texts {statuses} not all sent in {DEADLINE}s:\n{log.read_text()}")
        time.sleep(0.2)


def assert_each_once(app, bodies: list[str]) -> None:
    sent = [r["body"] for r in texts_to(context.gateway(app))]
    assert sorted(sent) == sorted(bodies)  # every one, none twice
    assert outbox_rows(app) == []


@pytest.mark.redis
@pytest.mark.slow
def test_the_worker_outlives_redis_and_no_job_is_lost_when_it_restarts_empty(
    database_url,
    private_redis,
    tmp_path,
    cleanup,
):
    env, app, log = leased(database_url, private_redis, tmp_path, cleanup)

    # Handed to rq, then Redis dies and comes back empty: the queued jobs are gone from it.
    first = ["一号：已受理。", "二号：已受理。"]
    ids = queue_texts(app, first)
    assert all(row.handed_at is not None for row in outbox_rows(app))
    private_redis.kill()
    private_redis.start(empty=True)
    worker = start([str(HOTLINE), "worker"], env, log)
    try:
        wait_until_sent(app, ids, log, worker)  # the relay handed them over again

        # Redis killed under a running worker: it stays up, and works again once Redis is back.
        private_redis.kill()
        time.sleep(3)
        assert worker.poll() is None, log.read_text()
        during = ["三号：Redis 停了也不丢。"]
        ids += queue_texts(app, during)  # waits in the outbox
        private_redis.start(empty=True)
        wait_until_sent(app, ids, log, worker)

        # Redis paused (SIGSTOP): a commit's hand-over times out, the job waits, then goes.
        private_redis.signal(signal.SIGSTOP)
        paused = ["四号：Redis 暂停。"]
        ids += queue_texts(app, paused)
        private_redis.signal(signal.SIGCONT)
        wait_until_sent(app, ids, log, worker)
    finally:
        stop(worker)
    assert_each_once(app, first + during + paused)


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.parametrize(
    "who, when", [("worker", "after"), ("worker", "before"), ("horse", "before")]
)
def test_a_text_in_flight_is_sent_once_when_its_worker_is_killed(
    database_url,
    private_redis,
    tmp_path,
    cleanup,
    who,
    when,
):
    env, app, log = leased(database_url, private_redis, tmp_path, cleanup)
    body = f"在途短信（{who}/{when}）"
    ids = queue_texts(app, [body])
    marker = tmp_path / "killed"
    dying = start([sys.executable, "-m", "tests.dying_worker", str(marker), who, when], env, log)
    deadline = time.monotonic() + DEADLINE
    while not marker.exists():
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)
    if who == "worker":
        dying.wait(timeout=DEADLINE)  # the whole worker is gone
        worker = start([str(HOTLINE), "worker"], env, log)
    else:
        worker = dying
    killed_at = time.monotonic()
    try:
        wait_until_sent(app, ids, log, worker)
    finally:
        stop(worker)
    assert time.monotonic() - killed_at < 60  # recovered within a minute of the death
    assert_each_once(app, [body])
