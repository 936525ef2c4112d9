"""Which live topics a committed change tells, whatever path made it (a service, a webhook,
a job), and that a rolled-back change tells nothing."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from hotline.infra import live
from hotline.services import agents
from routing import messaging
from tests.factories import make_agent, make_call, open_order

pytestmark = pytest.mark.db


@contextmanager
def listening(app, *topics: str):
    with app.app_context():
        subscription = live.broker().subscribe(set(topics))
        try:
            yield subscription
        finally:
            subscription.close()


def test_an_agent_changing_state_tells_their_own_topic_and_the_boards(app, session):
    _, agent = make_agent(session, {"general": 1})
    session.commit()
    with listening(app, f"agent:{agent.id}", "wallboard", "queue", "texts") as heard:
        agents.choose_state(session, agent.id, "available")
        assert heard.wait(1) == {f"agent:{agent.id}", "wallboard", "queue"}


def test_a_rolled_back_change_tells_nothing(app, session):
    _, agent = make_agent(session, {"general": 1})
    session.commit()
    with listening(app, f"agent:{agent.id}", "wallboard", "queue") as heard:
        agent.state = "break"
        session.flush()
        session.rollback()
        assert heard.wait(0.2) == set()


def test_a_text_tells_the_threads(app, session):
    with listening(app, "texts", "dispatch", "queue") as heard:
        messaging.conversation_for(session, "+8613700000000")
        session.commit()
        assert heard.wait(1) == {"texts"}


def test_a_work_order_tells_the_dispatcher_and_a_call_its_agents(app, session):
    (_, first), (_, second) = make_agent(session), make_agent(session)
    session.commit()
    with listening(app, "dispatch", "queue", f"agent:{first.id}", f"agent:{second.id}") as heard:
        open_order(session)
        session.commit()
        assert heard.wait(1) == {"dispatch"}

        call = make_call(session, status="queued", reserved_agent_id=first.id)
        session.commit()
        assert heard.wait(1) == {"queue", f"agent:{first.id}"}
        call.reserved_agent_id = second.id  # the offer moves on: both consoles are told
        session.commit()
        assert heard.wait(1) == {"queue", f"agent:{first.id}", f"agent:{second.id}"}
