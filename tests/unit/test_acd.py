from datetime import UTC, datetime, timedelta
from itertools import permutations

from routing.acd import AgentView, CallView, pick_agent, pick_call, queue_order

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def agent(id, idle_minutes=0, state="available", skills=None, languages=("zh",)):
    return AgentView(
        id=id,
        state=state,
        state_since=T0 - timedelta(minutes=idle_minutes),
        skills=skills or {"general": 1},
        languages=frozenset(languages),
    )


def call(id, waited_seconds=0, skill="general", priority=0, language="zh"):
    return CallView(
        id=id,
        skill_code=skill,
        enqueued_at=T0 - timedelta(seconds=waited_seconds),
        priority=priority,
        language=language,
    )


def test_the_agent_idle_longest_gets_the_call():
    agents = [agent(1, idle_minutes=2), agent(2, idle_minutes=9), agent(3, idle_minutes=5)]
    for order in permutations(agents):
        assert pick_agent(call(1), order).id == 2


def test_a_higher_skill_level_breaks_a_tie():
    low = agent(1, idle_minutes=5, skills={"general": 1})
    high = agent(2, idle_minutes=5, skills={"general": 3})
    assert pick_agent(call(1), [low, high]).id == 2


def test_only_available_agents_with_the_skill_and_language_are_eligible():
    agents = [
        agent(1, idle_minutes=50, state="break"),
        agent(2, idle_minutes=40, state="on_call"),
        agent(3, idle_minutes=30, skills={"housing": 2}),
        agent(4, idle_minutes=20, languages=("en",)),
        agent(5, idle_minutes=1),
    ]
    assert pick_agent(call(1), agents).id == 5


def test_no_eligible_agent_means_no_one():
    assert pick_agent(call(1, skill="housing"), [agent(1)]) is None
    assert pick_agent(call(1), []) is None


def test_a_freed_agent_takes_the_highest_priority_then_the_longest_waiting():
    calls = [call(1, waited_seconds=300), call(2, waited_seconds=30, priority=1), call(3, 600)]
    for order in permutations(calls):
        assert pick_call(agent(9), order).id == 2
    assert pick_call(agent(9), [call(1, 300), call(3, 600)]).id == 3


def test_a_freed_agent_skips_calls_it_cannot_answer():
    calls = [call(1, 900, skill="housing"), call(2, 900, language="yue"), call(3, 10)]
    assert pick_call(agent(9), calls).id == 3
    assert pick_call(agent(9), calls[:2]) is None


def test_queue_order_serves_priority_then_wait_then_arrival():
    calls = [call(1, 100), call(2, 100), call(3, 50, priority=2), call(4, 500)]
    assert [c.id for c in queue_order(calls)] == [3, 4, 1, 2]
