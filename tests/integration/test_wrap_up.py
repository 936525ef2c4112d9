"""Wrap-up: what became of the call, said when the agent is ready, and the wrap-up limit
after which the agent is offered the next call anyway."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.db import utcnow
from hotline.infra import context
from hotline.services import agents
from hotline.services.calls import keep_queues_moving
from routing.errors import UnknownWrapUpReason
from routing.models import Agent, Call, WrapUpReason
from routing.services.agents import set_state
from tests.conftest import override
from tests.factories import make_agent, make_call

pytestmark = pytest.mark.db


def in_wrap_up(session, since):
    """An agent who finished a call at ``since`` and is wrapping it up."""
    _, agent = make_agent(session, {"general": 1})
    call = make_call(
        session, status="completed", agent_id=agent.id, answered_at=since, ended_at=since
    )
    set_state(session, agent, "wrap_up", since)
    session.commit()
    return agent, call


def test_ready_with_a_reason_records_it_on_the_call(app, session):
    agent, call = in_wrap_up(session, utcnow() - timedelta(seconds=20))
    agents.choose_state(session, agent.id, "available", "order_filed")
    session.refresh(call)
    assert call.wrap_up_code == "order_filed"
    assert 19 <= call.wrap_up_seconds <= 25
    assert session.get(Agent, agent.id).state == "available"


@pytest.mark.parametrize("code", ["no_such_reason", "retired"])
def test_a_reason_that_is_not_the_centers_is_refused_and_nothing_changes(app, session, code):
    session.add(WrapUpReason(code="retired", name="旧原因", active=False))
    agent, call = in_wrap_up(session, utcnow())
    with pytest.raises(UnknownWrapUpReason):
        agents.choose_state(session, agent.id, "available", code)
    session.rollback()
    assert session.get(Agent, agent.id).state == "wrap_up"
    assert session.get(Call, call.id).wrap_up_code is None
    session.delete(session.get(WrapUpReason, "retired"))
    session.commit()


def test_past_the_limit_the_agent_is_offered_the_waiting_call(app, session):
    override(app, wrap_up_limit_seconds=30)
    agent, call = in_wrap_up(session, utcnow() - timedelta(seconds=31))
    fresh, _ = in_wrap_up(session, utcnow() - timedelta(seconds=5))
    waiting = make_call(session, status="queued", skill_code="general", enqueued_at=utcnow())
    session.commit()
    keep_queues_moving(session)
    session.expire_all()
    freed = session.get(Agent, agent.id)
    assert freed.state == "reserved"
    assert session.get(Call, waiting.id).reserved_agent_id == agent.id
    assert session.get(Call, call.id).wrap_up_code is None  # nobody said what became of it
    assert 30 <= session.get(Call, call.id).wrap_up_seconds <= 33
    assert session.get(Agent, fresh.id).state == "wrap_up"  # still within the limit


def test_no_limit_leaves_wrap_up_to_the_agent(app, session):
    override(app, wrap_up_limit_seconds=0)
    agent, _ = in_wrap_up(session, utcnow() - timedelta(hours=1))
    keep_queues_moving(session)
    session.expire_all()
    assert session.get(Agent, agent.id).state == "wrap_up"
    assert context.router_settings().wrap_up_limit_seconds == 0
