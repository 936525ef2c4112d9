"""``/events``: the server-sent-event stream a live page follows (see hotline.infra.live).

A page asks for its topics (``?topic=agent&topic=queue``); the stream says which of them
changed (``event: change``, data a JSON list of topic names), and ``stale`` or ``fresh``
when the broker cannot or can again deliver. A page that is told something changed asks
its JSON as it always did; the stream carries no data of its own, so it needs no rights
beyond the topic's.

Each stream holds one server thread, waits without a database connection and ends after
a few minutes (the browser reconnects at once, and the login is checked again). Past the
process's limit of streams a page is answered 503 and polls instead.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator, Iterator

from flask import Blueprint, Response, abort, request
from flask_login import current_user

from hotline.infra import context, live
from hotline.infra.database import get_session
from routing import services as routing

bp = Blueprint("live", __name__)

# Who may follow which topic (admins follow everything but an agent's own).
TOPIC_ROLES = {
    "agent": ("agent", "supervisor"),
    "queue": ("agent", "supervisor"),
    "wallboard": ("supervisor",),
    "texts": ("agent", "supervisor"),
    "dispatch": ("supervisor",),
}
HEARTBEAT_SECONDS = 15.0
LIFETIME_SECONDS = 300.0

_open = 0
_open_lock = threading.Lock()


@bp.get("/events")
def events():
    if not current_user.is_authenticated:
        abort(401)
    role = current_user.role
    if role != "admin" and not any(role in roles for roles in TOPIC_ROLES.values()):
        abort(403)
    names = sorted(set(request.args.getlist("topic")))
    if not names or any(name not in TOPIC_ROLES for name in names):
        abort(400, "unknown topic")
    channels = {}
    for name in names:
        if role not in TOPIC_ROLES[name] and not (role == "admin" and name != "agent"):
            abort(403)
        if name == "agent":
            agent = routing.agent_for_user(get_session(), current_user.id)
            if agent is None:
                abort(403, "this login has no agent seat")
            channels[live.agent_topic(agent.id)] = name
        else:
            channels[name] = name
    # A server with one request at a time per process (gunicorn's sync workers) would give a
    # whole process to each stream: its pages poll instead.
    single = not request.environ.get("wsgi.multithread", True)
    if single and request.environ.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        return _polling("this server takes one request at a time per process; polling")
    if not _take_slot():
        return _polling("too many live pages; polling")
    get_session().close()  # the stream waits without a database connection
    broker = live.broker()
    response = Response(
        _Stream(broker, broker.subscribe(channels), channels), mimetype="text/event-stream"
    )
    response.headers["Cache-Control"] = "no-cache, no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy must not hold the stream back
    return response


def _polling(reason: str) -> Response:
    response = Response(reason, status=503, mimetype="text/plain")
    response.headers["Retry-After"] = "30"
    return response


def _take_slot() -> bool:
    global _open
    with _open_lock:
        if _open >= context.settings().live_streams:
            return False
        _open += 1
        return True


def _give_slot() -> None:
    global _open
    with _open_lock:
        _open -= 1


def _message(kind: str, data: object = "") -> str:
    return f"event: {kind}\ndata: {json.dumps(data)}\n\n"


class _Stream:
    """The stream's body; closing it (the server does, also when the browser left before the
    first line) gives its subscription and its slot back, once."""

    def __init__(
        self, broker: live.LocalBroker, subscription: live.Subscription, channels: dict[str, str]
    ) -> None:
        self._broker = broker
        self._subscription = subscription
        self._channels = channels
        self._lines = self._messages()
        self._closed = False

    def __iter__(self) -> Iterator[str]:
        return self._lines

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._lines.close()
            self._subscription.close()
            _give_slot()

    def _messages(self) -> Generator[str, None, None]:
        channels = self._channels
        everything = sorted(set(channels.values()))
        # Reconnect soon after the stream ends; then the page's state as of now.
        yield "retry: 1000\n" + _message("fresh" if self._broker.healthy else "stale", everything)
        ends = time.monotonic() + LIFETIME_SECONDS
        while (left := ends - time.monotonic()) > 0:
            fired = self._subscription.wait(min(HEARTBEAT_SECONDS, left))
            if not fired:
                yield ": still here\n\n"
                continue
            if live.STALE in fired:
                yield _message("stale")
            if live.FRESH in fired:
                yield _message("fresh", everything)
            if live.EVERYTHING in fired:
                yield _message("change", everything)
                continue
            changed = sorted({channels[topic] for topic in fired if topic in channels})
            if changed:
                yield _message("change", changed)
