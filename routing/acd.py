"""Automatic call distribution decisions, made from plain data.

Which agent a waiting call is offered to, and which waiting call a freed agent gets. The
callers (``routing.services``) load and lock the rows, and persist the decision.

A call first waits for agents with its own skill and language. After its skill's overflow
time it may also go to agents of the skill's secondary skills; after twice that time, to
any available agent (the general pool), whatever their skills or languages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

GENERAL_SKILL = "general"
DEFAULT_OVERFLOW_SECONDS = 60


@dataclass(frozen=True)
class SkillRule:
    code: str
    overflow_after_seconds: int = DEFAULT_OVERFLOW_SECONDS
    overflow_skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentView:
    id: int
    state: str
    state_since: datetime
    skills: Mapping[str, int]
    languages: frozenset[str] = field(default_factory=lambda: frozenset({"zh"}))


@dataclass(frozen=True)
class CallView:
    id: int
    skill_code: str
    enqueued_at: datetime
    priority: int = 0
    language: str = "zh"
    declined_by: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Reach:
    """Who may take a call now: these skills (None: anyone) and whether language matters."""

    skills: frozenset[str] | None
    language_required: bool


def reach(call: CallView, now: datetime, rules: Mapping[str, SkillRule]) -> Reach:
    """How far the call has overflowed after waiting until ``now``."""
    rule = rules.get(call.skill_code) or SkillRule(call.skill_code)
    waited = (now - call.enqueued_at).total_seconds()
    if waited < rule.overflow_after_seconds:
        return Reach(frozenset({call.skill_code}), True)
    if waited < 2 * rule.overflow_after_seconds:
        return Reach(frozenset({call.skill_code, *rule.overflow_skills}), True)
    return Reach(None, False)


def match_level(agent: AgentView, call: CallView, scope: Reach) -> int | None:
    """The agent's level for the call (higher is better), or None if they may not take it."""
    if agent.id in call.declined_by:
        return None
    if scope.language_required and call.language not in agent.languages:
        return None
    if scope.skills is None:
        return agent.skills.get(call.skill_code, 0)
    levels = [agent.skills[s] for s in scope.skills if s in agent.skills]
    if not levels:
        return None
    # The call's own skill counts fully; an overflow skill ranks below any own-skill agent.
    own = agent.skills.get(call.skill_code)
    return own if own is not None else max(levels) - 100


def pick_agent(
    call: CallView,
    agents: Iterable[AgentView],
    now: datetime,
    rules: Mapping[str, SkillRule] | None = None,
) -> AgentView | None:
    """The eligible available agent idle longest; a higher skill level breaks ties."""
    scope = reach(call, now, rules or {})
    best, best_key = None, None
    for agent in agents:
        if agent.state != "available":
            continue
        level = match_level(agent, call, scope)
        if level is None:
            continue
        key = (level < 0, agent.state_since, -level, agent.id)
        if best_key is None or key < best_key:
            best, best_key = agent, key
    return best


class CallMatcher:
    """Whether a call may go to one agent now, as :func:`reach` and :func:`match_level` decide.

    Built once per decision: the overflow cut-off times and what the agent can serve are
    worked out once per skill code, so testing a call is a few comparisons and no allocation.
    """

    __slots__ = ("_agent", "_now", "_rules", "_stages")

    def __init__(self, agent: AgentView, now: datetime, rules: Mapping[str, SkillRule]):
        self._agent = agent
        self._now = now
        self._rules = rules
        self._stages: dict[str, tuple[datetime, datetime, bool, bool]] = {}

    def _stage(self, skill_code: str) -> tuple[datetime, datetime, bool, bool]:
        rule = self._rules.get(skill_code) or SkillRule(skill_code)
        skills = self._agent.skills
        own = skill_code in skills
        secondary = own or any(s in skills for s in rule.overflow_skills)
        overflow = timedelta(seconds=rule.overflow_after_seconds)
        stage = (self._now - overflow, self._now - 2 * overflow, own, secondary)
        self._stages[skill_code] = stage
        return stage

    def eligible(self, call: CallView) -> bool:
        agent = self._agent
        if agent.id in call.declined_by:
            return False
        secondary_from, anyone_from, own, secondary = self._stages.get(
            call.skill_code
        ) or self._stage(call.skill_code)
        if call.enqueued_at <= anyone_from:  # overflowed to the general pool
            return True
        if call.language not in agent.languages:
            return False
        return own if call.enqueued_at > secondary_from else secondary


def first_eligible(
    agent: AgentView,
    calls_in_queue_order: Iterable[CallView],
    now: datetime,
    rules: Mapping[str, SkillRule] | None = None,
) -> CallView | None:
    """:func:`pick_call` for calls already in queue order: the first one the agent may take.

    The waiting queue is kept in that order (the database's index on it), so a freed agent's
    decision usually ends within the first few calls instead of reading the whole queue.
    """
    matcher = CallMatcher(agent, now, rules or {})
    for call in calls_in_queue_order:
        if matcher.eligible(call):
            return call
    return None


def pick_call(
    agent: AgentView,
    calls: Iterable[CallView],
    now: datetime,
    rules: Mapping[str, SkillRule] | None = None,
) -> CallView | None:
    """The eligible call with the highest priority, then the longest wait (in any order)."""
    matcher = CallMatcher(agent, now, rules or {})
    best, best_key = None, None
    for call in calls:
        if not matcher.eligible(call):
            continue
        key = queue_key(call)
        if best_key is None or key < best_key:
            best, best_key = call, key
    return best


def queue_key(call: CallView) -> tuple:
    """Serving order: higher priority first, then the longest wait, then arrival."""
    return (-call.priority, call.enqueued_at, call.id)


def queue_order(calls: Iterable[CallView]) -> list[CallView]:
    """Calls in the order they will be served."""
    return sorted(calls, key=queue_key)


def expected_wait_seconds(position: int, handle_seconds: float, agents: int) -> int:
    """A caller's expected wait: the calls ahead, served by ``agents`` at the handle time."""
    if position <= 0:
        return 0
    return round(position * handle_seconds / max(agents, 1))


# Agents at work: free for a call, or busy with one they will finish.
SERVING_STATES = frozenset({"available", "reserved", "on_call", "wrap_up"})


def serving_agents(
    call: CallView,
    agents: Iterable[AgentView],
    now: datetime,
    rules: Mapping[str, SkillRule] | None = None,
) -> int:
    """How many agents at work (not on a break, not offline) could take the call, as far as
    it has overflowed by ``now``: those its expected wait is shared among."""
    scope = reach(call, now, rules or {})
    return sum(
        1
        for agent in agents
        if agent.state in SERVING_STATES and match_level(agent, call, scope) is not None
    )
