"""Live pages: which topics a committed transaction touched, and who is told.

The pages that follow the hotline as it moves (the agent console, the wallboard, the text
threads, the dispatcher desk) hold one server-sent-event stream each (``/events``). This
module is the one publish/subscribe interface behind them:

- after every flush, :func:`note_changes` names the topics the changed rows touch (an
  agent's own topic, the queue, the wallboard, the text threads, the dispatcher's lists);
- after the (outermost) commit, :func:`committed` publishes them once; a rollback drops them;
- a stream waits on :meth:`LocalBroker.subscribe`'s subscription for its topics.

A message says only *which* topic changed, never what: a page then asks the same JSON or
page it always reads, with the user's own rights. On the embedded default (no Redis) the
broker is in-process. With Redis, every process publishes to Redis and one thread per
process subscribes and fans the messages out to its streams, so a change committed by a
worker on another machine reaches a console served here.

When the broker cannot deliver (Redis down), streams are told ``stale`` and pages poll
until they are told ``fresh`` again (then everything is asked once, for what was missed).
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Iterable
from typing import Any

from flask import has_app_context
from sqlalchemy import inspect, orm

from routing.messaging import Conversation, Message
from routing.models import Agent, Call
from workorders.models import WorkOrder, WorkOrderEvent

log = logging.getLogger(__name__)

PENDING = "live_topics"
CHANNEL_PREFIX = "hotline:live:"
# What a stream is told besides its topics: everything may have changed (``*``), the broker
# cannot deliver (``stale``) or can again (``fresh``).
EVERYTHING = "*"
STALE = "stale"
FRESH = "fresh"
# The topics a page may ask for; ``agent`` is the asking agent's own.
PAGE_TOPICS = ("agent", "queue", "wallboard", "texts", "dispatch")


def agent_topic(agent_id: int) -> str:
    return f"agent:{agent_id}"


# -- which topics a flush touched ---------------------------------------------------------


def note_changes(session: orm.Session, flush_context=None) -> None:
    """After a flush: note the topics of the rows it wrote, for :func:`committed`."""
    topics: set[str] = session.info.setdefault(PENDING, set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        topics.update(_topics_of(instance))


def _topics_of(instance) -> set[str]:
    if isinstance(instance, Agent):
        return {agent_topic(instance.id), "wallboard", "queue"} if instance.id else set()
    if isinstance(instance, Call):
        topics = {"queue", "wallboard"}
        state = inspect(instance)
        for name in ("agent_id", "reserved_agent_id", "consult_agent_id"):
            history = state.attrs[name].history
            for agent_id in (*history.added, *history.unchanged, *history.deleted):
                if agent_id:
                    topics.add(agent_topic(agent_id))
        return topics
    if isinstance(instance, Conversation | Message):
        return {"texts"}
    if isinstance(instance, WorkOrder | WorkOrderEvent):
        return {"dispatch"}
    return set()


# A bulk statement names no rows: it touches every topic of its table.
_BULK_TOPICS = {
    Agent: {EVERYTHING},
    Call: {EVERYTHING},
    Conversation: {"texts"},
    Message: {"texts"},
    WorkOrder: {"dispatch"},
    WorkOrderEvent: {"dispatch"},
}


def note_bulk_changes(state: orm.ORMExecuteState) -> None:
    """On every ORM statement: note the topics of a bulk UPDATE, DELETE or INSERT."""
    if state.is_update or state.is_delete or state.is_insert:
        for mapper in state.all_mappers:
            touched = _BULK_TOPICS.get(mapper.class_)
            if touched:
                state.session.info.setdefault(PENDING, set()).update(touched)


def committed(session: orm.Session) -> None:
    """After the outermost commit: publish what it touched."""
    topics = session.info.pop(PENDING, None)
    if topics:
        publish(topics)


def rolled_back(session: orm.Session) -> None:
    session.info.pop(PENDING, None)


def publish(topics: Iterable[str]) -> None:
    """Tell every stream following one of ``topics``; never fails the caller."""
    if not has_app_context():  # a tool's own session: no page follows it
        return
    try:
        broker().publish(set(topics))
    except Exception:  # the change is committed; pages poll while the broker is away
        log.exception("live topics not published")


# -- brokers --------------------------------------------------------------------------------


class Subscription:
    """What one stream waits on: the topics published since it last asked."""

    def __init__(self, broker: LocalBroker, topics: set[str]) -> None:
        self.topics = topics
        self._broker = broker
        self._inbox: queue.SimpleQueue[str] = queue.SimpleQueue()

    def offer(self, topic: str) -> None:
        if topic in self.topics or topic in (EVERYTHING, STALE, FRESH):
            self._inbox.put(topic)

    def wait(self, timeout: float) -> set[str]:
        """The topics published since the last call, waiting up to ``timeout`` seconds for
        the first; several at once are taken together (a burst is one message)."""
        try:
            fired = {self._inbox.get(timeout=timeout)}
        except queue.Empty:
            return set()
        while True:
            try:
                fired.add(self._inbox.get_nowait())
            except queue.Empty:
                return fired

    def close(self) -> None:
        self._broker.unsubscribe(self)


class LocalBroker:
    """The streams of this process, and the in-process broker of the embedded default."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: set[Subscription] = set()

    @property
    def healthy(self) -> bool:
        return True

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        subscription = Subscription(self, set(topics))
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def deliver(self, topics: Iterable[str]) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for topic in topics:
            for subscription in subscriptions:
                subscription.offer(topic)

    def publish(self, topics: set[str]) -> None:
        self.deliver(topics)

    def listeners(self) -> int:
        with self._lock:
            return len(self._subscriptions)


class RedisBroker(LocalBroker):
    """Publishes to Redis; one thread per process subscribes and delivers to its streams.

    Publishing waits at most half a second for Redis and, once Redis failed, is skipped for
    a few seconds (a webhook must not wait on a dead Redis); the streams poll meanwhile.
    """

    RETRY_SECONDS = 5.0
    TIMEOUT_SECONDS = 0.5
    PING_SECONDS = 4.0

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._client: Any = None
        self._client_pid = 0
        self._down_until = 0.0
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_pid = 0
        self._stop = threading.Event()

    @property
    def healthy(self) -> bool:
        return self._connected.is_set()

    def _redis(self):
        import redis

        if self._client is None or self._client_pid != os.getpid():  # a forked process
            self._client = redis.Redis.from_url(
                self.url,
                socket_timeout=self.TIMEOUT_SECONDS,
                socket_connect_timeout=self.TIMEOUT_SECONDS,
            )
            self._client_pid = os.getpid()
        return self._client

    def publish(self, topics: set[str]) -> None:
        if time.monotonic() < self._down_until:
            return
        try:
            pipe = self._redis().pipeline(transaction=False)
            for topic in sorted(topics):
                pipe.publish(CHANNEL_PREFIX + topic, b"")
            pipe.execute()
        except Exception as exc:
            self._down_until = time.monotonic() + self.RETRY_SECONDS
            log.warning("live topics not published, Redis unreachable: %s", exc)

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        self._start_listening()
        subscription = super().subscribe(topics)
        if not self.healthy:
            subscription.offer(STALE)
        return subscription

    def _start_listening(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
            self._connected = threading.Event()
            self._thread = threading.Thread(target=self._listen, name="live-redis", daemon=True)
            self._thread.start()
        self._connected.wait(1.0)  # the first stream of a process: give Redis a moment

    def _listen(self) -> None:
        import redis

        pause = 1.0
        while not self._stop.is_set():
            client = redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=5)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.psubscribe(CHANNEL_PREFIX + "*")
                pubsub.ping()  # its answer says the subscription is on
                heard = pinged = time.monotonic()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    now = time.monotonic()
                    if message is not None:
                        heard = now
                        if not self._connected.is_set():  # Redis answers: subscribed
                            self._connected.set()
                            self.deliver([FRESH])  # what was published while away is asked
                            pause = 1.0
                    if message and message["type"] == "pmessage":
                        channel = message["channel"].decode()
                        self.deliver([channel.removeprefix(CHANNEL_PREFIX)])
                    # A Redis that is frozen says nothing: it is asked, and given up on.
                    if now - pinged >= self.PING_SECONDS:
                        pubsub.ping()
                        pinged = now
                    if now - heard > 2.5 * self.PING_SECONDS:
                        raise redis.ConnectionError("Redis does not answer")
            except Exception as exc:  # Redis went away: tell the streams, then try again
                if self._connected.is_set():
                    log.warning("live updates: Redis unreachable, pages poll: %s", exc)
                    self._connected.clear()
                    self.deliver([STALE])
                self._stop.wait(pause)
                pause = min(pause * 2, 30.0)
            finally:
                try:
                    pubsub.close()
                    client.close()
                except Exception:
                    pass

    def stop(self) -> None:
        self._stop.set()


_brokers: dict[str | None, LocalBroker] = {}
_brokers_lock = threading.Lock()


def broker(redis_url: str | None = None, *, from_settings: bool = True) -> LocalBroker:
    """This process's broker: in-process without Redis, Redis pub/sub with it."""
    if from_settings and redis_url is None:
        from hotline.infra import context

        redis_url = context.settings().redis_url
    with _brokers_lock:
        found = _brokers.get(redis_url)
        if found is None:
            found = RedisBroker(redis_url) if redis_url else LocalBroker()
            _brokers[redis_url] = found
        return found
