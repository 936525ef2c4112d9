"""Automatic call distribution decisions, made from plain data.

Which agent a waiting call goes to, and which waiting call a freed agent takes. The
callers (``routing.services``) load the data, lock rows, and persist the decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime


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


def can_answer(agent: AgentView, call: CallView) -> bool:
    """The agent has the call's skill and speaks its language."""
    return call.skill_code in agent.skills and call.language in agent.languages


def pick_agent(call: CallView, agents: Iterable[AgentView]) -> AgentView | None:
    """The available eligible agent idle longest; a higher skill level breaks ties."""
    eligible = [a for a in agents if a.state == "available" and can_answer(a, call)]
    if not eligible:
        return None
    return min(eligible, key=lambda a: (a.state_since, -a.skills[call.skill_code], a.id))


def pick_call(agent: AgentView, calls: Iterable[CallView]) -> CallView | None:
    """The eligible call with the highest priority, then the longest wait."""
    eligible = [c for c in calls if can_answer(agent, c)]
    if not eligible:
        return None
    return min(eligible, key=lambda c: (-c.priority, c.enqueued_at, c.id))


def queue_order(calls: Iterable[CallView]) -> list[CallView]:
    """Calls in the order they will be served."""
    return sorted(calls, key=lambda c: (-c.priority, c.enqueued_at, c.id))
