"""The agents a waiting call's expected wait is shared among: at work, and able to take it."""

from datetime import UTC, datetime, timedelta

import pytest

from routing.acd import AgentView, CallView, SkillRule, serving_agents

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
RULES = {"housing": SkillRule("housing", 60, ("social_security",))}
FLOOR = [
    AgentView(1, "available", T0, {"housing": 1}),
    AgentView(2, "reserved", T0, {"housing": 1}),
    AgentView(3, "on_call", T0, {"housing": 3}),
    AgentView(4, "wrap_up", T0, {"housing": 1}),
    AgentView(5, "break", T0, {"housing": 1}),
    AgentView(6, "offline", T0, {"housing": 1}),
    AgentView(7, "on_call", T0, {"housing": 1}, frozenset({"en"})),
    AgentView(8, "on_call", T0, {"social_security": 1}),
    AgentView(9, "available", T0, {"general": 1}, frozenset({"yue"})),
]


@pytest.mark.parametrize(
    ("waited_seconds", "declined", "count"),
    [
        (0, (), 4),  # the housing agents at work who speak Mandarin
        (0, (3,), 3),  # not the one who turned this call down
        (60, (), 5),  # overflowed: the social-security agent too
        (120, (), 7),  # the general pool: anyone at work, whatever their language
    ],
)
def test_only_agents_at_work_who_could_take_the_call_count(waited_seconds, declined, count):
    call = CallView(
        id=1,
        skill_code="housing",
        enqueued_at=T0 - timedelta(seconds=waited_seconds),
        declined_by=frozenset(declined),
    )
    assert serving_agents(call, FLOOR, T0, RULES) == count
