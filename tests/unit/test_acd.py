from datetime import UTC, datetime, timedelta
from itertools import chain, combinations, permutations, product

import pytest

from routing.acd import (
    AgentView,
    CallMatcher,
    CallView,
    SkillRule,
    expected_wait_seconds,
    first_eligible,
    match_level,
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


SKILL_CODES = ("housing", "social_security", "general", "transport")
WAITS = (0, 1, 59, 60, 61, 119, 120, 121, 3600)  # around both overflow cut-offs (60 s, 120 s)


def _subsets(items):
    return chain.from_iterable(combinations(items, n) for n in range(len(items) + 1))


def test_the_call_matcher_agrees_with_reach_and_match_level_everywhere():
    """Every agent skill set × language set × call skill, language, wait and decline."""
    checked = 0
    for skills, languages in product(_subsets(SKILL_CODES), (("zh",), ("yue",), ("zh", "en"))):
        someone = agent(7, skills=dict.fromkeys(skills, 2) or {"none": 1}, languages=languages)
        matcher = CallMatcher(someone, T0, RULES)
        for code, language, waited, declined in product(
            SKILL_CODES, ("zh", "yue", "en"), WAITS, ((), (7,), (8,))
        ):
            c = call(1, waited, skill=code, language=language, declined=declined)
            expected = match_level(someone, c, reach(c, T0, RULES)) is not None
            assert matcher.eligible(c) is expected, (skills, languages, code, language, waited)
            checked += 1
    assert checked == 16 * 3 * 4 * 3 * len(WAITS) * 3


def test_the_first_eligible_call_in_queue_order_is_pick_calls_choice():
    calls = [
        call(1, 30, skill="housing", priority=0),
        call(2, 90, skill="housing", priority=0),
        call(3, 10, skill="general", priority=1, language="yue"),
        call(4, 100, skill="transport"),
        call(5, 5, skill="social_security", priority=2, declined=(7,)),
        call(6, 70, skill="social_security"),
    ]
    agents = [
        agent(7, skills=dict.fromkeys(skills, 1), languages=languages)
        for skills in _subsets(SKILL_CODES)
        for languages in (("zh",), ("yue",))
    ]
    for someone in agents:
        for order in permutations(calls):
            expected = pick_call(someone, order, T0, RULES)
            assert first_eligible(someone, queue_order(order), T0, RULES) == expected
    # The fixture reaches every branch: some agents get nothing, others different calls.
    picks = {getattr(pick_call(a, calls, T0, RULES), "id", None) for a in agents}
    assert None in picks and len(picks) >= 4
