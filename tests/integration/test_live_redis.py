"""The live pages across processes: Redis pub/sub, and a Redis that dies or freezes.

Two brokers stand for two processes (a web server and a worker, or two machines); a private
redis-server is killed, restarted and SIGSTOPped under them. A change published on one is
heard on the other; while Redis is away the streams are told ``stale`` (their pages poll),
publishing never holds the caller up, and once Redis is back they are told ``fresh``.
"""

from __future__ import annotations

import signal
import time

import pytest

from hotline.infra.live import FRESH, STALE, RedisBroker

pytestmark = pytest.mark.slow


def heard_within(subscription, wanted: str, seconds: float = 10) -> set[str]:
    deadline = time.monotonic() + seconds
    heard: set[str] = set()
    while wanted not in heard and time.monotonic() < deadline:
        heard |= subscription.wait(0.2)
    assert wanted in heard, f"{wanted!r} not heard within {seconds} s (heard {heard})"
    return heard


@pytest.fixture
def brokers(private_redis):
    """A web process's broker and a worker's, on the private Redis (whose fixture continues
    and kills a Redis a test left stopped)."""
    web, worker = RedisBroker(private_redis.url), RedisBroker(private_redis.url)
    yield web, worker
    web.stop()
    worker.stop()


def test_a_change_published_in_one_process_is_heard_in_another(brokers):
    web, worker = brokers
    console = web.subscribe({"agent:4", "queue"})
    assert web.healthy  # the first stream waited for the subscription
    worker.publish({"agent:4", "texts"})
    assert heard_within(console, "agent:4") == {"agent:4"}
    assert console.wait(0.3) == set()  # "texts" is not this stream's


def test_redis_killed_then_back_stale_then_fresh_and_publishing_never_waits(private_redis, brokers):
    web, worker = brokers
    console = web.subscribe({"queue"})
    assert web.healthy

    private_redis.kill()
    heard_within(console, STALE)
    started = time.monotonic()
    for _ in range(20):  # twenty commits while Redis is gone
        worker.publish({"queue"})
    assert time.monotonic() - started < 2 * RedisBroker.TIMEOUT_SECONDS + 0.5
    assert not web.healthy

    private_redis.start()
    heard_within(console, FRESH, seconds=40)  # the listener's back-off is at most 30 s
    assert web.healthy
    time.sleep(RedisBroker.RETRY_SECONDS)  # the publisher tries Redis again after this
    worker.publish({"queue"})
    heard_within(console, "queue")


def test_a_frozen_redis_does_not_hold_a_commit_up(private_redis, brokers):
    web, worker = brokers
    console = web.subscribe({"queue"})
    assert web.healthy
    worker.publish({"queue"})  # connected before the freeze
    heard_within(console, "queue")
    private_redis.signal(signal.SIGSTOP)
    started = time.monotonic()
    worker.publish({"queue"})
    worker.publish({"queue"})
    assert time.monotonic() - started < RedisBroker.TIMEOUT_SECONDS + 0.5
    # Redis says nothing now: the streams are told to poll, and told when it is back.
    heard_within(console, STALE, seconds=3 * RedisBroker.PING_SECONDS + 5)
    private_redis.signal(signal.SIGCONT)
    heard_within(console, FRESH, seconds=40)
