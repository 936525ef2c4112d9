from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest

from routing.acd import (
    AgentView,
    CallView,
    SkillRule,
    expected_wait_seconds,
    pick_agent,
    pick_call,
    queue_order,
    reach,
)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RULES = {"housing": SkillRule("housing", 60, ("social_security",))}


def agent(id, idle_minutes=0, state="available", skills=None, languages=("zh",)):
    return AgentView(
        id=id,
        state=state,
        state_since=T0 - timedelta(minutes=idle_minutes),
        skills=skills or {"general": 1},
        languages=frozenset(languages),
    )


def call(id, waited_seconds=0, skill="general", priority=0, language="zh", declined=()):
    return CallView(
        id=id,
        skill_code=skill,
        enqueued_at=T0 - timedelta(seconds=waited_seconds),
        priority=priority,
        language=language,
        declined_by=frozenset(declined),
    )


def test_the_agent_idle_longest_gets_the_call():
    agents = [agent(1, idle_minutes=2), agent(2, idle_minutes=9), agent(3, idle_minutes=5)]
    for order in permutations(agents):
        assert pick_agent(call(1), order, T0).id == 2


def test_a_higher_skill_level_breaks_a_tie():
    low = agent(1, idle_minutes=5, skills={"general": 1})
    high = agent(2, idle_minutes=5, skills={"general": 3})
    for order in permutations([low, high]):
        assert pick_agent(call(1), order, T0).id == 2


def test_only_available_agents_with_the_skill_and_language_are_eligible():
    agents = [
        agent(1, idle_minutes=50, state="break"),
        agent(2, idle_minutes=40, state="on_call"),
        agent(3, idle_minutes=35, state="reserved"),
        agent(4, idle_minutes=30, skills={"housing": 2}),
        agent(5, idle_minutes=20, languages=("en",)),
        agent(6, idle_minutes=1),
    ]
    assert pick_agent(call(1), agents, T0).id == 6


@pytest.mark.parametrize("state", ["offline", "reserved", "on_call", "wrap_up", "break"])
def test_no_state_but_available_is_offered_a_call(state):
    assert pick_agent(call(1), [agent(1, state=state)], T0) is None


def test_an_agent_who_declined_is_not_offered_the_call_again():
    agents = [agent(1, idle_minutes=9), agent(2, idle_minutes=1)]
    assert pick_agent(call(1, declined=[1]), agents, T0).id == 2
    assert pick_agent(call(1, declined=[1, 2]), agents, T0) is None


def test_no_eligible_agent_means_no_one():
    assert pick_agent(call(1, skill="housing"), [agent(1)], T0) is None
    assert pick_agent(call(1), [], T0) is None


def test_overflow_goes_to_secondary_skills_then_to_anyone():
    social = agent(1, idle_minutes=9, skills={"social_security": 2})
    english = agent(2, idle_minutes=9, skills={"english": 1}, languages=("en",))
    # Before the overflow time only housing agents may take a housing call.
    assert pick_agent(call(1, 59, "housing"), [social, english], T0, RULES) is None
    # After it, the secondary skill's agents too.
    assert pick_agent(call(1, 60, "housing"), [social, english], T0, RULES).id == 1
    assert pick_agent(call(1, 60, "housing"), [english], T0, RULES) is None
    # After twice the time, anyone: skills and language no longer matter.
    assert pick_agent(call(1, 120, "housing"), [english], T0, RULES).id == 2


def test_an_own_skill_agent_is_preferred_to_an_overflow_agent_even_if_idle_less():
    own = agent(1, idle_minutes=1, skills={"housing": 1})
    secondary = agent(2, idle_minutes=30, skills={"social_security": 3})
    assert pick_agent(call(1, 90, "housing"), [secondary, own], T0, RULES).id == 1


def test_reach_widens_with_the_wait():
    assert reach(call(1, 10, "housing"), T0, RULES).skills == {"housing"}
    assert reach(call(1, 61, "housing"), T0, RULES).skills == {"housing", "social_security"}
    wide = reach(call(1, 121, "housing"), T0, RULES)
    assert wide.skills is None and not wide.language_required
    # A skill without a rule uses the default overflow time.
    assert reach(call(1, 30, "transport"), T0, {}).skills == {"transport"}


def test_a_freed_agent_takes_the_highest_priority_then_the_longest_waiting():
    calls = [call(1, waited_seconds=300), call(2, waited_seconds=30, priority=1), call(3, 600)]
    for order in permutations(calls):
        assert pick_call(agent(9), order, T0).id == 2
    assert pick_call(agent(9), [call(1, 300), call(3, 600)], T0).id == 3


def test_a_freed_agent_skips_calls_it_cannot_answer_yet():
    calls = [call(1, 20, skill="housing"), call(2, 20, language="yue"), call(3, 10)]
    assert pick_call(agent(9), calls, T0).id == 3
    assert pick_call(agent(9), calls[:2], T0) is None
    # Once the housing call has overflowed to everyone, this agent may take it.
    assert pick_call(agent(9), [call(1, 200, skill="housing")], T0, RULES).id == 1


def test_queue_order_serves_priority_then_wait_then_arrival():
    calls = [call(1, 100), call(2, 100), call(3, 50, priority=2), call(4, 500)]
    assert [c.id for c in queue_order(calls)] == [3, 4, 1, 2]


def test_expected_wait_grows_with_position_and_shrinks_with_agents():
    assert expected_wait_seconds(0, 200, 3) == 0
    assert expected_wait_seconds(3, 200, 1) == 600
    assert expected_wait_seconds(3, 200, 3) == 200
    assert expected_wait_seconds(2, 200, 0) == 400
