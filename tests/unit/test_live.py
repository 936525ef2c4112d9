"""The live pages' broker in one process: who hears what, and a burst heard as one."""

from __future__ import annotations

import threading
import time

from hotline.infra.live import EVERYTHING, FRESH, STALE, LocalBroker


def test_a_subscription_hears_only_its_topics_and_a_burst_at_once():
    broker = LocalBroker()
    agent = broker.subscribe({"agent:7", "queue"})
    board = broker.subscribe({"wallboard"})
    broker.publish({"agent:8", "texts"})
    assert agent.wait(0.05) == set()
    broker.publish({"agent:7"})
    broker.publish({"queue", "wallboard"})
    assert agent.wait(0.5) == {"agent:7", "queue"}  # two messages, taken together
    assert board.wait(0.5) == {"wallboard"}
    assert agent.wait(0.05) == set()


def test_everything_stale_and_fresh_reach_every_subscription():
    broker = LocalBroker()
    first, second = broker.subscribe({"agent:1"}), broker.subscribe({"dispatch"})
    for topic in (EVERYTHING, STALE, FRESH):
        broker.deliver([topic])
        assert first.wait(0.5) == {topic}
        assert second.wait(0.5) == {topic}


def test_a_waiting_stream_wakes_when_told_and_a_closed_one_hears_nothing():
    broker = LocalBroker()
    subscription = broker.subscribe({"texts"})
    heard = []
    waiter = threading.Thread(target=lambda: heard.append(subscription.wait(5)))
    started = time.monotonic()
    waiter.start()
    time.sleep(0.05)
    broker.publish({"texts"})
    waiter.join()
    assert heard == [{"texts"}] and time.monotonic() - started < 2
    subscription.close()
    assert broker.listeners() == 0
    broker.publish({"texts"})
    assert subscription.wait(0.05) == set()
