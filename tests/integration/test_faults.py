"""Parts that fail: Redis down, a worker killed mid-job, a job that keeps failing.

Real Redis, real rq workers in their own processes, the real database; the only fake is the
outer edge (what Twilio's REST API answers).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from redis import Redis
from rq import Queue

from hotline.db import utcnow
from hotline.infra import context, jobs
from hotline.infra.gateway import GatewayError, LocalGateway
from hotline.tasks import texts as tasks
from routing import messaging
from routing.messaging import Message
from routing.models import Call
from routing.numberplan import to_e164
from tests.conftest import (
    PUBLIC_URL,
    TWILIO_TOKEN,
    app_with,
    override,
    signed_post,
)

HOTLINE = Path(sys.executable).parent / "hotline"
ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "redis://127.0.0.1:9/0"  # nothing listens there: Redis is down
PHONE = "13800138000"
# How long a worker gets for what it has to do. A loaded machine makes everything slower,
# never wrong, so these only end a test that would otherwise hang.
DEADLINE = 300


def make_app(database_url, redis_url, tmp_path):
    return app_with(database_url, tmp_path, redis_url=redis_url, public_url=PUBLIC_URL)


def worker_env(database_url, redis_url, tmp_path) -> dict:
    return {
        **os.environ,
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_REDIS_URL": redis_url,
        "HOTLINE_INSTANCE_PATH": str(tmp_path),
        "HOTLINE_PUBLIC_URL": PUBLIC_URL,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",  # its log is complete whenever the test reads it
    }


def outbox_rows(app) -> list[jobs.OutboxJob]:
    with context.sessions(app)() as session:
        return session.scalars(sa.select(jobs.OutboxJob)).all()


def texts_to(gateway, number=PHONE) -> list[dict]:
    return [r for r in gateway.sent() if r["kind"] == "sms" and r["to"] == to_e164(number)]


@pytest.fixture
def fresh_redis(redis_url):
    """The test's Redis database emptied: no job, scheduler lock or worker that an earlier
    test left behind (a stale job could take the place of this test's)."""
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    connection.close()
    return redis_url


def wait_for(what: str, happened, worker: subprocess.Popen, log: Path) -> None:
    """Wait until ``happened()``; fail, with the worker's log, if the worker exits first or
    it takes longer than DEADLINE."""
    deadline = time.monotonic() + DEADLINE
    while not happened():
        if worker.poll() is not None:
            exited = f"the worker exited ({worker.returncode})"
            pytest.fail(f"{exited} before {what}:\n{log.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {DEADLINE}s:\n{log.read_text()}")
        time.sleep(0.2)


def stop(worker: subprocess.Popen) -> None:
    """A warm shutdown (SIGTERM), then SIGKILL to what is left of its process group (work
    horse, scheduler), so that nothing of it outlives the test."""
    worker.terminate()
    try:
        worker.wait(timeout=DEADLINE)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


@pytest.mark.redis
@pytest.mark.slow
def test_with_redis_down_calls_and_texts_are_answered_and_jobs_go_out_once_it_is_back(
    database_url, fresh_redis, tmp_path, cleanup
):
    redis_url = fresh_redis
    app = make_app(database_url, NOWHERE, tmp_path)
    cleanup(app)
    client = app.test_client()

    # A call is answered, goes through the menu and waits in the queue.
    call = {"CallSid": "CA" + "d" * 32}
    answer = signed_post(client, "/twilio/voice", {**call, "From": "+8613700137000", "To": "12345"})
    assert answer.status_code == 200 and b"<Gather" in answer.data
    signed_post(client, "/twilio/voice/language", {**call, "Digits": "1"})
    queued = signed_post(client, "/twilio/voice/menu", {**call, "Digits": "1"})
    assert queued.status_code == 200 and b"<Enqueue" in queued.data
    with context.sessions(app)() as session:
        status = session.scalar(sa.select(Call.status).where(Call.call_sid == call["CallSid"]))
    assert status == "queued"

    # A text is answered too (TwiML), and its reply waits in the outbox, not lost.
    params = {"MessageSid": "SM" + "d" * 32, "From": "+86" + PHONE, "To": "12345"}
    reply = signed_post(client, "/twilio/sms", {**params, "Body": "路灯坏了好几天了"})
    assert reply.status_code == 200, reply.data
    waiting = outbox_rows(app)
    assert waiting and {job.name for job in waiting} >= {"send_text"}
    gateway = context.gateway(app)
    assert texts_to(gateway) == []

    # They are due at once, and while Redis stays down the relay keeps them.
    factory = context.sessions(app)
    with app.app_context():
        assert jobs.relay(factory) == (0, len(waiting))
    assert len(outbox_rows(app)) == len(waiting)

    # Redis is back: a worker starts, hands every waiting job over, and sends each text once.
    connection = Redis.from_url(redis_url)
    with factory() as session:  # (rather than wait for the relay's next round)
        session.execute(sa.update(jobs.OutboxJob).values(next_attempt_at=utcnow()))
        session.commit()
    worker = subprocess.run(
        [str(HOTLINE), "worker", "--burst"],
        env=worker_env(database_url, redis_url, tmp_path),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert worker.returncode == 0, worker.stderr
    assert outbox_rows(app) == []
    assert sum(Queue(name, connection=connection).count for name in jobs.QUEUES) == 0
    with factory() as session:
        replies = session.scalars(sa.select(Message).where(Message.direction == "out")).all()
    assert replies and all(m.status == "sent" and m.sid for m in replies)
    sent = texts_to(gateway)
    assert sorted(r["sid"] for r in sent) == sorted(m.sid for m in replies)  # each once


@pytest.mark.redis
@pytest.mark.slow
def test_a_worker_killed_right_after_sending_does_not_send_the_text_twice(
    database_url, fresh_redis, tmp_path, cleanup
):
    app = make_app(database_url, fresh_redis, tmp_path)
    cleanup(app)
    factory = context.sessions(app)
    with app.app_context(), factory() as session:
        conversation = messaging.conversation_for(session, PHONE)
        message = messaging.queue_reply(session, conversation, "您的工单已受理。")
        jobs.enqueue(session, "send_text", message.id)
        session.commit()
        message_id = message.id
    (handed,) = outbox_rows(app)  # handed over to rq, kept until the job has finished
    assert handed.handed_at is not None and handed.handed_job

    def status() -> str:
        with factory() as session:
            return session.get(Message, message_id).status

    marker = tmp_path / "horse-killed"
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.dying_worker", str(marker)],
            env=worker_env(database_url, fresh_redis, tmp_path),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, for stop()
        )
    try:
        # The job's process dies right after the provider accepted the text; rq retries the
        # job (after its first back-off), and the retry finds the text already sent.
        wait_for("the work horse's death after the send", marker.exists, worker, log)
        wait_for("the retry's recording of the text", lambda: status() == "sent", worker, log)
    finally:
        stop(worker)
    output = log.read_text()
    assert "Work-horse terminated unexpectedly" in output
    assert outbox_rows(app) == []  # the retry finished: its row removed
    with factory() as session:
        message = session.get(Message, message_id)
        assert (message.status, message.attempts) == ("sent", 1), output
    (sent,) = texts_to(context.gateway(app))  # exactly once
    assert sent["sid"] == message.sid == marker.read_text()


class BrokenGateway(LocalGateway):
    """Twilio refuses every text (the outer edge failing)."""

    def send_sms(self, to, body, status_callback=None):
        raise GatewayError("Twilio answered 503")


def test_an_in_process_job_that_fails_is_retried_from_the_outbox_then_given_up(
    app, session, gateway
):
    context.provide(app, context.GATEWAY, BrokenGateway(gateway.path, gateway.from_number))
    conversation = messaging.conversation_for(session, PHONE)
    message = messaging.queue_reply(session, conversation, "请稍候。")
    jobs.enqueue(session, "send_text", message.id)
    session.commit()  # runs in-process at once, fails, stays in the outbox
    (job,) = outbox_rows(app)
    assert (job.name, job.args, job.attempts, job.failed_at) == ("send_text", [message.id], 0, None)

    factory = context.sessions(app)
    now = job.next_attempt_at
    retries = jobs.JOBS["send_text"].retries
    for attempt in range(1, retries + 1):
        assert jobs.relay(factory, now=now) == (0, 1)
        (job,) = outbox_rows(app)
        assert job.attempts == attempt and "503" in job.last_error
        assert job.next_attempt_at > now  # backing off
        now = job.next_attempt_at
    assert job.failed_at is None
    jobs.relay(factory, now=now)
    (job,) = outbox_rows(app)
    assert job.failed_at is not None  # given up: kept for someone to look at
    assert jobs.relay(factory, now=now + timedelta(days=1)) == (0, 0)

    # Twilio works again: the same job, handed over afresh, sends the text once.
    context.provide(app, context.GATEWAY, gateway)
    tasks.send_text(message.id)
    tasks.send_text(message.id)
    assert [r["body"] for r in texts_to(gateway)] == ["请稍候。"]


def test_a_claimed_text_is_reconciled_with_the_provider_before_it_is_sent_again(
    app, session, gateway
):
    conversation = messaging.conversation_for(session, PHONE)
    went_out = messaging.queue_reply(session, conversation, "已为您转办。")
    lost = messaging.queue_reply(session, conversation, "请保持电话畅通。")
    fresh = messaging.queue_reply(session, conversation, "稍后回电。")
    long_ago = utcnow() - tasks.SEND_LEASE - timedelta(seconds=1)
    for message in (went_out, lost):  # both claimed by an attempt that died
        message.status, message.claimed_at, message.attempts = "sending", long_ago, 1
    fresh.status, fresh.claimed_at = "sending", utcnow()  # another attempt is on it now
    session.commit()
    earlier_sid = gateway.send_sms(PHONE, "已为您转办。")  # the first one got through

    tasks.send_text(went_out.id)
    tasks.send_text(lost.id)
    with pytest.raises(tasks.StillSending):
        tasks.send_text(fresh.id)

    session.expire_all()
    assert (went_out.status, went_out.sid, went_out.attempts) == ("sent", earlier_sid, 1)
    assert (lost.status, lost.attempts) == ("sent", 2)
    assert fresh.status == "sending" and fresh.sid is None
    bodies = [r["body"] for r in texts_to(gateway)]
    assert bodies == ["已为您转办。", "请保持电话畅通。"]  # nothing sent twice


def test_the_monitor_rate_limit_counts_in_the_database_while_redis_is_down(app, session):
    from hotline.infra import ratelimit
    from hotline.infra.tokens import create_token

    override(app, redis_url=NOWHERE)
    override(app, api_rate_limit=2)
    token, _secret = create_token(session, role="monitor", name="auditor")
    session.commit()
    with app.test_request_context():
        results = [ratelimit.retry_after(session, token) for _ in range(3)]
    assert results[:2] == [None, None] and results[2] > 0
