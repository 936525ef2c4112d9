"""``/events``: who may follow which topic, and what the stream says."""

from __future__ import annotations

import pytest

from hotline.infra import context, live
from tests.conftest import login, override
from tests.factories import PASSWORD, make_agent, make_user

pytestmark = pytest.mark.db


def first_lines(response, count: int) -> list[str]:
    """The stream's first ``count`` messages (blank-line separated), then it is closed."""
    messages, buffer = [], ""
    chunks = iter(response.response)
    while len(messages) < count:
        buffer += next(chunks).decode()
        while "\n\n" in buffer:
            message, buffer = buffer.split("\n\n", 1)
            messages.append(message)
    response.close()
    return messages


def test_a_stream_starts_fresh_and_says_which_topic_changed(app, client, session):
    user, agent = make_agent(session)
    session.commit()
    login(client, user.username, PASSWORD)
    response = client.get("/events?topic=agent&topic=queue")
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"].startswith("no-cache")
    with app.app_context():
        live.broker().publish({"texts"})  # not followed: never said
        live.broker().publish({f"agent:{agent.id}"})
    hello, change = first_lines(response, 2)
    assert hello == 'retry: 1000\nevent: fresh\ndata: ["agent", "queue"]'
    assert change == 'event: change\ndata: ["agent"]'
    with app.app_context():
        assert live.broker().listeners() == 0  # closing the stream let go of it


@pytest.mark.parametrize(
    ("role", "topics", "status"),
    [
        ("department", "dispatch", 403),
        ("monitor", "wallboard", 403),
        ("agent", "dispatch", 403),
        ("agent", "wallboard", 403),
        ("agent", "nonsense", 400),
        ("agent", "", 400),
        ("admin", "agent", 403),  # an admin has no seat
        ("supervisor", "dispatch", 200),
        ("admin", "wallboard", 200),
    ],
)
def test_who_may_follow_what(app, client, session, role, topics, status):
    if role in ("agent", "supervisor"):
        user, _ = make_agent(session, role=role)
    else:
        user = make_user(session, role, unit_code="GZ-RSJ" if role == "department" else None)
    session.commit()
    login(client, user.username, PASSWORD)
    query = "&".join(f"topic={topic}" for topic in topics.split(",") if topic)
    response = client.get(f"/events?{query}")
    assert response.status_code == status
    response.close()


def test_anonymous_is_refused_and_past_the_limit_pages_poll(app, client, session):
    assert client.get("/events?topic=queue").status_code == 401
    user, _ = make_agent(session)
    session.commit()
    login(client, user.username, PASSWORD)
    override(app, live_streams=1)
    first = client.get("/events?topic=queue")
    assert first.status_code == 200
    second = client.get("/events?topic=queue")
    assert second.status_code == 503 and second.headers["Retry-After"]
    first.close()
    third = client.get("/events?topic=queue")
    assert third.status_code == 200  # the slot was given back
    third.close()
    assert context.settings(app).live_streams == 1
