"""What a waiting caller hears: their place in the queue, and a wait worked out from the
agents who could take their call, not from everyone on the floor."""

from datetime import timedelta

import pytest

from hotline.db import utcnow
from routing import services as routing
from routing.models import Call
from tests.factories import make_agent
from tests.voice_flow import Caller

# One earlier social-security call, talked for 400 seconds and wrapped up in 80: every
# estimate below is position x 480 seconds / the agents who count.
HANDLE_SECONDS = 480


@pytest.fixture
def floor(observer):
    """Agents of every kind; only the first two may take a fresh 12333 (社保, Mandarin) call."""
    agents = {}
    for name, skills, languages, state in [
        ("talking", {"social_security": 1}, "zh", "on_call"),
        ("wrapping_up", {"social_security": 2}, "zh", "wrap_up"),
        ("on_break", {"social_security": 1}, "zh", "break"),
        ("offline", {"social_security": 1}, "zh", "offline"),
        ("housing", {"housing": 1}, "zh", "on_call"),
        ("english_only", {"social_security": 1}, "en", "on_call"),
        ("general", {"general": 1}, "zh", "on_call"),
    ]:
        _, agent = make_agent(observer, skills=skills, languages=languages)
        agent.state = state
        agents[name] = agent
    ended = utcnow() - timedelta(hours=1)
    observer.add(
        Call(
            call_sid="CA" + "e" * 32,
            from_number="13900139000",
            to_number="12333",
            entry="legacy",
            skill_code="social_security",
            status="completed",
            created_at=ended - timedelta(seconds=420),
            enqueued_at=ended - timedelta(seconds=410),
            answered_at=ended - timedelta(seconds=400),
            ended_at=ended,
            wrap_up_seconds=80,
        )
    )
    observer.commit()
    return agents


def three_callers(client, observer) -> list[Caller]:
    callers = [Caller(client, observer, number=f"+86138000000{i:02d}") for i in range(3)]
    for caller in callers:
        caller.dial(to="12333")
    return callers


def test_the_wait_counts_only_agents_of_the_calls_skill_and_language_on_duty(
    client, observer, floor
):
    last = three_callers(client, observer)[2]
    assert routing.average_handle_seconds(observer, "social_security") == HANDLE_SECONDS
    # Third in the queue, two agents who could take it: 3 x 480 / 2 seconds, 12 minutes.
    assert routing.queue_position(observer, last.call) == 3
    assert routing.expected_wait(observer, last.call) == 720
    assert "您前面还有2位来电，预计等待约12分钟。" in last.wait()


def test_the_wait_counts_the_overflow_skills_once_the_call_has_overflowed(client, observer, floor):
    callers = three_callers(client, observer)
    for caller in callers:
        caller.backdate_queue(90)  # past the 60 seconds after which 社保 overflows to general
    # The general agent counts too: 3 x 480 / 3 seconds, 8 minutes.
    assert routing.expected_wait(observer, callers[2].call) == 480
    assert "您前面还有2位来电，预计等待约8分钟。" in callers[2].wait()


def test_the_wait_counts_every_agent_on_duty_once_the_call_reaches_the_general_pool(
    client, observer, floor
):
    callers = three_callers(client, observer)
    for caller in callers:
        caller.backdate_queue(150)  # past twice the overflow time: anyone may take it
    # All but the agent on a break and the one offline: 3 x 480 / 5 seconds, about 5 minutes.
    assert routing.expected_wait(observer, callers[2].call) == 288
    assert "您前面还有2位来电，预计等待约5分钟。" in callers[2].wait()


def test_an_agent_who_turned_the_call_down_does_not_count_for_it(client, observer, floor):
    last = three_callers(client, observer)[2]
    call = last.call
    call.declined_agent_ids = [floor["talking"].id]
    observer.commit()
    # Only the agent wrapping up is left for it: 3 x 480 / 1 seconds, 24 minutes.
    assert routing.expected_wait(observer, last.call) == 1440
    assert "您前面还有2位来电，预计等待约24分钟。" in last.wait()
